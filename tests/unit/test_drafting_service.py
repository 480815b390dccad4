"""Keeping drafted values: only what the AE ticked is saved, and every suggestion is audited."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from core import commands as c
from core import events as ev
from core.deal import Deal
from core.errors import NotPermitted, PacketInvalid
from core.handoff import ReviewedSuggestion
from core.playbook import Playbook
from core.services import HandoffService
from tests.fakes import FakeStore, FakeUnitOfWork, FrozenClock
from tests.unit.conftest import PLAYBOOK, Cast

MODEL, PROMPT = "gpt-4o-mini-2024-07-18", "draft_packet.v1@ec1dac59"


@pytest.fixture
def drafting_playbook() -> Playbook:
    data: dict[str, Any] = copy.deepcopy(PLAYBOOK)
    for spec in data["sections"][0]["fields"]:  # goals and pains
        spec["llm_fill"] = True
    return Playbook.model_validate(data)


@pytest.fixture
def service(drafting_playbook: Playbook, store: FakeStore, clock: FrozenClock) -> HandoffService:
    return HandoffService(playbook=drafting_playbook, uow=lambda: FakeUnitOfWork(store), clock=clock,
                          new_id=lambda: "ho_1")


@pytest.fixture
def handoff_id(service: HandoffService, cast: Cast, deal: Callable[..., Deal]) -> str:
    return service.open_handoff(c.OpenHandoff(deal=deal(), actor=cast.system)).handoff_id


def apply(handoff_id: str, actor: Any, values: dict[str, Any], *reviewed: ReviewedSuggestion) -> c.ApplySuggestions:
    return c.ApplySuggestions(handoff_id, actor, values, reviewed, MODEL, PROMPT)


GOALS = ReviewedSuggestion("goals", ("we want to cut onboarding time in half",), accepted=True)
PAINS = ReviewedSuggestion("pains", ("manual reconciliation every Friday",), accepted=False)


def test_the_kept_values_are_saved_and_every_suggestion_is_audited_with_model_and_prompt(
    service: HandoffService, handoff_id: str, cast: Cast, store: FakeStore,
) -> None:
    changed = service.apply_suggestions(apply(handoff_id, cast.ae, {"goals": "Cut onboarding time in half"},
                                              GOALS, PAINS))
    handoff = service.get(handoff_id)
    assert changed == ("goals",)
    assert handoff.packet == {"goals": "Cut onboarding time in half"}
    entry = handoff.audit[-1]
    assert entry.action == "suggestions_reviewed" and entry.actor_id == cast.ae.id
    assert entry.detail == {"model": MODEL, "prompt_version": PROMPT, "suggestions": [
        {"field_id": "goals", "quotes": ["we want to cut onboarding time in half"], "accepted": True,
         "edited": False, "conflict": False},
        {"field_id": "pains", "quotes": ["manual reconciliation every Friday"], "accepted": False,
         "edited": False, "conflict": False},
    ]}
    assert handoff.audit[-2].action == "edit_packet"
    reviewed = [e for e in store.outbox if isinstance(e, ev.SuggestionsReviewed)]
    assert [(e.accepted, e.rejected, e.model) for e in reviewed] == [(("goals",), ("pains",), MODEL)]


def test_rejecting_everything_saves_nothing_but_is_still_on_record(
    service: HandoffService, handoff_id: str, cast: Cast,
) -> None:
    service.apply_suggestions(apply(handoff_id, cast.ae, {}, PAINS))
    handoff = service.get(handoff_id)
    assert handoff.packet == {} and handoff.audit[-1].action == "suggestions_reviewed"


def test_a_value_edited_into_something_invalid_is_refused_and_nothing_is_saved(
    service: HandoffService, handoff_id: str, cast: Cast,
) -> None:
    with pytest.raises(PacketInvalid) as refused:
        service.apply_suggestions(apply(handoff_id, cast.ae, {"goals": "short"}, GOALS))
    assert "at least 10 characters" in refused.value.errors["goals"]
    handoff = service.get(handoff_id)
    assert handoff.packet == {} and handoff.audit[-1].action == "open"


def test_fields_the_playbook_keeps_from_the_model_cannot_be_slipped_in(
    service: HandoffService, handoff_id: str, cast: Cast,
) -> None:
    with pytest.raises(PacketInvalid) as refused:
        service.apply_suggestions(apply(handoff_id, cast.ae, {"contract_signed": True}, GOALS))
    assert set(refused.value.errors) == {"contract_signed"}


def test_only_whoever_may_edit_the_packet_may_keep_drafted_values(
    service: HandoffService, handoff_id: str, cast: Cast,
) -> None:
    with pytest.raises(NotPermitted):
        service.apply_suggestions(apply(handoff_id, cast.csm, {}, PAINS))
    assert service.get(handoff_id).audit[-1].action == "open"
