"""Managers decide exceptions in the handoff's thread in Teams; commands answer about the right
handoffs; a nudge reaches the person it is for; a duplicate activity is acted on once."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from bot.reporting.sample import enqueue_sample_audit
from bot.teams.simulator import TeamsSimulator
from core.machine import Status
from core.sampling import pick_sample, seed_for
from storage.chat_refs import ChatRefs
from storage.mapping import to_row
from storage.metrics_sql import accepted_between
from storage.tables import HANDOFFS
from storage.timers import TimerStore
from tests.integration.test_reporting_sql import storage_bench
from tests.teams.teams_world import MANAGERS_CHANNEL, TeamsWorld, teams_world


def texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def ask_for_an_exception(w: TeamsWorld, handoff_id: str) -> None:
    last = len(w.baton.playbook.sections) - 1
    review = await w.submit("ana", {"dialog": "packet", "handoff_id": handoff_id, "step": last, "move": "submit"})
    card = review["value"]["card"]["content"]
    assert review["value"]["title"] == "Not yet complete" and "Still empty:" in texts(card)
    empty = await w.submit("ana", {"dialog": "review", "handoff_id": handoff_id, "move": "override", "reason": " "})
    assert "Say why, so a manager can decide." in texts(empty)
    asked = await w.submit("ana", {"dialog": "review", "handoff_id": handoff_id, "move": "override",
                                   "reason": "IT contact is on leave until January"})
    assert asked["value"].startswith("Asked the managers")
    assert w.baton.service.get(handoff_id).status is Status.OVERRIDE_REQUESTED
    await w.deliver()


def exception_message(w: TeamsWorld, handoff_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(activity id, the activity as posted, the card as it reads now) of the exception request."""
    exception_id = w.baton_refs(handoff_id)["teams.exception"]
    versions = [s for s in w.sent(w.thread_of(handoff_id)) if s.activity_id == exception_id]
    return exception_id, versions[0].activity, versions[-1].activity["attachments"][0]["content"]


@pytest.mark.parametrize(("verb", "after"), [("approve", Status.SUBMITTED), ("deny", Status.DRAFTING)])
async def test_only_a_manager_decides_an_exception_in_the_thread_and_the_request_shows_the_outcome(
        tmp_path: Path, sim: TeamsSimulator, verb: str, after: Status) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id=f"D-8{verb}")
        await w.deliver()
        await ask_for_an_exception(w, handoff_id)
        _, posted, card = exception_message(w, handoff_id)
        managers = {w.people["maria"]["id"], w.people["liam"]["id"]}
        assert {e["mentioned"]["id"] for e in posted["entities"]} == managers
        assert set(card["refresh"]["userIds"]) == managers and "IT contact is on leave" in texts(card)
        data = {"handoff_id": handoff_id, "card": "exception"}

        not_manager = await w.click("olga", verb, data)
        assert not_manager["body"][0]["text"] == (
            f"You can't {verb} this exception: only a sales or CS manager can do that.")
        own = await w.click("ana", verb, data)
        assert own["body"][0]["text"] == f"You can't {verb} this exception: only a sales or CS manager can do that."
        assert w.baton.service.get(handoff_id).status is Status.OVERRIDE_REQUESTED

        decided = await w.click("maria", verb, data)
        assert f"{'Approved' if verb == 'approve' else 'Denied'} by" in texts(decided)
        assert w.baton.service.get(handoff_id).status is after
        await w.deliver()
        _, _, now = exception_message(w, handoff_id)
        assert "actions" not in now and ("Approved by" in texts(now) or "Denied by" in texts(now))


