"""The drafting screens: offered only when it can work, suggestions marked and quoted, every
suggestion rejectable, and what the AE ticks read back exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.config import load_playbook
from bot.slack.views import drafting, suggestions
from bot.slack.views.drafting import DraftRef
from bot.slack.views.packet import packet_modal
from core.drafting import Conflict, Draft, Dropped, Suggestion
from core.errors import (
    ModelRefused,
    ModelReplyInvalid,
    ModelTimedOut,
    ModelUnavailable,
    NotesTooLong,
)
from core.machine import Status
from core.playbook import Playbook
from tests.unit.test_slack_views import ROOT, Walk, assert_fits, buttons

REF = DraftRef(h="ho_1", step=2, pv="V1", ph="h1", d="d1")


@pytest.fixture(scope="module")
def shipped() -> Playbook:
    return load_playbook(ROOT / "app.yaml")


@pytest.fixture
def walk(shipped: Playbook) -> Walk:
    return Walk(shipped)


def make_draft(**overrides: Any) -> Draft:
    values: dict[str, Any] = {
        "suggestions": (
            Suggestion("customer_goals", "Consolidate three order systems", ("consolidate the three regional order systems",)),
            Suggestion("promises", "Two admin trainings", ("we'll include two admin trainings",)),
        ),
        "conflicts": (Conflict("implementation_timeline", (
            Suggestion("implementation_timeline", "Go-live in March", ("go-live in March",)),
            Suggestion("implementation_timeline", "Go-live in May", ("go-live slipped to May",)),
        )),),
        "dropped": (Dropped("competitors", "quote_not_found", "the quoted words are not in the notes"),),
        "model": "gpt-4o-mini-2024-07-18", "prompt_version": "draft_packet.v1@ec1dac59", "parts": 2,
        "proposed": 5,
    }
    return Draft(**(values | overrides))


def action_ids(view: dict[str, Any]) -> set[str]:
    return set(buttons(view["blocks"]))


def test_the_packet_offers_drafting_only_when_a_model_is_configured_and_the_ae_can_edit(
    walk: Walk, shipped: Playbook,
) -> None:
    h = walk.to(Status.DRAFTING, complete=False)
    assert drafting.DRAFT_FROM_NOTES in action_ids(packet_modal(h, shipped, step=0, llm_enabled=True))
    assert drafting.DRAFT_FROM_NOTES not in action_ids(packet_modal(h, shipped, step=0))
    read_only = packet_modal(h, shipped, step=0, read_only=True, llm_enabled=True)
    assert drafting.DRAFT_FROM_NOTES not in action_ids(read_only)
    nothing_to_draft = shipped.model_copy(update={"sections": [
        s.model_copy(update={"fields": [f.model_copy(update={"llm_fill": False}) for f in s.fields]})
        for s in shipped.sections]})
    assert drafting.DRAFT_FROM_NOTES not in action_ids(packet_modal(h, nothing_to_draft, step=0, llm_enabled=True))


def test_the_notes_form_has_as_many_boxes_as_the_limit_needs(shipped: Playbook) -> None:
    view = drafting.notes_modal(shipped, REF)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [f"notes_{n}" for n in range(1, 6)]
    assert all(b["element"]["max_length"] == 3000 and b["element"]["multiline"] for b in inputs)
    assert "Customer goals and primary use case" in json.dumps(view) and "Baton reads up to 15,000 in all" in json.dumps(view)
    assert DraftRef.loads(view["private_metadata"]) == REF
    assert_fits(view, "modal")
    small = shipped.model_copy(update={"llm": shipped.llm.model_copy(update={"max_notes_chars": 2000,
                                                                            "redact_emails": True})})
    view = drafting.notes_modal(small, REF)
    assert sum(b["type"] == "input" for b in view["blocks"]) == 1
    assert "Email addresses are hidden from the model" in json.dumps(view)


def test_pasted_parts_are_joined_in_order() -> None:
    state = {f"notes_{n}": {"value": {"type": "plain_text_input", "value": text}}
             for n, text in ((1, " first part "), (2, None), (3, "third part"))}
    assert drafting.read_notes(state) == "first part\n\nthird part"


def test_the_review_marks_each_suggestion_and_shows_its_quote(walk: Walk, shipped: Playbook) -> None:
    h = walk.edit(walk.open(), {"promises": "Already typed by the AE"})
    view = suggestions.review_view(h, shipped, make_draft(), REF)
    assert_fits(view, "modal")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    goals = blocks["customer_goals"]
    assert goals["label"]["text"].endswith("· suggested from notes")
    assert goals["element"]["initial_value"] == "Consolidate three order systems"
    assert "consolidate the three regional order systems" in json.dumps(blocks["quote:customer_goals"])
    # Ticked for an empty field; left for the AE to decide where it would replace their words.
    assert blocks["keep:customer_goals"]["element"].get("initial_options")
    assert not blocks["keep:promises"]["element"].get("initial_options")
    assert "replaces what the packet holds now" in blocks["keep:promises"]["label"]["text"]
    pick = blocks["pick:implementation_timeline"]["element"]
    assert [o["value"] for o in pick["options"]] == ["0", "1", "both"] and "initial_option" not in pick
    text = json.dumps(view)
    assert "go-live slipped to May" in text and "Competitors considered" in text
    assert "Nothing in the notes for:" in text and "Pain points" in text
    assert drafting.DRAFT_BACK in action_ids(view) and view["submit"]["text"] == "Save"


def test_a_review_with_nothing_to_offer_says_so_and_cannot_be_saved(walk: Walk, shipped: Playbook) -> None:
    view = suggestions.review_view(walk.open(), shipped, make_draft(suggestions=(), conflicts=()), REF)
    assert "found nothing" in json.dumps(view) and "submit" not in view
    assert_fits(view, "modal")


def state_of(view: dict[str, Any], **typed: Any) -> dict[str, Any]:
    """The state Slack sends: initial values, then what the AE did (block id -> value)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        if kind == "plain_text_input":
            entry = {"type": kind, "value": typed.get(block_id, element.get("initial_value"))}
        elif kind == "checkboxes":
            ticked = typed.get(block_id, bool(element.get("initial_options")))
            entry = {"type": kind, "selected_options": element["options"] if ticked else []}
        else:
            chosen = typed.get(block_id)
            entry = {"type": kind, "selected_option": {"value": chosen} if chosen else None}
        state[block_id] = {"value": entry}
    return state


