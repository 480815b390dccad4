"""The handoff card as a view-model: the buttons each state allows and the notes it carries."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.handoff import Handoff
from core.machine import Status
from core.playbook import Playbook
from core.presentation.card import CardAction, handoff_card
from core.presentation.due import plan_due
from core.sla import SlaPlanner

A = CardAction
ACTIONS = {
    Status.OPENED: (A.FILL_PACKET, A.SUBMIT, A.REQUEST_OVERRIDE),
    Status.DRAFTING: (A.FILL_PACKET, A.SUBMIT, A.REQUEST_OVERRIDE),
    Status.ESCALATED: (A.FILL_PACKET, A.SUBMIT, A.REQUEST_OVERRIDE),
    Status.OVERRIDE_REQUESTED: (A.VIEW_PACKET,),
    Status.SUBMITTED: (A.VIEW_PACKET, A.ACCEPT, A.ESCALATE),
    Status.ACCEPTED: (A.VIEW_PACKET, A.RECORD_FIRST_TOUCH, A.SET_KICKOFF),
    Status.CLOSED: (),
    Status.CANCELLED: (),
}


@pytest.mark.parametrize("status", list(ACTIONS))
def test_the_card_offers_only_what_the_state_machine_allows(
    status: Status, walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    complete = status in (Status.SUBMITTED, Status.ACCEPTED, Status.CLOSED)
    handoff = walk(status, complete=complete)
    assert handoff_card(handoff, playbook, None).actions == ACTIONS[status]


def test_a_complete_packet_has_no_override_button_and_nothing_still_needed(
    walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    card = handoff_card(walk(Status.DRAFTING), playbook, None)
    assert A.REQUEST_OVERRIDE not in card.actions and card.missing == () and card.filled == card.required == 3


def test_a_sent_back_card_says_who_and_why_names_what_is_missing_and_carries_the_planners_due_line(
    walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    handoff = walk(Status.ESCALATED, complete=False)
    due = plan_due(handoff, SlaPlanner(playbook))
    card = handoff_card(handoff, playbook, due)
    assert card.sent_back is not None and card.sent_back.by == "U0CSM"
    assert card.sent_back.reason == "Who signs off on go-live?"
    assert card.missing == ("Champion",) and card.filled == 2
    assert card.due == due and card.owner == handoff.ae


def test_an_accepted_card_belongs_to_the_csm_and_a_closed_one_says_why(
    walk: Callable[..., Handoff], playbook: Playbook,
) -> None:
    accepted = handoff_card(walk(Status.ACCEPTED), playbook, None)
    assert accepted.owner.email == "carl.csm@acme.test" and accepted.accepted_at is not None
    closed = handoff_card(walk(Status.CLOSED), playbook, None)
    assert closed.ended is not None and closed.ended.word == "Closed" and closed.ended.reason == "Onboarded"
    cancelled = handoff_card(walk(Status.CANCELLED), playbook, None)
    assert cancelled.ended is not None and cancelled.ended.reason == "Deal reopened in the CRM"


def test_a_segment_removed_from_the_playbook_still_shows_its_id(
    open_handoff: Callable[..., Handoff], playbook: Playbook,
) -> None:
    handoff = open_handoff()
    handoff.segment = "retired"
    assert handoff_card(handoff, playbook, None).segment_label == "retired"
