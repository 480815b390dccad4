"""Drafting from notes, pure: the schema asked for, the checks on every answer, chunks merged."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.llm.fake_server import strict_problem
from core.draft_schema import read_reply, response_schema
from core.drafting import (
    INVALID,
    QUOTE_NOT_FOUND,
    UNSUPPORTED,
    ChunkRequest,
    Draft,
    draft_from_notes,
    llm_fields,
)
from core.errors import MissingInput, ModelRefused, ModelReplyInvalid, NotesTooLong
from core.playbook import Playbook
from tests.drafting_fakes import ScriptedDrafter, always

CLOSE = date(2026, 11, 2)
PLAYBOOK: dict[str, Any] = {
    "default_segment": "smb",
    "segments": [{"id": "smb", "label": "SMB"}],
    "sections": [
        {"id": "story", "title": "Story", "fields": [
            {"id": "goals", "label": "Customer goals", "type": "long_text", "max_length": 120, "llm_fill": True},
            {"id": "champion", "label": "Champion", "type": "text"},
        ]},
        {"id": "plan", "title": "Plan", "fields": [
            {"id": "tier", "label": "Tier", "type": "select", "options": ["Starter", "Growth", "Scale"],
             "llm_fill": True},
            {"id": "integrations", "label": "Integrations", "type": "multi_select",
             "options": ["Salesforce", "HubSpot", "Zendesk"], "llm_fill": True},
            {"id": "seats", "label": "Seats", "type": "number", "min_value": 1, "llm_fill": True},
            {"id": "go_live", "label": "Go-live", "type": "date", "not_before": "close_date", "llm_fill": True},
        ]},
    ],
    "llm": {"chunk_chars": 1000, "max_notes_chars": 5000},
}
NOTES = """Kickoff call, Globex, 2 Nov.
Dana: we want to cut onboarding time in half for new franchisees.
Dana: we'll start on Growth, 40 seats, and we live in Salesforce and Zendesk.
Ana: go-live is targeted for 2027-01-15.
"""


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return Playbook.model_validate(PLAYBOOK)


async def draft(playbook: Playbook, drafter: ScriptedDrafter, notes: str = NOTES, **current: Any) -> Draft:
    return await draft_from_notes(notes, playbook=playbook, drafter=drafter, close_date=CLOSE, current=current)


# -- the schema ------------------------------------------------------------------------------

def test_the_schema_asks_only_for_llm_fields_in_strict_form(playbook: Playbook) -> None:
    schema = response_schema(llm_fields(playbook))
    assert list(schema["properties"]) == ["goals", "tier", "integrations", "seats", "go_live"]
    assert strict_problem(schema, ()) is None  # what OpenAI's strict mode demands of every object
    assert schema["properties"]["tier"]["properties"]["value"]["enum"] == ["Starter", "Growth", "Scale", None]
    items = schema["properties"]["integrations"]["properties"]["value"]["items"]
    assert items["enum"] == ["Salesforce", "HubSpot", "Zendesk"]
    assert schema["properties"]["seats"]["properties"]["value"]["type"] == ["number", "null"]
    assert "YYYY-MM-DD" in schema["properties"]["go_live"]["description"]
    assert "at most 120 characters" in schema["properties"]["goals"]["description"]


def test_the_shipped_playbook_schema_is_strict_too() -> None:
    from bot.config import load_playbook
    from tests.integration.slack_world import REPO

    shipped = load_playbook(REPO / "app.yaml")
    fields = llm_fields(shipped)
    assert fields and all(f.llm_fill for f in fields)
    assert strict_problem(response_schema(fields), ()) is None


# -- reading an answer -----------------------------------------------------------------------

def test_an_answer_may_come_fenced_and_may_mention_other_keys(playbook: Playbook) -> None:
    fields = llm_fields(playbook)
    content = '```json\n{"goals": {"value": "x", "quote": "y"}, "champion": {"value": "Dana", "quote": "Dana"}}\n```'
    assert read_reply(content, fields) == {"goals": ("x", "y")}


@pytest.mark.parametrize("content", ["not json", '{"goals": ', "[1, 2]", ""])
def test_an_answer_that_is_not_a_json_object_is_refused(playbook: Playbook, content: str) -> None:
    with pytest.raises(ModelReplyInvalid):
        read_reply(content, llm_fields(playbook))


# -- checking every value --------------------------------------------------------------------

async def test_values_backed_by_the_notes_are_suggested_with_their_quotes(playbook: Playbook) -> None:
    drafter = always({
        "goals": ("Cut onboarding time in half for new franchisees",
                  "we want to cut onboarding time in half for new franchisees"),
        "tier": ("Growth", "we'll start on Growth"),
        "integrations": (["Salesforce", "Zendesk"], "we live in Salesforce and Zendesk"),
        "seats": (40, "40 seats"),
        "go_live": ("2027-01-15", "go-live is targeted for 2027-01-15"),
    })
    result = await draft(playbook, drafter)
    values = {s.field_id: s.value for s in result.suggestions}
    assert values == {"goals": "Cut onboarding time in half for new franchisees", "tier": "Growth",
                      "integrations": ["Salesforce", "Zendesk"], "seats": 40, "go_live": "2027-01-15"}
    assert result.suggestions[1].quotes == ("we'll start on Growth",)
    assert not result.dropped and not result.conflicts
    assert (result.proposed, result.parts, result.model) == (5, 1, "scripted-model")


async def test_a_value_whose_quote_is_not_in_the_notes_is_dropped(playbook: Playbook) -> None:
    drafter = always({
        "goals": ("Replace their legacy CRM", "we need to replace our legacy CRM"),  # invented
        "tier": ("Growth", None),  # no quote at all
        "seats": (40, "40 seats"),
    })
    result = await draft(playbook, drafter)
    assert [s.field_id for s in result.suggestions] == ["seats"]
    assert {(d.field_id, d.reason) for d in result.dropped} == {("goals", QUOTE_NOT_FOUND), ("tier", QUOTE_NOT_FOUND)}
    assert result.quote_misses == 2 and result.proposed == 3


@pytest.mark.parametrize(("field", "value", "quote", "why"), [
    ("tier", "Enterprise", "we'll start on Growth", "must be one of"),
    ("integrations", ["Salesforce", "Jira"], "we live in Salesforce and Zendesk", "'Jira' is not an option"),
    ("seats", 0, "40 seats", "at least 1"),
    ("go_live", "2026-10-01", "go-live is targeted for 2027-01-15", "on or after the close date"),
    ("go_live", "mid January", "go-live is targeted for 2027-01-15", "must be a date"),
    ("goals", "x" * 121, "we want to cut onboarding time", "at most 120 characters"),
])
async def test_a_value_that_fails_the_fields_rules_is_dropped(
    playbook: Playbook, field: str, value: Any, quote: str, why: str,
) -> None:
    result = await draft(playbook, always({field: (value, quote)}))
    assert not result.suggestions
    [dropped] = result.dropped
    assert (dropped.field_id, dropped.reason) == (field, INVALID) and why in dropped.detail


async def test_a_real_quote_that_says_nothing_of_an_invented_value_does_not_back_it(playbook: Playbook) -> None:
    drafter = always({"goals": ("Free onboarding for a year", "we want to"), "tier": ("Enterprise", "Growth")})
    result = await draft(playbook, drafter)
    assert not result.suggestions
    assert {(d.field_id, d.reason) for d in result.dropped} == {("goals", UNSUPPORTED), ("tier", INVALID)}


async def test_nulls_and_fields_the_playbook_keeps_from_the_model_are_ignored(playbook: Playbook) -> None:
    drafter = always({"goals": (None, None), "tier": ("", "Growth"), "champion": ("Dana", "Dana")})
    result = await draft(playbook, drafter)
    assert not result.suggestions and not result.dropped and result.proposed == 0


async def test_notes_past_the_limit_and_empty_notes_never_reach_the_model(playbook: Playbook) -> None:
    drafter = always({})
    with pytest.raises(NotesTooLong) as too_long:
        await draft(playbook, drafter, notes="x" * 5001)
    assert (too_long.value.length, too_long.value.limit) == (5001, 5000)
    with pytest.raises(MissingInput):
        await draft(playbook, drafter, notes="   \n")
    assert drafter.requests == []


async def test_the_models_own_errors_reach_the_caller(playbook: Playbook) -> None:
    with pytest.raises(ModelRefused):
        await draft(playbook, ScriptedDrafter(lambda r: ModelRefused("I can't help with that.")))
    with pytest.raises(ModelReplyInvalid):
        await draft(playbook, ScriptedDrafter(lambda r: "{oops"))


# -- long notes ------------------------------------------------------------------------------

def long_notes(middle: str) -> str:
    filler = "".join(f"Small talk line {n} about the weather and the weekend.\n" for n in range(40))
    return f"Dana: we'll start on Growth, 40 seats.\n{filler}{middle}\n{filler}Dana: budget allows 60 seats.\n"


async def test_long_notes_are_read_in_parts_and_disagreements_are_shown_not_resolved(playbook: Playbook) -> None:
    notes = long_notes("Ana: they mentioned HubSpot for marketing.")
    drafter = ScriptedDrafter(_answers_for)
    result = await draft(playbook, drafter, notes=notes)
    assert result.parts == len(drafter.requests) >= 3
    assert all(len(r.notes) <= 1000 and r.parts == result.parts for r in drafter.requests)
    assert {s.field_id: s.value for s in result.suggestions} == {
        "tier": "Growth",  # the same value from two parts: one suggestion, both quotes
        "integrations": ["Salesforce", "HubSpot"],  # lists from different parts add up
    }
    [conflict] = result.conflicts
    assert conflict.field_id == "seats" and [o.value for o in conflict.options] == [40, 60]
    assert [o.quotes for o in conflict.options] == [("40 seats",), ("budget allows 60 seats",)]


def _answers_for(request: ChunkRequest) -> dict[str, tuple[Any, str]]:
    answers: dict[str, tuple[Any, str]] = {}
    if "40 seats" in request.notes:
        answers |= {"seats": (40, "40 seats"), "tier": ("Growth", "we'll start on Growth"),
                    "integrations": (["Salesforce"], "Dana: we'll start on Growth")}
    if "HubSpot" in request.notes:
        answers |= {"integrations": (["HubSpot"], "they mentioned HubSpot"), "tier": ("growth", "start on Growth")}
    if "60 seats" in request.notes:
        answers["seats"] = (60, "budget allows 60 seats")
    return answers


async def test_redacted_details_never_reach_the_model_but_come_back_to_the_ae() -> None:
    policy = PLAYBOOK | {"llm": {"redact_emails": True, "redact_phones": True}}
    sections = [{"id": "people", "title": "People", "fields": [
        {"id": "contact", "label": "Contact email", "type": "email", "llm_fill": True}]}]
    playbook = Playbook.model_validate(policy | {"sections": sections})
    notes = "Priya runs the rollout: priya@northwind.example, +44 20 7946 0958."
    drafter = ScriptedDrafter(lambda r: {"contact": ("[EMAIL_1]", "Priya runs the rollout: [EMAIL_1]")})
    result = await draft_from_notes(notes, playbook=playbook, drafter=drafter, close_date=CLOSE)
    sent = drafter.requests[0].notes
    assert "priya@" not in sent and "7946" not in sent and "[PHONE_1]" in sent
    [suggestion] = result.suggestions
    assert suggestion.value == "priya@northwind.example"
    assert suggestion.quotes == ("Priya runs the rollout: priya@northwind.example",)
    assert result.redacted == 2


async def test_a_draft_survives_a_round_trip_through_json(playbook: Playbook) -> None:
    result = await draft(playbook, ScriptedDrafter(_answers_for), notes=long_notes("HubSpot"))
    assert Draft.from_dict(result.to_dict()) == result
