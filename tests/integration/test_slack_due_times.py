"""Every due time a person sees is the SLA planner's: the card, the App Home and `/handoff status`
agree with the timers that send the nudges, in every state, including after an escalation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.slack import ids
from bot.slack.views.timing import span
from core.machine import Status
from tests.integration.slack_world import HYBRID_PACKET, SlackWorld, slack_world

CLOSED = datetime(2026, 11, 2, 15, 0, 30, tzinfo=UTC)
SENT_BACK = datetime(2026, 11, 7, 10, 0, tzinfo=UTC)


def at(w: SlackWorld, moment: datetime) -> None:
    """Move the world's clock to `moment` (it only moves forward)."""
    w.clock.advance(seconds=(moment - w.clock.now()).total_seconds())


def fallback(moment: datetime) -> str:
    """How a Slack date token shows a due time to a reader without the token (UTC)."""
    return f"{moment:%b} {moment.day}, {moment.year} at {moment:%H:%M} UTC"


def countdown(w: SlackWorld, moment: datetime) -> str:
    """How the App Home lists a due time: `due in 23h` (or `⚠️ 4d 19h overdue`)."""
    return f"due in {span(moment - w.clock.now())}"


def expected(w: SlackWorld, moment: datetime) -> dict[str, str]:
    """The due time as each surface writes it: a date on the card and in status, a countdown at Home."""
    return {"card": fallback(moment), "home": countdown(w, moment), "status": fallback(moment)}


def planner_due(w: SlackWorld, handoff_id: str, timer: str) -> datetime:
    timers = w.baton.sla.plan(w.baton.service.get(handoff_id))
    return next(t.due_at for t in timers if t.timer == timer)


async def seen_by_the_ae(w: SlackWorld, handoff_id: str) -> dict[str, str]:
    """The card, the AE's App Home and the AE's `/handoff status` in the handoff's channel."""
    await w.people.open_home(w.ae)
    await w.settle(lambda: "Northwind" in json.dumps(w.sim.home(w.ae) or {}))
    status = await w.people.command(w.ae, "status", channel=w.channel_of(handoff_id))
    return {"card": json.dumps(w.card(handoff_id)["blocks"], ensure_ascii=False), "home": json.dumps(w.sim.home(w.ae), ensure_ascii=False),
            "status": json.dumps(status.body, ensure_ascii=False)}


async def test_a_packet_sent_back_on_7_nov_is_due_when_the_planner_says_on_the_card_home_and_status(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        at(w, CLOSED)
        _, opened = await w.close_deal()
        handoff_id = str(opened["handoff_id"])
        await w.deliver()
        first_due = planner_due(w, handoff_id, "packet_due")
        seen = await seen_by_the_ae(w, handoff_id)
        for where, text in seen.items():
            assert expected(w, first_due)[where] in text, where

        await w.fill_packet(HYBRID_PACKET)
        await w.deliver()
        at(w, SENT_BACK)
        await w.open_modal(w.csm, ids.ESCALATE)
        answer = await w.people.submit(w.csm, {ids.ESCALATE_FIELDS_BLOCK: ["success_metrics"],
                                               ids.ESCALATE_REASON_BLOCK: "Success metrics are vague."})
        assert answer.status == 200 and not answer.errors
        assert w.baton.service.get(handoff_id).status is Status.ESCALATED
        await w.deliver()

        due = planner_due(w, handoff_id, "packet_due")
        assert due > SENT_BACK and due.date() == datetime(2026, 11, 8).date()  # a fresh cycle from the send-back
        seen = await seen_by_the_ae(w, handoff_id)
        for where, text in seen.items():
            assert expected(w, due)[where] in text, where
            assert fallback(first_due) not in text and "overdue" not in text, where  # not the stale 3 Nov


async def test_the_card_shows_the_planners_due_time_while_it_waits_on_the_csm_then_on_a_manager(
    tmp_path: Path,
) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        at(w, CLOSED)
        _, opened = await w.close_deal()
        handoff_id = str(opened["handoff_id"])
        await w.deliver()
        await w.fill_packet(HYBRID_PACKET)
        await w.deliver()
        due = planner_due(w, handoff_id, "acceptance_due")
        assert "Acceptance due" in json.dumps(w.card(handoff_id)["blocks"])
        assert fallback(due) in json.dumps(w.card(handoff_id)["blocks"], ensure_ascii=False)

        _, other = await w.close_deal(deal_id="006-GL-0042", event_id="evt-2", account="Globex Retail")
        handoff_id = str(other["handoff_id"])
        await w.deliver()
        await w.open_modal(w.ae, ids.REQUEST_OVERRIDE, channel=w.channel_of(handoff_id))
        answer = await w.people.submit(w.ae, {ids.OVERRIDE_REASON_BLOCK: "Metrics come after the kickoff."})
        assert answer.status == 200 and not answer.errors
        await w.settle(lambda: w.baton.service.get(handoff_id).status is Status.OVERRIDE_REQUESTED)
        await w.deliver()
        due = planner_due(w, handoff_id, "override_decision_due")  # business hours: a time, not a rule
        card = json.dumps(w.card(handoff_id)["blocks"], ensure_ascii=False)
        assert "Decision due" in card and fallback(due) in card and "of business hours" not in card
        asked = [m for m in w.sim.messages(w.channel_of(handoff_id))
                 if "A decision is due" in json.dumps(m.get("blocks") or [], ensure_ascii=False)]
        assert asked and f"|{fallback(due)}>. Any" in json.dumps(asked[-1]["blocks"], ensure_ascii=False)
