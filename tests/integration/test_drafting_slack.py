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
from slack_sdk.web.async_client import AsyncWebClient

import tests.integration.slack_world as world_module
from bot.llm.fake_model import notes_of, packet_answer
from bot.llm.fake_server import Answer, Delay, FakeOpenAI
from bot.slack import ids, shared_files
from bot.slack.shared_files import FileUnusable, Place
from bot.slack.simulator import SlackSimulator
from bot.slack.simulator.file_server import DOWNLOAD
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


# --- call notes from a file shared in the handoff channel ------------------------------------

TRANSCRIPT = """WEBVTT

00:00:01.000 --> 00:00:06.000
<v Dana>Our goal is one order system instead of three regional ones by Q2.

00:00:06.500 --> 00:00:11.000
<v Dana>The pain today is manual reconciliation every Friday, it eats a full day.

00:00:12.000 --> 00:00:18.000
<v Ana>We promised two admin trainings and a 12% discount on year one.
"""
FROM_TRANSCRIPT = {k: SUGGESTED[k] for k in ("customer_goals", "pain_points", "promises")}


async def pick_file(w: SlackWorld, handoff_id: str) -> dict[str, Any]:
    """Click "Draft from call notes" and return the file picker of the notes form."""
    form = await w.open_modal(w.ae, drafting.DRAFT_FROM_NOTES, in_view=True)
    assert form["callback_id"] == drafting.NOTES_FORM
    return block(form, drafting.FILE_BLOCK)


async def test_a_transcript_shared_in_the_channel_is_picked_and_the_packet_holds_its_suggestions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with drafting_world(tmp_path, monkeypatch) as (w, fake):
        fake.responder = lambda body: packet_answer(body, FROM_TRANSCRIPT)
        handoff_id, packet_view = await open_packet(w)
        channel = w.channel_of(handoff_id)
        w.sim.share_file(channel, w.ae, "pricing-call.txt", "Older notes.")
        transcript = w.sim.share_file(channel, w.ae, "kickoff-call.vtt", TRANSCRIPT, mimetype="text/vtt")
        w.sim.share_file(channel, w.ae, "whiteboard.png", b"\x89PNG\r\n", "png")
        w.sim.share_file(channel, w.ae, "seats.csv", "seat,count\nadmin,2\n", "csv")
        w.sim.share_file(w.sim.add_channel("elsewhere", members=[w.ae], with_bot=True), w.ae, "other.txt", "x")

        picker = await pick_file(w, handoff_id)
        name = w.sim.workspace.channels[channel].name
        assert picker["label"]["text"] == f"Or use a file shared in #{name}" and picker["optional"]
        options = picker["element"]["options"]
        assert [o["value"] for o in options] == [transcript, options[1]["value"]]  # newest first, text only
        assert options[0]["text"]["text"].startswith("kickoff-call.vtt · 328 B · ")
        assert options[1]["text"]["text"].startswith("pricing-call.txt · 12 B · ")

        answer = await w.people.submit(w.ae, {drafting.FILE_BLOCK: transcript})  # nothing pasted
        assert answer.status == 200 and not answer.errors, answer.body
        review = await shown(w, drafting.DRAFT_REVIEW)
        assert review["id"] == packet_view["id"]
        assert notes_sent(fake) == TRANSCRIPT.strip()
        assert block(review, "promises")["element"]["initial_value"] == FROM_TRANSCRIPT["promises"][0]
        assert FROM_TRANSCRIPT["promises"][1] in json.dumps(block(review, "quote:promises"))
        assert w.baton.service.get(handoff_id).packet.keys().isdisjoint(DRAFTED)

        answer = await w.people.submit(w.ae, {})  # keep every suggestion
        assert answer.status == 200 and not answer.errors, answer.body
        handoff = w.baton.service.get(handoff_id)
        assert {k: v for k, v in handoff.packet.items() if k in DRAFTED} == {
            k: value for k, (value, _) in FROM_TRANSCRIPT.items()}
        [audit] = [a for a in handoff.audit if a.action == "suggestions_reviewed"]
        assert {s["field_id"]: s["quotes"] for s in audit.detail["suggestions"]} == {
            k: [quote] for k, (_, quote) in FROM_TRANSCRIPT.items()}
        downloads = [c for c in w.sim.calls if c.method in ("files.list", "files.info")]
        assert [c.method for c in downloads] == ["files.list", "files.info"]


async def test_pasted_notes_and_a_file_are_read_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with drafting_world(tmp_path, monkeypatch) as (w, fake):
        fake.responder = lambda body: packet_answer(body, SUGGESTED)
        handoff_id, _ = await open_packet(w)
        transcript = w.sim.share_file(w.channel_of(handoff_id), w.ae, "kickoff.vtt", TRANSCRIPT,
                                      mimetype="text/vtt")
        await pick_file(w, handoff_id)
        answer = await w.people.submit(w.ae, {"notes_1": NOTES_2, drafting.FILE_BLOCK: transcript})
        assert answer.status == 200 and not answer.errors, answer.body
        review = await shown(w, drafting.DRAFT_REVIEW)
        assert notes_sent(fake) == f"{NOTES_2}\n\n{TRANSCRIPT.strip()}"
        assert block(review, "risks")["element"]["initial_value"] == SUGGESTED["risks"][0]  # from the paste
        assert block(review, "promises")["element"]["initial_value"] == SUGGESTED["promises"][0]


