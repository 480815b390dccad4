"""The brief as a view-model: every playbook section and field, required ones flagged when empty,
Accept / Escalate only while the packet waits on the CSM."""

from __future__ import annotations

from collections.abc import Callable

from core.handoff import Handoff
from core.machine import Status
from core.playbook import Playbook
from core.presentation.brief import brief
from core.presentation.card import CardAction


def test_the_brief_lists_every_section_and_flags_the_required_fields_left_empty(
    walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    model = brief(walk(Status.ESCALATED, complete=False), playbook)
    assert [s.title for s in model.sections] == [s.title for s in playbook.sections]
    fields = {f.spec.id: f for s in model.sections for f in s.fields}
    assert fields["champion"].required and fields["champion"].empty
    assert fields["goals"].value == "Cut onboarding time in half" and not fields["goals"].empty
    assert not fields["pains"].required and model.missing == 1 and model.actions == ()


def test_a_waiting_brief_offers_accept_and_escalate_and_names_the_approved_exception(
    walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    model = brief(walk(Status.SUBMITTED, complete=False), playbook)
    assert model.actions == (CardAction.ACCEPT, CardAction.ESCALATE)
    assert model.exception is not None and model.exception.decided_by == "U0SM"
    assert model.exception.note == "Fine, chase it next week"
    assert brief(walk(Status.SUBMITTED), playbook).exception is None
