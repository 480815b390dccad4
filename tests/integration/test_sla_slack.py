"""SLA nudges and follow-ups end to end: the real HTTP server and Bolt app, the Slack simulator,
signed requests from people, and the sweep driven with an advancing clock (no sleeping)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.slack import ids
from bot.slack.views import nudges as views
from core.machine import Status
from storage.sweep import SweepReport
from storage.timers import TimerStore, TimeZoneBook
from tests.integration.slack_world import HYBRID_PACKET, SlackWorld, buttons, slack_world

TOKYO = ZoneInfo("Asia/Tokyo")
TUESDAY_9AM_TOKYO = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
TUESDAY_9AM_NEW_YORK = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)


def start_at(w: SlackWorld, moment: datetime) -> None:
    """Set Baton's clock (the simulator keeps real time; only due times matter here)."""
    w.clock.offset = moment - datetime.now(UTC)


def steps(w: SlackWorld, handoff_id: str, timer: str) -> list[dict[str, Any]]:
    with Session(w.baton.engine) as session:
        return [s for s in TimerStore(session).steps(handoff_id) if s["timer"] == timer]


async def sweep_at(w: SlackWorld, moment: datetime) -> SweepReport:
    """Move the clock to `moment`, sweep as the scheduler would, and let the outbox deliver."""
    w.clock.advance(seconds=(moment - w.clock.now()).total_seconds() + 1)
    report = await asyncio.to_thread(w.baton.sla.sweep, w.clock.now())
    await w.deliver()
    return report


def shown(message: dict[str, Any]) -> str:
    """A message as a person reads it (blocks and text, emoji included)."""
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + message.get("text", "")


def nudges_to(w: SlackWorld, user: str) -> list[dict[str, Any]]:
    return [m for m in w.dm(user) if views.SNOOZE in buttons(m) or "🚨" in shown(m)]


async def zone_learned(w: SlackWorld, email: str, zone: str) -> None:
    def learned() -> bool:
        with Session(w.baton.engine) as session:
            return TimeZoneBook(session).of([email]).get(email) == zone

    await w.settle(learned)
    await asyncio.sleep(0.2)  # the replan right after it, in the same background task


async def test_an_untouched_handoff_gets_the_reminder_the_repeat_and_the_escalation_in_order_once_each(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path) as w:
        w.sim.workspace.users[w.ae].tz = "Asia/Tokyo"  # the AE works from Tokyo; the manager from New York
        start_at(w, TUESDAY_9AM_TOKYO)
        status, opened = await w.close_deal()
        assert status == 202
        handoff_id = opened["handoff_id"]
        await w.deliver()
        await zone_learned(w, "ana.ortiz@example.com", "Asia/Tokyo")

        ladder = steps(w, handoff_id, "packet_due")
        assert [(s["step"], s["recipient"]) for s in ladder] == [
            ("remind", "ana.ortiz@example.com"), ("due", "ana.ortiz@example.com"),
            ("repeat_1", "ana.ortiz@example.com"), ("escalate", "maria.gomez@example.com"),
        ]
        for s in ladder[:3]:  # the AE is nudged inside her own working day in Tokyo
            assert 8 <= s["fire_at"].astimezone(TOKYO).hour < 19

        seen: list[str] = []
        for s in ladder:
            report = await sweep_at(w, s["fire_at"])
            assert report.fired == 1, (s["step"], report)
            seen.append(s["step"])
            ae, boss = nudges_to(w, w.ae), nudges_to(w, w.manager)
            assert (len(ae), len(boss)) == ((min(len(seen), 3)), int("escalate" in seen))

        ae_texts = [shown(m) for m in nudges_to(w, w.ae)]
        assert "⏰" in ae_texts[0] and "(in " in ae_texts[0]  # before the due time
        assert "⚠️" in ae_texts[1] and "⚠️" in ae_texts[2]  # at it, and a day later
        assert all(ids.FILL_PACKET in buttons(m) for m in nudges_to(w, w.ae))
        (escalation,) = [shown(m) for m in nudges_to(w, w.manager)]
        assert "🚨" in escalation and f"<@{w.ae}>" in escalation  # names who holds the ball
        assert w.baton.service.get(handoff_id).sla_breaches == ["packet_due"]

        quiet = await sweep_at(w, ladder[-1]["fire_at"] + timedelta(days=3))
        assert quiet.fired == 0 and len(nudges_to(w, w.ae)) == 3 and len(nudges_to(w, w.manager)) == 1


