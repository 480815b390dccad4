"""Drafting the packet from call notes in Teams: the notes in a dialog, the model (a local
OpenAI-compatible server through the real `openai` client) read after the dialog is answered,
the drafted values with their quotes sent to the AE's chat, reviewed in a dialog, saved as kept."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bot.llm.fake_model import packet_answer
from bot.llm.fake_server import FakeOpenAI
from bot.teams.simulator import TeamsSimulator
from tests.teams.teams_world import teams_world

NOTES = """Kickoff prep call, Northwind Traders, 2 Nov.
Dana (VP Ops): our goal is one order system instead of three regional ones by Q2.
Marcus (IT): the risk is our change freeze from Dec 15 to Jan 10."""
SUGGESTED = {
    "customer_goals": ("One order system instead of three regional ones by Q2.",
                       "our goal is one order system instead of three regional ones by Q2"),
    "risks": ("IT change freeze Dec 15 to Jan 10.", "the risk is our change freeze from Dec 15 to Jan 10"),
    "competitors": ("Chose us over Acme.", "we picked you over Acme"),  # not in the notes: dropped
}


def texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_the_ae_drafts_from_notes_reviews_the_quoted_values_and_keeps_some(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    async with FakeOpenAI() as fake, teams_world(
            tmp_path, sim, openai_api_key=fake.api_key, openai_base_url=fake.base_url, llm_model="fake-model") as w:
        fake.responder = lambda body: packet_answer(body, SUGGESTED)
        ana_chat = sim.install_personal(w.people["ana"])
        handoff_id = await w.close_deal(deal_id="D-LLM-1")
        await w.deliver()
        _, packet = await w.fetch("ana", {"verb": "fill_packet", "handoff_id": handoff_id})
        assert "✨ Draft from call notes" in texts(packet["actions"])

        notes = await w.submit("ana", {"dialog": "packet", "handoff_id": handoff_id, "step": 0, "move": "notes",
                                       "pain_points": "Friday reconciliation"})
        assert notes["value"]["title"] == "Draft from call notes"
        assert w.baton.service.get(handoff_id).packet["pain_points"] == "Friday reconciliation"  # kept first
        empty = await w.submit("ana", {"dialog": "notes", "handoff_id": handoff_id, "step": 0, "move": "draft",
                                       "notes": "  "})
        assert "Paste the call notes first." in texts(empty)
        drafting = await w.submit("ana", {"dialog": "notes", "handoff_id": handoff_id, "step": 0, "move": "draft",
                                          "notes": NOTES})
        assert drafting["type"] == "message" and drafting["value"].startswith("Drafting from your notes")

        await wait_for(lambda: any("drafted from your notes" in texts(s.activity) for s in w.sent(ana_chat)))
        assert not set(SUGGESTED) & set(w.baton.service.get(handoff_id).packet)  # nothing saved yet
        _, review = await w.fetch("ana", {"verb": "review_draft", "handoff_id": handoff_id})
        shown = texts(review)
        assert "Customer goals and primary use case (required) · suggested from notes" in shown
        assert f"“{SUGGESTED['customer_goals'][1]}”" in shown and "competitors" not in shown
        assert "left out: the quoted words are not in the notes" in shown

        saved = await w.submit("ana", {"dialog": "suggestions", "handoff_id": handoff_id, "move": "save",
                                       "customer_goals": SUGGESTED["customer_goals"][0],
                                       "keep:customer_goals": "true",
                                       "risks": SUGGESTED["risks"][0], "keep:risks": "false"})
        assert saved["value"] == "Saved 1 value(s) from your notes to the packet."
        handoff = w.baton.service.get(handoff_id)
        assert handoff.packet["customer_goals"] == SUGGESTED["customer_goals"][0] and "risks" not in handoff.packet
        [audit] = [a for a in handoff.audit if a.action == "suggestions_reviewed"]
        fates = {s["field_id"]: s["accepted"] for s in audit.detail["suggestions"]}
        assert fates == {"customer_goals": True, "risks": False}
        gone = await w.submit("ana", {"dialog": "suggestions", "handoff_id": handoff_id, "move": "save"})
        assert gone["value"].startswith("There are no drafted values")  # saved once


async def test_without_a_model_key_the_dialog_offers_no_drafting(tmp_path: Path, sim: TeamsSimulator) -> None:
    async with teams_world(tmp_path, sim) as w:
        handoff_id = await w.close_deal(deal_id="D-LLM-2")
        _, packet = await w.fetch("ana", {"verb": "fill_packet", "handoff_id": handoff_id})
        assert "Draft from call notes" not in texts(packet)


async def test_where_the_notes_disagree_the_ae_picks_one_or_all_of_them_in_the_dialog(
        tmp_path: Path, sim: TeamsSimulator) -> None:
    from bot.teams.drafts import DRAFT_REF
    from core.drafting import Conflict, Draft, Suggestion
    from storage.chat_refs import ChatRefs

    async with FakeOpenAI() as fake, teams_world(
            tmp_path, sim, openai_api_key=fake.api_key, openai_base_url=fake.base_url, llm_model="fake-model") as w:
        handoff_id = await w.close_deal(deal_id="D-LLM-3")
        goals = Conflict("customer_goals", (Suggestion("customer_goals", "Cut costs.", ("cut costs",)),
                                            Suggestion("customer_goals", "Grow in Asia.", ("grow in asia",))))
        risks = Conflict("risks", (Suggestion("risks", "Freeze in December.", ("freeze in december",)),
                                   Suggestion("risks", "Freeze until Jan 10.", ("freeze until jan 10",))))
        draft = Draft(suggestions=(), conflicts=(goals, risks), dropped=(), model="fake-model",
                      prompt_version="v1", parts=2, proposed=4)
        ChatRefs(w.baton.engine).set(handoff_id, DRAFT_REF, json.dumps(draft.to_dict()), at=w.baton.clock.now())

        _, review = await w.fetch("ana", {"verb": "review_draft", "handoff_id": handoff_id})
        picks = {b["id"]: [c["value"] for c in b["choices"]] for b in review["body"] if b.get("id", "").startswith("pick:")}
        assert picks == {"pick:customer_goals": ["0", "1", "both"], "pick:risks": ["0", "1", "both"]}
        assert "“cut costs”" in texts(review) and "“freeze until jan 10”" in texts(review)

        submit = w.acts.dialog_submit(w.people["ana"], review, "Save",
                                      {"pick:customer_goals": "both", "pick:risks": "1"})
        status, body = await w.post(submit)
        assert status == 200 and body["task"]["value"] == "Saved 2 value(s) from your notes to the packet."
        handoff = w.baton.service.get(handoff_id)
        assert handoff.packet["customer_goals"] == "Cut costs.\n\nGrow in Asia."
        assert handoff.packet["risks"] == "Freeze until Jan 10."
        [audit] = [a for a in handoff.audit if a.action == "suggestions_reviewed"]
        assert all(s["accepted"] for s in audit.detail["suggestions"])