async def test_commands_answer_about_the_askers_handoffs_in_personal_chat_and_in_the_thread(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        first = await w.close_deal(deal_id="D-9001", account="Northwind Traders")
        await w.close_deal(deal_id="D-9002", account="Globex Retail")
        await w.deliver()
        await w.say("ana", "hello")  # Baton learns who Ana is from her first message

        mine = await w.say("ana", "mine")
        assert "Waiting on you** (2)" in mine and "Fill the packet** (2)" in mine
        assert "Northwind Traders" in mine and "Globex Retail" in mine
        assert "Nothing needs you right now" in await w.say("carl", "mine")

        found = await w.say("carl", "status globex")
        assert "Globex Retail" in found and "Northwind" not in found
        assert "No handoff matches" in await w.say("carl", "status initech")
        thread_message = w.acts.message(w.people["ana"], "status", thread=w.thread_of(first).split("=", 1)[1])
        before = len(sim.sent)
        assert (await w.post(thread_message))[0] == 200
        here = texts([s.activity for s in sim.sent[before:]])
        assert "Northwind Traders" in here and "Globex" not in here

        assert "Overdue** (0)" in await w.say("maria", "overdue")
        w.baton.clock.advance(hours=30)  # type: ignore[attr-defined]
        overdue = await w.say("maria", "overdue")
        assert "Overdue** (2)" in overdue and "**overdue**" in overdue
        assert "Open a handoff" in await w.say("maria", "open")  # a button to the dialog (test_teams_open_deal)
        assert "I don't know `frobnicate`" in await w.say("ana", "frobnicate")


async def test_metrics_answer_with_the_chart_inside_a_card_that_fits_teams(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        await w.close_deal(deal_id="D-9101")
        await w.deliver()
        activity = w.acts.message(w.people["rita"], "metrics month", in_channel=False, mention=False)
        before = len(sim.sent)
        assert (await w.post(activity))[0] == 200
        [reply] = [s.activity for s in sim.sent[before:] if s.conversation_id == activity["conversation"]["id"]]
        card = reply["attachments"][0]["content"]
        image = next(b for b in card["body"] if b["type"] == "Image")
        assert image["url"].startswith("data:image/png;base64,") and "completion" in image["altText"].lower()
        assert len(json.dumps(reply).encode()) <= 28 * 1024  # Teams refuses larger messages
        assert "Handoff metrics, the last month, all handoffs" in texts(card)
        assert "I can't read `fortnight`" in await w.say("maria", "metrics fortnight")


async def test_a_nudge_reaches_the_ae_and_a_redelivered_click_is_acted_on_once(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        ana_chat = sim.install_personal(w.people["ana"])
        handoff_id = await w.close_deal(deal_id="D-9201")
        await w.deliver()
        with Session(w.baton.engine) as session:
            due = min(s["fire_at"] for s in TimerStore(session).steps(handoff_id)
                      if s["timer"] == "packet_due" and s["status"] == "pending")
        w.baton.clock.advance(seconds=(due - w.baton.clock.now()).total_seconds() + 1)  # type: ignore[attr-defined]
        report = w.baton.sla.sweep(w.baton.clock.now())
        assert report.messages >= 1
        await w.deliver()
        reminders = [s for s in w.sent(ana_chat) if "Reminder" in texts(s.activity)]
        assert reminders and "Acme Robotics" in texts(reminders[-1].activity)

        await w.fill_packet("ana", handoff_id)
        click = w.acts.card_action(w.people["carl"], "accept", {"handoff_id": handoff_id})
        assert (await w.post(click))[0] == 200
        assert (await w.post(click))[0] == 200  # Teams redelivers an invoke it got no timely answer for
        audit = [a.action for a in w.baton.service.get(handoff_id).audit]
        assert audit.count("accept") == 1


async def test_the_monthly_sample_reaches_revops_in_teams_with_links_to_the_threads(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        rita_chat = sim.install_personal(w.people["rita"])
        bench = storage_bench()
        rnd = random.Random(5)
        rows = []
        for n in range(120):
            h = bench.fake_handoff(n, rnd)
            rows.append(to_row(h) | {"version": h.version, "created_at": h.opened_at, "updated_at": bench.NOW})
        engine = w.baton.engine
        with engine.begin() as conn:
            conn.execute(insert(HANDOFFS), rows)
            pool = accepted_between(conn, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
        drawn = pick_sample(pool, 5, seed=seed_for(date(2026, 10, 1)))
        ChatRefs(engine).set(drawn[0].handoff_id, "teams.thread", "19:handoffs@thread.tacv2;messageid=1700",
                             at=w.baton.clock.now())
        now = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
        assert enqueue_sample_audit(engine, w.baton.playbook, today=date(2026, 11, 2), now=now)
        await w.deliver()
        await w.deliver()
        posts = [s.activity for s in w.sent(rita_chat) if "Monthly sample audit" in texts(s.activity)]
        assert len(posts) == 1
        lines = [b["text"] for b in posts[0]["attachments"][0]["content"]["body"]]
        assert lines[0].startswith("Monthly sample audit, 2026-10: 5 handoffs") and len(lines) == 6
        assert any(line.endswith("https://teams.microsoft.com/l/message/19%3Ahandoffs%40thread.tacv2/1700")
                   for line in lines)


async def test_the_weekly_digest_posts_the_chart_card_in_the_managers_channel_once(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        await w.close_deal(deal_id="D-9301")
        await w.deliver()
        w.baton.clock.advance(days=7)  # type: ignore[attr-defined]
        assert w.baton.sla.enqueue_weekly_digest(w.baton.clock.now())
        await w.deliver()
        await w.deliver()
        posts = [s for s in sim.sent[w.since:] if s.conversation_id.startswith(MANAGERS_CHANNEL + ";messageid=")]
        assert len(posts) == 1
        card = posts[0].activity["attachments"][0]["content"]
        image = next(b for b in card["body"] if b["type"] == "Image")
        assert image["url"].startswith("data:image/png;base64,") and "1 handoffs" in image["altText"]
        assert len(json.dumps(posts[0].activity).encode()) <= 28 * 1024
        assert any("red flag" in b.get("text", "").lower() or b.get("text", "").startswith("🚩")
                   for b in card["body"] if b["type"] == "TextBlock")


async def test_a_manager_exports_a_csv_in_personal_chat_after_consenting_and_a_rep_is_refused(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        await w.close_deal(deal_id="D-9401")
        await w.deliver()
        w.baton.clock.advance(minutes=5)  # type: ignore[attr-defined]
        assert "only a sales or CS manager or RevOps can" in await w.say("ana", "export month")
        assert "only in our personal chat" in await w.say("maria", "export month", in_channel=True)

        ask = w.acts.message(w.people["maria"], "export month", in_channel=False, mention=False)
        assert (await w.post(ask))[0] == 200
        [offer] = [s.activity for s in w.sent(ask["conversation"]["id"])]
        consent = offer["attachments"][0]
        assert consent["contentType"] == "application/vnd.microsoft.teams.card.file.consent"
        assert consent["name"].startswith("handoff-metrics-") and consent["content"]["sizeInBytes"] > 0

        info = sim.upload_info(consent["name"])
        status, _ = await w.post(w.acts.file_consent(w.people["maria"], "accept", consent["content"]["acceptContext"],
                                                     info))
        assert status == 200
        rows = list(csv.DictReader(io.StringIO(sim.uploads[info["uniqueId"]].decode())))
        assert rows[0]["group"] == "all" and rows[0]["handoffs"] == "1"
        shown = w.sent(ask["conversation"]["id"])[-1].activity["attachments"][0]
        assert shown["contentType"] == "application/vnd.microsoft.teams.card.file.info"
        assert shown["contentUrl"] == info["contentUrl"] and shown["content"]["uniqueId"] == info["uniqueId"]

        declined = w.acts.file_consent(w.people["maria"], "decline", consent["content"]["declineContext"])
        assert (await w.post(declined))[0] == 200
        assert "No file sent" in str(w.sent(ask["conversation"]["id"])[-1].activity.get("text"))