async def test_the_csm_records_follow_ups_and_the_feedback_reaches_the_ae(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        start_at(w, TUESDAY_9AM_NEW_YORK)
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        await w.fill_packet(HYBRID_PACKET)
        await w.deliver()
        await w.people.click(w.csm, ids.ACCEPT)
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.ACCEPTED)
        await w.deliver()
        assert ids.SET_KICKOFF in buttons(w.card(handoff_id))

        touched = await w.people.command(w.csm, "touched")
        assert "Recorded the first customer touch" in touched.text
        kickoff = await w.people.command(w.csm, "kickoff 2026-11-20")
        assert "Recorded kickoff" in kickoff.text
        refused = await w.people.command(w.ae, "kickoff 2026-11-20")
        assert "no accepted handoff" in refused.text
        handoff = w.baton.service.get(handoff_id)
        assert handoff.milestones.first_touch_at is not None and str(handoff.milestones.kickoff_on) == "2026-11-20"
        await w.deliver()
        assert ids.SET_KICKOFF not in buttons(w.card(handoff_id))

        (feedback,) = steps(w, handoff_id, "feedback_after")[:1]
        await sweep_at(w, feedback["fire_at"])
        prompt = w.dm(w.csm)[-1]
        assert views.GIVE_FEEDBACK in buttons(prompt) and views.SNOOZE in buttons(prompt)
        await w.open_modal(w.csm, views.GIVE_FEEDBACK)
        answer = await w.people.submit(w.csm, {views.WENT_WELL_BLOCK: "Clear goals and contacts.",
                                               views.MISSING_BLOCK: "Nobody mentioned the SSO deadline."})
        assert answer.status == 200 and not answer.errors
        await w.deliver()
        assert any("SSO deadline" in t and "What went well" in t for t in w.texts(w.dm(w.ae)))

        checkin = next(s for s in steps(w, handoff_id, "checkin_after") if s["step"] == "due")
        await sweep_at(w, checkin["fire_at"])
        await w.open_modal(w.csm, views.CHECK_IN)
        answer = await w.people.submit(w.csm, {views.RATING_BLOCK: "4", views.REPEAT_ASKS_BLOCK: ["risks"]})
        assert answer.status == 200 and not answer.errors
        m = w.baton.service.get(handoff_id).milestones
        assert (m.rating, m.repeat_asks) == (4, ("risks",))


async def test_snooze_is_recorded_shown_in_place_and_respected(tmp_path: Path) -> None:
    async with slack_world(tmp_path) as w:
        start_at(w, TUESDAY_9AM_NEW_YORK)
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        due = next(s for s in steps(w, handoff_id, "packet_due") if s["step"] == "due")
        await sweep_at(w, due["fire_at"])
        (nudge,) = [m for m in nudges_to(w, w.ae) if "⚠️" in shown(m)]

        answer = await w.people.click(w.ae, views.SNOOZE)
        assert answer.status == 200

        def snoozed() -> bool:
            return any(a.action == "snooze" for a in w.baton.service.get(handoff_id).audit)

        await w.settle(snoozed)
        await w.settle(lambda: "Snoozed" in json.dumps(next(m for m in w.dm(w.ae) if m["ts"] == nudge["ts"])))
        until = w.clock.now() + timedelta(hours=4)
        before = len(nudges_to(w, w.ae))
        assert (await sweep_at(w, until - timedelta(minutes=5))).fired == 0
        assert (await sweep_at(w, until)).fired == 1
        assert len(nudges_to(w, w.ae)) == before + 1


async def test_overdue_lists_the_callers_own_or_their_teams_and_the_weekly_digest_reaches_the_managers(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path) as w:
        start_at(w, TUESDAY_9AM_NEW_YORK)
        _, opened = await w.close_deal()
        handoff_id = opened["handoff_id"]
        await w.deliver()
        due = next(s for s in steps(w, handoff_id, "packet_due") if s["step"] == "due")
        await sweep_at(w, due["fire_at"] + timedelta(hours=2))

        mine = await w.people.command(w.ae, "overdue")
        assert "Overdue and waiting on you" in mine.text and "Northwind" in mine.text
        team = await w.people.command(w.manager, "overdue")
        assert "Overdue for your team" in team.text and "Northwind" in team.text
        cs_team = await w.people.command(w.cs_manager, "overdue")
        assert "Nothing is overdue" in cs_team.text  # the packet is the sales side's
        csm = await w.people.command(w.csm, "overdue")
        assert "(0)" in csm.text

        assert await asyncio.to_thread(w.baton.sla.enqueue_weekly_digest, w.clock.now())
        await w.deliver()
        revops = w.sim.channel_by_name("revops")
        assert revops is not None
        (digest,) = [t for t in w.texts(w.sim.messages(revops.id)) if "Handoff metrics" in t]
        assert "Overdue now" in digest and "Northwind" in digest and "Packet due" in digest