def test_what_the_ae_keeps_edits_and_picks_is_read_back_exactly(walk: Walk, shipped: Playbook) -> None:
    draft = make_draft()
    view = suggestions.review_view(walk.open(), shipped, draft, REF)
    state = state_of(view, customer_goals="Consolidate three order systems by Q2",
                     **{"keep:promises": False, "pick:implementation_timeline": "1"})
    review = suggestions.read_review(state, shipped, draft)
    assert review.values == {"customer_goals": "Consolidate three order systems by Q2",
                             "implementation_timeline": "Go-live in May"}
    assert [(r.field_id, r.accepted, r.edited, r.conflict) for r in review.reviewed] == [
        ("customer_goals", True, True, False), ("promises", False, False, False),
        ("implementation_timeline", True, False, True)]
    assert review.reviewed[2].quotes == ("go-live slipped to May",)
    assert review.blocks == {"customer_goals": "customer_goals", "implementation_timeline": "pick:implementation_timeline"}


def test_both_candidates_of_a_long_text_can_be_kept_and_a_cleared_value_is_not_kept(
    walk: Walk, shipped: Playbook,
) -> None:
    draft = make_draft()
    view = suggestions.review_view(walk.open(), shipped, draft, REF)
    state = state_of(view, customer_goals="", **{"pick:implementation_timeline": "both"})
    review = suggestions.read_review(state, shipped, draft)
    assert review.values == {"promises": "Two admin trainings",
                             "implementation_timeline": "Go-live in March\n\nGo-live in May"}
    assert not review.reviewed[0].accepted


@pytest.mark.parametrize(("error", "words"), [
    (NotesTooLong(72_410, 60_000), "72,410 characters; Baton reads at most 60,000"),
    (ModelTimedOut(60), "did not answer within 60 seconds"),
    (ModelRefused("I can't help with that."), "declined to draft from these notes (it said: “I can't help with that.”)"),
    (ModelReplyInvalid("Expecting value at character 0"), "not valid JSON"),
    (ModelUnavailable("the API key was refused; check OPENAI_API_KEY"), "check OPENAI_API_KEY"),
    (RuntimeError("boom"), "Something went wrong"),
])
def test_every_failure_says_what_happened_and_that_the_packet_is_untouched(error: Exception, words: str) -> None:
    text = drafting.failure_text(error)
    assert words in text and "Your packet is as you left it." in text
    view = drafting.failure_view(REF, text)
    assert drafting.DRAFT_BACK in action_ids(view)
    assert_fits(view, "modal")


def test_the_message_for_a_closed_modal_lists_the_suggestions_with_quotes(walk: Walk, shipped: Playbook) -> None:
    text, blocks = drafting.ready_message(walk.open(), shipped, make_draft(), DraftRef(h="ho_1", d="d1"))
    assert text.startswith("Baton drafted 3 values for Globex from your notes.")
    body = json.dumps(blocks)
    assert "Consolidate three order systems" in body and "we'll include two admin trainings" in body
    assert "disagree about Implementation timeline" in body
    assert drafting.DRAFT_OPEN_REVIEW in buttons(blocks)
    assert_fits(blocks, "message")