async def test_a_file_over_the_limit_is_refused_with_the_limit_and_the_packet_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = world_module.test_playbook()
    small = shipped.model_copy(update={"llm": shipped.llm.model_copy(update={"max_notes_chars": 1000})})
    async with drafting_world(tmp_path, monkeypatch, playbook=small) as (w, fake):
        handoff_id, packet_view = await open_packet(w)
        before = dict(w.baton.service.get(handoff_id).packet)
        channel = w.channel_of(handoff_id)
        long_call = w.sim.share_file(channel, w.ae, "long-call.txt", "We talked about the rollout. " * 50)

        picker = await pick_file(w, handoff_id)
        assert "up to 1,000 characters" in picker["hint"]["text"]
        answer = await w.people.submit(w.ae, {drafting.FILE_BLOCK: long_call})
        assert answer.status == 200 and not answer.errors, answer.body  # the size is known only once read
        failed = await shown(w, drafting.DRAFT_FAILED)
        text = json.dumps(failed, ensure_ascii=False)
        assert "“long-call.txt” is 1,449 characters; Baton reads at most 1,000." in text
        assert "Your packet is as you left it." in text
        assert fake.requests == [] and w.baton.service.get(handoff_id).packet == before
        await w.people.click(w.ae, drafting.DRAFT_BACK, in_view=True)
        assert (await shown(w, ids.PACKET_STEP))["id"] == packet_view["id"]

        # A file surely too long (more bytes than 4 per allowed character) is refused at once.
        huge = w.sim.share_file(channel, w.ae, "all-calls.txt", "x" * 5000)
        form = await w.open_modal(w.ae, drafting.DRAFT_FROM_NOTES, in_view=True)
        answer = await w.people.submit(w.ae, {drafting.FILE_BLOCK: huge})
        assert answer.errors == {drafting.FILE_BLOCK: "“all-calls.txt” is 4.9 KB, far more than the 1,000 "
                                 "characters Baton reads. Share a shorter file (the part of the call that "
                                 "matters most), or paste that part."}
        assert w.people.top_view(w.ae)["id"] == form["id"]  # type: ignore[index]
        assert fake.requests == [] and w.baton.service.get(handoff_id).packet == before


async def test_a_file_deleted_before_the_ae_presses_draft_is_named_under_the_picker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with drafting_world(tmp_path, monkeypatch) as (w, fake):
        handoff_id, _ = await open_packet(w)
        notes = w.sim.share_file(w.channel_of(handoff_id), w.ae, "notes.md", NOTES_1, "markdown")
        await pick_file(w, handoff_id)
        answer = await w.people.submit(w.ae, {})
        assert answer.errors == {"notes_1": "Paste the notes or the transcript, or choose a file."}
        w.sim.delete_file(notes)
        answer = await w.people.submit(w.ae, {drafting.FILE_BLOCK: notes})
        assert answer.errors == {drafting.FILE_BLOCK: "That file is no longer in the handoff's channel (deleted "
                                 "or unshared). Choose another file, or paste the notes."}
        assert fake.requests == []


async def test_baton_reads_a_shared_file_with_its_token_and_names_each_way_it_can_fail() -> None:
    """`read_text` against the simulator's file host: the real HTTP download, not a fake."""
    async with SlackSimulator(rate_limits=False) as sim:
        client = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url)
        ana = sim.add_user("ana", "ana.ortiz@example.com")
        channel = sim.add_channel("handoff-acme", members=[ana], with_bot=True)
        place = Place(channel)

        async def read(file_id: str, *, limit: int = 1000, token: str | None = None) -> str:
            shared = await shared_files.file_info(client, file_id, place, limit=limit)
            reader = AsyncWebClient(token=token or sim.bot_token, base_url=sim.api_url)
            return await shared_files.read_text(reader, shared, limit=limit)

        async def failure(file_id: str, **kwargs: Any) -> FileUnusable:
            with pytest.raises(FileUnusable) as caught:
                await read(file_id, **kwargs)
            return caught.value

        latin = sim.share_file(channel, ana, "export.txt", "  Café: two trainings.\n".encode("latin-1"))
        assert await read(latin) == "Caf\ufffd: two trainings."
        assert (await failure(latin, token="xoxb-1-2-stranger")).reason == FileUnusable.NOT_ALLOWED  # sign-in page
        blank = sim.share_file(channel, ana, "blank.txt", " \n\n ")
        assert (await failure(blank)).reason == FileUnusable.EMPTY
        binary = sim.share_file(channel, ana, "notes.txt", b"\x00\x01\x02binary")
        assert (await failure(binary)).reason == FileUnusable.NOT_TEXT
        long = sim.share_file(channel, ana, "long.txt", "word " * 300)
        assert (await failure(long)).length == 1499
        picture = sim.share_file(channel, ana, "board.png", b"\x89PNG", "png")
        assert (await failure(picture)).kind == "PNG"
        sim.fail_next(DOWNLOAD, 503)
        assert (await failure(latin)).reason == FileUnusable.UNREACHABLE
        shared = await shared_files.file_info(client, latin, place, limit=1000)
        sim.delete_file(latin)
        with pytest.raises(FileUnusable) as gone:
            await shared_files.read_text(client, shared, limit=1000)
        assert gone.value.reason == FileUnusable.GONE
        assert (await failure(latin)).reason == FileUnusable.GONE
        elsewhere = sim.share_file(sim.add_channel("other", with_bot=True), ana, "x.txt", "x")
        assert (await failure(elsewhere)).reason == FileUnusable.GONE  # not this handoff's channel
