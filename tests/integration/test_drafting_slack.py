"""Drafting from call notes over Slack's HTTP path: signed clicks and submissions into the real
server, the real Bolt app and slack_sdk client out to the Slack simulator, and the real `openai`
client out to a local OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import tests.integration.slack_world as world_module
from bot.llm.fake_model import notes_of, packet_answer
from bot.llm.fake_server import Answer, Delay, FakeOpenAI
from bot.slack import ids
from bot.slack.views import drafting
from core.playbook import Playbook
from tests.integration.slack_world import SlackWorld, buttons, slack_world

NOTES_1 = """Kickoff prep call, Northwind Traders, 2 Nov.
Dana (VP Ops): our goal is one order system instead of three regional ones by Q2.
Dana: the pain today is manual reconciliation every Friday, it eats a full day."""
NOTES_2 = """Ana: we promised two admin trainings and a 12% discount on year one.
Marcus (IT): the risk is our change freeze from Dec 15 to Jan 10."""
SUGGESTED = {
    "customer_goals": ("One order system instead of three regional ones by Q2.",
                       "our goal is one order system instead of three regional ones by Q2"),
    "pain_points": ("Manual reconciliation every Friday.", "manual reconciliation every Friday"),
    "promises": ("Two admin trainings; 12% discount on year one.",
                 "we promised two admin trainings and a 12% discount on year one"),
    "risks": ("IT change freeze Dec 15 to Jan 10.", "the risk is our change freeze from Dec 15 to Jan 10"),
    "competitors": ("Chose us over Acme.", "we picked you over Acme"),  # not in the notes: dropped
}
DRAFTED = ("customer_goals", "pain_points", "why_they_bought", "competitors", "success_metrics",
           "implementation_timeline", "promises", "stakeholders", "integration_notes", "risks")


@asynccontextmanager
async def drafting_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *,
                         playbook: Playbook | None = None) -> AsyncIterator[tuple[SlackWorld, FakeOpenAI]]:
    """The usual Slack world, with OPENAI_API_KEY and OPENAI_BASE_URL pointing at a fake server."""
    async with FakeOpenAI() as fake:
        monkeypatch.setattr(world_module, "Settings", partial(
            world_module.Settings, openai_api_key=fake.api_key, openai_base_url=fake.base_url,
            llm_model="fake-model"))
        if playbook is not None:
            monkeypatch.setattr(world_module, "test_playbook", lambda: playbook)
        async with slack_world(tmp_path) as w:  # (its faster variants rebuild Slack without the drafter)
            yield w, fake


async def open_packet(w: SlackWorld) -> tuple[str, dict[str, Any]]:
    _, opened = await w.close_deal()
    await w.deliver()
    return opened["handoff_id"], await w.open_modal(w.ae, ids.FILL_PACKET)


async def draft_from(w: SlackWorld, notes: dict[str, str]) -> dict[str, Any]:
    """Click "Draft from call notes", paste, press Draft; the form closes at once."""
    form = await w.open_modal(w.ae, drafting.DRAFT_FROM_NOTES, in_view=True)
    assert form["callback_id"] == drafting.NOTES_FORM
    answer = await w.people.submit(w.ae, notes)
    assert answer.status == 200 and not answer.errors, answer.body
    return form


async def shown(w: SlackWorld, callback_id: str) -> dict[str, Any]:
    def there() -> bool:
        view = w.people.top_view(w.ae)
        return view is not None and view["callback_id"] == callback_id
    await w.settle(there)
    view = w.people.top_view(w.ae)
    assert view is not None
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


async def test_the_ae_keeps_some_suggestions_and_the_packet_holds_exactly_those(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with drafting_world(tmp_path, monkeypatch) as (w, fake):
        fake.responder = lambda body: packet_answer(body, SUGGESTED)
        handoff_id, packet_view = await open_packet(w)
        assert drafting.DRAFT_FROM_NOTES in buttons(packet_view)

        await draft_from(w, {"notes_1": NOTES_1, "notes_2": NOTES_2})
        review = await shown(w, drafting.DRAFT_REVIEW)
        assert review["id"] == packet_view["id"]  # the packet modal itself turned into the review
        assert notes_sent(fake) == f"{NOTES_1}\n\n{NOTES_2}"
        goals = block(review, "customer_goals")
        assert goals["label"]["text"] == "Customer goals and primary use case · suggested from notes"
        assert goals["element"]["initial_value"] == SUGGESTED["customer_goals"][0]
        assert SUGGESTED["customer_goals"][1] in json.dumps(block(review, "quote:customer_goals"))
        assert "competitors" not in {b.get("block_id") for b in review["blocks"]}
        assert "the quoted words are not in the notes" in json.dumps(review)
        assert w.baton.service.get(handoff_id).packet.keys().isdisjoint(DRAFTED)  # nothing saved yet

        answer = await w.people.submit(w.ae, {"keep:pain_points": False,
                                              "promises": "Two admin trainings; 12% off year one."})
        assert answer.status == 200 and not answer.errors, answer.body
        back = w.people.top_view(w.ae)
        assert back is not None and back["callback_id"] == ids.PACKET_STEP
        assert block(back, "customer_goals")["element"]["initial_value"] == SUGGESTED["customer_goals"][0]

        handoff = w.baton.service.get(handoff_id)
        assert {k: v for k, v in handoff.packet.items() if k in DRAFTED} == {
            "customer_goals": SUGGESTED["customer_goals"][0],
            "promises": "Two admin trainings; 12% off year one.",
            "risks": SUGGESTED["risks"][0],
        }
        [audit] = [a for a in handoff.audit if a.action == "suggestions_reviewed"]
        assert audit.detail["model"] == "fake-model" and audit.detail["prompt_version"].startswith("draft_packet.v1@")
        fates = {s["field_id"]: (s["accepted"], s["edited"], s["quotes"]) for s in audit.detail["suggestions"]}
        assert fates == {
            "customer_goals": (True, False, [SUGGESTED["customer_goals"][1]]),
            "pain_points": (False, False, [SUGGESTED["pain_points"][1]]),
            "promises": (True, True, [SUGGESTED["promises"][1]]),
            "risks": (True, False, [SUGGESTED["risks"][1]]),
        }


def notes_sent(fake: FakeOpenAI) -> str:
    return notes_of(fake.requests[-1])


async def test_a_refusal_is_explained_in_the_modal_and_the_packet_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with drafting_world(tmp_path, monkeypatch) as (w, fake):
        fake.script(Answer(refusal="I'm sorry, I can't help with that."))
        handoff_id, packet_view = await open_packet(w)
        before = dict(w.baton.service.get(handoff_id).packet)
        await draft_from(w, {"notes_1": NOTES_1})
        failed = await shown(w, drafting.DRAFT_FAILED)
        text = json.dumps(failed)
        assert "declined to draft" in text and "I'm sorry, I can't help with that." in text
        assert "Your packet is as you left it." in text
        assert w.baton.service.get(handoff_id).packet == before

        await w.people.click(w.ae, drafting.DRAFT_BACK, in_view=True)
        again = await shown(w, ids.PACKET_STEP)
        assert again["id"] == packet_view["id"]


async def test_notes_over_the_limit_are_refused_under_the_box_with_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = world_module.test_playbook()
    small = shipped.model_copy(update={"llm": shipped.llm.model_copy(update={"max_notes_chars": 1000})})
    async with drafting_world(tmp_path, monkeypatch, playbook=small) as (w, fake):
        await open_packet(w)
        form = await w.open_modal(w.ae, drafting.DRAFT_FROM_NOTES, in_view=True)
        answer = await w.people.submit(w.ae, {"notes_1": "We talked about the rollout. " * 50})
        assert answer.errors == {"notes_1": "Your notes are 1,449 characters; Baton reads at most 1,000. "
                                            "Paste the part of the call that matters most."}
        assert w.people.top_view(w.ae)["id"] == form["id"]  # type: ignore[index]
        assert fake.requests == []


async def test_when_the_modal_was_closed_the_suggestions_come_as_a_private_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with drafting_world(tmp_path, monkeypatch) as (w, fake):
        fake.script(Delay(0.5, packet_answer_for(SUGGESTED)))
        handoff_id, _ = await open_packet(w)
        await draft_from(w, {"notes_1": NOTES_1, "notes_2": NOTES_2})
        await w.people.close(w.ae)  # the AE moves on while Baton works
        await w.settle(lambda: bool(w.sim.ephemerals(w.ae)))
        message = w.sim.ephemerals(w.ae)[-1]
        body = json.dumps(message)
        assert SUGGESTED["customer_goals"][0] in body and SUGGESTED["customer_goals"][1] in body
        assert drafting.DRAFT_OPEN_REVIEW in body
        assert w.baton.service.get(handoff_id).packet.keys().isdisjoint(DRAFTED)


def packet_answer_for(values: dict[str, tuple[Any, str]]) -> Any:
    return lambda body: packet_answer(body, values)


async def test_without_a_key_there_is_no_button_and_help_says_how_to_turn_it_on(tmp_path: Path) -> None:
    async with slack_world(tmp_path, rate_limits=False) as w:
        _, packet_view = await open_packet(w)
        assert drafting.DRAFT_FROM_NOTES not in json.dumps(packet_view)
        answer = await w.people.command(w.ae, "help")
        assert "OPENAI_API_KEY" in json.dumps(answer.body)


async def test_a_message_sent_as_a_dm_opens_the_same_review_and_saves_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with drafting_world(tmp_path, monkeypatch) as (w, fake):
        fake.script(Delay(0.5, packet_answer_for(SUGGESTED)))
        handoff_id, _ = await open_packet(w)
        with w.sim._lock:  # the AE left the handoff channel: an ephemeral there cannot reach them
            w.sim.workspace.channels[w.channel_of(handoff_id)].members.remove(w.ae)
        await draft_from(w, {"notes_1": NOTES_1, "notes_2": NOTES_2})
        await w.people.close(w.ae)
        await w.settle(lambda: drafting.DRAFT_OPEN_REVIEW in json.dumps(w.dm(w.ae)))
        assert not w.sim.ephemerals(w.ae)

        review = await w.open_modal(w.ae, drafting.DRAFT_OPEN_REVIEW)
        assert review["callback_id"] == drafting.DRAFT_REVIEW
        answer = await w.people.submit(w.ae, {"keep:customer_goals": False})
        assert answer.status == 200 and not answer.errors, answer.body
        packet = w.baton.service.get(handoff_id).packet
        assert {k for k in packet if k in DRAFTED} == {"pain_points", "promises", "risks"}

        spent = await w.open_modal(w.ae, drafting.DRAFT_OPEN_REVIEW)  # the same button, once more
        assert spent["callback_id"] == drafting.DRAFT_FAILED and drafting.GONE in json.dumps(spent)
