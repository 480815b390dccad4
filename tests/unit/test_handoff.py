"""The Handoff aggregate's guards: who may do what, when, and what each change leaves behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from core import events as ev
from core.errors import (
    MissingInput,
    NotPermitted,
    PacketIncomplete,
    TransitionNotAllowed,
)
from core.handoff import Handoff, facts_of
from core.machine import Status, Trigger
from core.people import Actor, Person, Role, actor_for, roles_of
from core.playbook import Roles
from tests.fakes import FrozenClock
from tests.unit.conftest import FULL_PACKET, Cast

Walk = Callable[..., Handoff]
EVERYONE = ("ae", "csm", "other_csm", "sales_manager", "cs_manager", "revops", "system", "stranger")


def others_than(*allowed: str) -> list[str]:
    return [name for name in EVERYONE if name not in allowed]


def refused(handoff: Handoff, trigger: Trigger, actor: Actor, clock: FrozenClock, **kw: str) -> NotPermitted:
    """Fire and expect NotPermitted, with nothing about the handoff changed."""
    status, audit, events = handoff.status, len(handoff.audit), len(handoff.events)
    with pytest.raises(NotPermitted) as exc:
        handoff.fire(trigger, actor=actor, at=clock.now(), **kw)
    assert (handoff.status, len(handoff.audit), len(handoff.events)) == (status, audit, events)
    return exc.value


# -- who may fire what --------------------------------------------------------------------------

@pytest.mark.parametrize("who", others_than("ae"))
def test_only_the_ae_can_submit(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    err = refused(walk(Status.DRAFTING), Trigger.SUBMIT, cast[who], clock)
    assert err.reason == "only the account executive can do that"


def test_the_ae_is_recognised_by_email_from_another_chat_account(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.DRAFTING)
    on_teams = Actor("29:teams-ana", "Ana.AE@ACME.test")
    assert handoff.fire(Trigger.SUBMIT, actor=on_teams, at=clock.now()) is Status.SUBMITTED


@pytest.mark.parametrize("who", others_than("ae"))
def test_only_the_ae_can_request_an_override(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    refused(walk(Status.DRAFTING, complete=False), Trigger.REQUEST_OVERRIDE, cast[who], clock, reason="Late PO")


@pytest.mark.parametrize("who", others_than("csm"))
def test_only_the_assigned_csm_can_accept(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    err = refused(walk(Status.SUBMITTED), Trigger.ACCEPT, cast[who], clock)
    assert err.reason == "only the assigned CSM can do that"


@pytest.mark.parametrize("who", others_than("csm"))
def test_only_the_assigned_csm_can_escalate(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    refused(walk(Status.SUBMITTED), Trigger.ESCALATE, cast[who], clock, reason="No champion named")


def test_the_csm_is_recognised_by_chat_id_even_without_an_email(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    assert handoff.fire(Trigger.ACCEPT, actor=Actor("U0CSM"), at=clock.now()) is Status.ACCEPTED


@pytest.mark.parametrize("trigger", [Trigger.APPROVE_OVERRIDE, Trigger.DENY_OVERRIDE])
@pytest.mark.parametrize("who", others_than("sales_manager", "cs_manager"))
def test_only_a_manager_can_decide_an_override(
    who: str, trigger: Trigger, cast: Cast, clock: FrozenClock, walk: Walk,
) -> None:
    refused(walk(Status.OVERRIDE_REQUESTED), trigger, cast[who], clock)


@pytest.mark.parametrize("who", ["sales_manager", "cs_manager"])
def test_a_sales_or_cs_manager_can_approve_an_override(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.OVERRIDE_REQUESTED)
    assert handoff.fire(Trigger.APPROVE_OVERRIDE, actor=cast[who], at=clock.now()) is Status.SUBMITTED


@pytest.mark.parametrize("trigger", [Trigger.APPROVE_OVERRIDE, Trigger.DENY_OVERRIDE])
def test_a_manager_who_is_the_deals_ae_cannot_decide_their_own_override(
    trigger: Trigger, clock: FrozenClock, open_handoff: Callable[..., Handoff],
) -> None:
    ae_manager = Actor("U0AE", "ana.ae@acme.test", frozenset({Role.SALES_MANAGER}))
    handoff = open_handoff()
    handoff.fire(Trigger.REQUEST_OVERRIDE, actor=ae_manager, at=clock.now(), reason="Legal is slow")
    err = refused(handoff, trigger, ae_manager, clock)
    assert err.reason == "nobody decides their own request"


def test_the_deals_ae_cannot_approve_from_another_account_either(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.OVERRIDE_REQUESTED)
    ae_as_manager_on_teams = Actor("29:ana", "ana.ae@acme.test", frozenset({Role.SALES_MANAGER}))
    err = refused(handoff, Trigger.APPROVE_OVERRIDE, ae_as_manager_on_teams, clock)
    assert err.reason == "the deal's AE cannot approve their own handoff"


@pytest.mark.parametrize("who", ["sales_manager", "cs_manager", "revops", "system"])
def test_managers_revops_and_the_crm_can_cancel(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    assert handoff.fire(Trigger.CANCEL, actor=cast[who], at=clock.now(), reason="Deal lost") is Status.CANCELLED
    assert handoff.ended_at == clock.now()


@pytest.mark.parametrize("who", ["ae", "csm", "other_csm", "stranger"])
def test_the_people_on_the_deal_cannot_cancel_it(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    refused(walk(Status.DRAFTING), Trigger.CANCEL, cast[who], clock)


@pytest.mark.parametrize("who", ["csm", "sales_manager", "cs_manager"])
def test_the_owner_or_a_manager_can_close(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.ACCEPTED)
    assert handoff.fire(Trigger.CLOSE, actor=cast[who], at=clock.now()) is Status.CLOSED


@pytest.mark.parametrize("who", ["ae", "other_csm", "revops", "system", "stranger"])
def test_nobody_else_can_close(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    refused(walk(Status.ACCEPTED), Trigger.CLOSE, cast[who], clock)


# -- what the packet must hold ------------------------------------------------------------------

def test_an_incomplete_packet_cannot_be_submitted_and_the_missing_fields_are_named_in_order(
    cast: Cast, clock: FrozenClock, open_handoff: Callable[..., Handoff],
) -> None:
    handoff = open_handoff({"champion": "dana@customer.test"})
    with pytest.raises(PacketIncomplete) as exc:
        handoff.fire(Trigger.SUBMIT, actor=cast.ae, at=clock.now())
    assert exc.value.missing == ("goals", "contract_signed")
    assert handoff.status is Status.OPENED


def test_an_unticked_required_checkbox_counts_as_missing(
    cast: Cast, clock: FrozenClock, open_handoff: Callable[..., Handoff],
) -> None:
    handoff = open_handoff(FULL_PACKET | {"contract_signed": False})
    with pytest.raises(PacketIncomplete) as exc:
        handoff.fire(Trigger.SUBMIT, actor=cast.ae, at=clock.now())
    assert exc.value.missing == ("contract_signed",)


def test_a_complete_packet_cannot_ask_for_an_override(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    err = refused(walk(Status.DRAFTING), Trigger.REQUEST_OVERRIDE, cast.ae, clock, reason="Just in case")
    assert err.reason == "the packet is complete; submit it instead"


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_request_needs_a_reason(reason: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.DRAFTING, complete=False)
    audit = len(handoff.audit)
    with pytest.raises(MissingInput) as exc:
        handoff.fire(Trigger.REQUEST_OVERRIDE, actor=cast.ae, at=clock.now(), reason=reason)
    assert exc.value.what == "a reason for the exception"
    assert (handoff.status, handoff.overrides, len(handoff.audit)) == (Status.DRAFTING, [], audit)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_escalation_must_say_what_is_missing(reason: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    audit = len(handoff.audit)
    with pytest.raises(MissingInput):
        handoff.fire(Trigger.ESCALATE, actor=cast.csm, at=clock.now(), reason=reason)
    assert (handoff.status, handoff.escalations, len(handoff.audit)) == (Status.SUBMITTED, [], audit)


def test_an_escalation_naming_the_missing_fields_is_reason_enough(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    handoff.fire(Trigger.ESCALATE, actor=cast.csm, at=clock.now(), fields=("champion",))
    assert handoff.status is Status.ESCALATED
    assert handoff.escalations[-1].fields == ("champion",)


def test_an_approved_override_submits_with_the_exception_recorded(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.OVERRIDE_REQUESTED)
    handoff.fire(Trigger.APPROVE_OVERRIDE, actor=cast.cs_manager, at=clock.now(), reason="Chase it Monday")

    assert handoff.status is Status.SUBMITTED
    override = handoff.overrides[-1]
    assert (override.requested_by, override.reason, override.missing) == (
        "U0AE", "Champion leaves on holiday today", ("champion", "contract_signed"))
    assert (override.approved, override.decided_by, override.note) == (True, "U0CM", "Chase it Monday")
    assert handoff.submitted_complete is False
    assert handoff.first_submitted_at == clock.now()
    approved, submitted = handoff.events[-2:]
    assert isinstance(approved, ev.OverrideApproved) and approved.note == "Chase it Monday"
    assert isinstance(submitted, ev.PacketSubmitted)
    assert (submitted.complete, submitted.overridden) == (False, True)


def test_a_complete_submission_is_recorded_as_complete(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    assert handoff.submitted_complete is True
    assert handoff.overrides == []
    assert isinstance(handoff.events[-1], ev.PacketSubmitted) and handoff.events[-1].complete


def test_a_denied_override_goes_back_to_drafting_for_the_ae(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.OVERRIDE_REQUESTED)
    handoff.fire(Trigger.DENY_OVERRIDE, actor=cast.sales_manager, at=clock.now(), reason="Get the champion first")

    assert handoff.status is Status.DRAFTING
    assert (handoff.overrides[-1].approved, handoff.pending_override) == (False, None)
    assert handoff.first_submitted_at is None
    assert handoff.can_edit(cast.ae)


def test_a_resubmission_after_an_escalation_keeps_the_first_submission_for_metrics(
    cast: Cast, clock: FrozenClock, walk: Walk,
) -> None:
    handoff = walk(Status.ESCALATED)
    first = handoff.first_submitted_at
    clock.advance(hours=5)
    handoff.fire(Trigger.SUBMIT, actor=cast.ae, at=clock.now())
    assert (handoff.first_submitted_at, handoff.submitted_at) == (first, clock.now())
    assert isinstance(handoff.events[-1], ev.PacketSubmitted) and handoff.events[-1].resubmission


# -- editing: the clean break -------------------------------------------------------------------

def test_the_first_edit_starts_the_draft(cast: Cast, clock: FrozenClock, open_handoff: Callable[..., Handoff]) -> None:
    handoff = open_handoff()
    assert handoff.edit_packet({"goals": "Faster onboarding"}, actor=cast.ae, at=clock.now()) == ("goals",)
    assert handoff.status is Status.DRAFTING
    assert [a.action for a in handoff.audit] == ["open", "start_draft", "edit_packet"]


def test_an_edit_that_changes_nothing_records_nothing(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.DRAFTING)
    audit = len(handoff.audit)
    assert handoff.edit_packet({"goals": FULL_PACKET["goals"]}, actor=cast.ae, at=clock.now()) == ()
    assert len(handoff.audit) == audit


def test_clearing_a_field_removes_it_from_the_packet(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.DRAFTING)
    handoff.edit_packet({"champion": ""}, actor=cast.ae, at=clock.now())
    assert "champion" not in handoff.packet
    assert handoff.missing_fields() == ("champion",)


@pytest.mark.parametrize("who", ["csm", "sales_manager", "stranger"])
def test_before_the_flip_only_the_ae_edits(who: str, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.DRAFTING)
    with pytest.raises(NotPermitted):
        handoff.edit_packet({"goals": "Something else entirely"}, actor=cast[who], at=clock.now())
    assert handoff.packet == FULL_PACKET


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.OVERRIDE_REQUESTED])
@pytest.mark.parametrize("who", ["ae", "csm"])
def test_nobody_edits_while_the_packet_waits_on_a_decision(
    status: Status, who: str, cast: Cast, clock: FrozenClock, walk: Walk,
) -> None:
    handoff = walk(status, complete=status is Status.SUBMITTED)
    with pytest.raises(NotPermitted) as exc:
        handoff.edit_packet({"pains": "Spreadsheets"}, actor=cast[who], at=clock.now())
    assert exc.value.reason == "the packet is waiting on a decision; it opens again if it is sent back"


def test_an_escalated_packet_opens_again_for_the_ae(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.ESCALATED)
    handoff.edit_packet({"pains": "Spreadsheets"}, actor=cast.ae, at=clock.now())
    assert handoff.packet["pains"] == "Spreadsheets"


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.CLOSED])
def test_after_the_flip_the_ae_cannot_edit_but_can_still_comment(
    status: Status, cast: Cast, clock: FrozenClock, walk: Walk,
) -> None:
    handoff = walk(status)
    with pytest.raises(NotPermitted) as exc:
        handoff.edit_packet({"goals": "Rewritten by the AE"}, actor=cast.ae, at=clock.now())
    assert exc.value.reason == "ownership has moved to the CSM; the AE can still read and comment"
    assert handoff.packet == FULL_PACKET

    handoff.comment("They also asked about SSO", actor=cast.ae, at=clock.now())
    assert handoff.audit[-1].detail == {"text": "They also asked about SSO"}


def test_after_the_flip_the_csm_edits_the_packet(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.ACCEPTED)
    handoff.edit_packet({"goals": "Cut onboarding time by 60%"}, actor=cast.csm, at=clock.now())
    assert handoff.packet["goals"] == "Cut onboarding time by 60%"
    assert handoff.status is Status.ACCEPTED


def test_a_comment_needs_text_and_someone_on_the_handoff(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    with pytest.raises(MissingInput):
        handoff.comment("  ", actor=cast.ae, at=clock.now())
    with pytest.raises(NotPermitted):
        handoff.comment("Hello", actor=cast.stranger, at=clock.now())
    handoff.comment("Looks good", actor=cast.cs_manager, at=clock.now())
    assert isinstance(handoff.events[-1], ev.CommentAdded)


# -- final states and ownership -----------------------------------------------------------------

@pytest.mark.parametrize("trigger", list(Trigger))
@pytest.mark.parametrize("who", EVERYONE)
def test_a_cancelled_handoff_stays_cancelled(
    trigger: Trigger, who: str, cast: Cast, clock: FrozenClock, walk: Walk,
) -> None:
    handoff = walk(Status.CANCELLED)
    with pytest.raises(TransitionNotAllowed):
        handoff.fire(trigger, actor=cast[who], at=clock.now(), reason="Try anyway")
    assert handoff.status is Status.CANCELLED


def test_a_cancelled_handoff_cannot_be_edited_or_reassigned(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.CANCELLED)
    with pytest.raises(NotPermitted, match="the handoff was cancelled"):
        handoff.edit_packet({"goals": "Revived"}, actor=cast.ae, at=clock.now())
    with pytest.raises(TransitionNotAllowed):
        handoff.reassign_csm(Person("olga.csm@acme.test"), actor=cast.cs_manager, at=clock.now())
    assert handoff.status is Status.CANCELLED


@pytest.mark.parametrize("status", list(Status))
def test_the_owner_is_the_ae_before_acceptance_and_the_csm_after(status: Status, walk: Walk) -> None:
    handoff = walk(status)
    flipped = status in (Status.ACCEPTED, Status.CLOSED)
    assert handoff.owner == (handoff.csm if flipped else handoff.ae)
    assert (handoff.accepted_at is not None) == flipped


def test_accepting_flips_ownership_as_a_named_event(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    handoff.fire(Trigger.ACCEPT, actor=cast.csm, at=clock.now())
    flip = handoff.events[-1]
    assert isinstance(flip, ev.OwnershipFlipped)
    assert (flip.from_email, flip.to_email, flip.actor_id) == ("ana.ae@acme.test", "carl.csm@acme.test", "U0CSM")
    assert handoff.accepted_at == clock.now()


# -- reassignment -------------------------------------------------------------------------------

def test_a_manager_reassigns_and_only_the_new_csm_can_accept(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.SUBMITTED)
    handoff.reassign_csm(Person("olga.csm@acme.test"), actor=cast.cs_manager, at=clock.now())
    assert isinstance(handoff.events[-1], ev.CsmReassigned)
    with pytest.raises(NotPermitted):
        handoff.fire(Trigger.ACCEPT, actor=cast.csm, at=clock.now())
    handoff.fire(Trigger.ACCEPT, actor=cast.other_csm, at=clock.now())
    assert handoff.owner.email == "olga.csm@acme.test"


def test_only_a_manager_reassigns_and_never_after_the_flip(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    with pytest.raises(NotPermitted):
        walk(Status.SUBMITTED).reassign_csm(Person("olga.csm@acme.test"), actor=cast.revops, at=clock.now())
    with pytest.raises(TransitionNotAllowed):
        walk(Status.ACCEPTED).reassign_csm(Person("olga.csm@acme.test"), actor=cast.cs_manager, at=clock.now())


# -- the audit trail and events -----------------------------------------------------------------

def test_every_change_appends_exactly_one_audit_entry_with_the_next_seq(
    cast: Cast, clock: FrozenClock, walk: Walk,
) -> None:
    handoff = walk(Status.DRAFTING, complete=False)
    changes: list[tuple[Actor, Callable[[], object]]] = [
        (cast.ae, lambda: handoff.edit_packet({"pains": "Manual renewals"}, actor=cast.ae, at=clock.now())),
        (cast.ae, lambda: handoff.fire(Trigger.REQUEST_OVERRIDE, actor=cast.ae, at=clock.now(), reason="PO late")),
        (cast.cs_manager, lambda: handoff.fire(Trigger.DENY_OVERRIDE, actor=cast.cs_manager, at=clock.now())),
        (cast.ae, lambda: handoff.edit_packet(FULL_PACKET, actor=cast.ae, at=clock.now())),
        (cast.ae, lambda: handoff.fire(Trigger.SUBMIT, actor=cast.ae, at=clock.now())),
        (cast.cs_manager, lambda: handoff.reassign_csm(Person("olga.csm@acme.test"), actor=cast.cs_manager, at=clock.now())),
        (cast.other_csm, lambda: handoff.fire(Trigger.ESCALATE, actor=cast.other_csm, at=clock.now(), reason="Who is the EB?")),
        (cast.ae, lambda: handoff.comment("Asked the customer", actor=cast.ae, at=clock.now())),
        (cast.ae, lambda: handoff.fire(Trigger.SUBMIT, actor=cast.ae, at=clock.now())),
        (cast.other_csm, lambda: handoff.fire(Trigger.ACCEPT, actor=cast.other_csm, at=clock.now())),
        (cast.other_csm, lambda: handoff.record_milestone("first_touch", actor=cast.other_csm, at=clock.now())),
        (cast.system, lambda: handoff.record_sla_breach("kickoff_due", at=clock.now())),
        (cast.other_csm, lambda: handoff.fire(Trigger.CLOSE, actor=cast.other_csm, at=clock.now())),
    ]
    for actor, change in changes:
        clock.advance(minutes=7)
        before = handoff.audit[-1].seq
        count = len(handoff.audit)
        change()
        entry = handoff.audit[-1]
        assert len(handoff.audit) == count + 1
        assert entry.seq == before + 1
        assert entry.at == clock.now()
        assert entry.actor_id == (actor.id if actor is not cast.system else "system:sla")

    keys = [e.key for e in handoff.events]
    assert len(keys) == len(set(keys))
    assert {e.seq for e in handoff.events} <= {a.seq for a in handoff.audit}


def test_one_change_may_record_two_events_under_distinct_keys(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.OVERRIDE_REQUESTED)
    handoff.fire(Trigger.APPROVE_OVERRIDE, actor=cast.sales_manager, at=clock.now())
    approved, submitted = handoff.events[-2:]
    assert approved.seq == submitted.seq == handoff.audit[-1].seq
    assert approved.key != submitted.key


def test_an_sla_breach_is_an_event_not_a_state(walk: Walk, clock: FrozenClock) -> None:
    handoff = walk(Status.SUBMITTED)
    handoff.record_sla_breach("acceptance_due", at=clock.now())
    assert handoff.status is Status.SUBMITTED
    assert handoff.sla_breaches == ["acceptance_due"]
    assert isinstance(handoff.events[-1], ev.SlaBreached) and handoff.events[-1].timer == "acceptance_due"


# -- follow-ups after the flip ------------------------------------------------------------------

def test_follow_ups_are_recorded_only_by_the_csm_after_acceptance(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    with pytest.raises(TransitionNotAllowed):
        walk(Status.SUBMITTED).record_milestone("first_touch", actor=cast.csm, at=clock.now())
    with pytest.raises(NotPermitted):
        walk(Status.ACCEPTED).record_milestone("first_touch", actor=cast.ae, at=clock.now())


def test_the_earliest_first_touch_counts(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.ACCEPTED)
    early = clock.now() - timedelta(hours=3)
    handoff.record_milestone("first_touch", actor=cast.csm, at=clock.now())
    handoff.record_milestone("first_touch", actor=cast.csm, at=clock.now(), touched_at=early)
    handoff.record_milestone("first_touch", actor=cast.csm, at=clock.now() + timedelta(hours=1))
    assert handoff.milestones.first_touch_at == early


def test_kickoff_needs_a_date_and_the_latest_one_stands(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.ACCEPTED)
    with pytest.raises(MissingInput, match="the kickoff date"):
        handoff.record_milestone("kickoff", actor=cast.csm, at=clock.now(), on="next week")
    handoff.record_milestone("kickoff", actor=cast.csm, at=clock.now(), on=date(2026, 11, 9))
    handoff.record_milestone("kickoff", actor=cast.csm, at=clock.now(), on=date(2026, 11, 11))
    assert handoff.milestones.kickoff_on == date(2026, 11, 11)


def test_feedback_needs_something_said(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.ACCEPTED)
    with pytest.raises(MissingInput):
        handoff.record_milestone("feedback", actor=cast.csm, at=clock.now(), went_well=" ", missing="")
    handoff.record_milestone("feedback", actor=cast.csm, at=clock.now(), missing="Nobody mentioned SSO")
    assert handoff.milestones.feedback_missing == "Nobody mentioned SSO"


@pytest.mark.parametrize("rating", [None, 0, 6, True, "4", 3.5])
def test_a_checkin_rating_must_be_a_whole_number_from_1_to_5(
    rating: object, cast: Cast, clock: FrozenClock, walk: Walk,
) -> None:
    handoff = walk(Status.ACCEPTED)
    with pytest.raises(MissingInput, match="a packet quality rating from 1 to 5"):
        handoff.record_milestone("checkin", actor=cast.csm, at=clock.now(), rating=rating)
    assert handoff.milestones.rating is None


@pytest.mark.parametrize("rating", [1, 5])
def test_a_checkin_records_the_rating_and_repeat_asks(rating: int, cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    handoff = walk(Status.ACCEPTED)
    handoff.record_milestone("checkin", actor=cast.csm, at=clock.now(), rating=rating, repeat_asks=["goals"])
    assert (handoff.milestones.rating, handoff.milestones.repeat_asks) == (rating, ("goals",))
    facts = facts_of(handoff)
    assert (facts.rating, facts.repeat_asks) == (rating, 1)


def test_an_unknown_follow_up_is_refused(cast: Cast, clock: FrozenClock, walk: Walk) -> None:
    with pytest.raises(ValueError, match="unknown milestone 'lunch'"):
        walk(Status.ACCEPTED).record_milestone("lunch", actor=cast.csm, at=clock.now())


# -- people and roles ---------------------------------------------------------------------------

def test_a_person_is_matched_by_chat_id() -> None:
    assert Person.of("carl.csm@acme.test", slack="U0CSM").matches(Actor("U0CSM"))


def test_a_person_is_matched_by_email_whatever_its_case() -> None:
    assert Person("Carl.CSM@acme.test").matches(Actor("29:any", "carl.csm@ACME.TEST"))


def test_a_different_chat_id_without_a_matching_email_is_someone_else() -> None:
    carl = Person.of("carl.csm@acme.test", slack="U0CSM")
    assert not carl.matches(Actor("U0OTHER"))
    assert not carl.matches(Actor("U0OTHER", "carla@acme.test"))
    assert not carl.matches(Actor("u0csm"))  # chat ids are exact


ROLES = Roles(
    sales_managers=["U0SM", "Sam.Sales@acme.test"],
    cs_managers=["@CS-Leads"],
    revops=["rita.revops@acme.test", "U0SM"],
)


@pytest.mark.parametrize(
    ("user_id", "email", "groups", "expected"),
    [
        ("u0sm", None, (), {Role.SALES_MANAGER, Role.REVOPS}),
        ("U0ZZ", "sam.sales@ACME.test", (), {Role.SALES_MANAGER}),
        ("U0ZZ", None, ("cs-leads",), {Role.CS_MANAGER}),
        ("U0ZZ", None, ("@cs-leads",), {Role.CS_MANAGER}),
        ("U0ZZ", "Rita.Revops@acme.test", ("engineering",), {Role.REVOPS}),
        ("U0ZZ", "nobody@acme.test", ("sales",), set()),
    ],
)
def test_roles_come_from_ids_emails_and_groups(
    user_id: str, email: str | None, groups: tuple[str, ...], expected: set[Role],
) -> None:
    assert roles_of(ROLES, user_id=user_id, email=email, groups=groups) == expected


def test_an_actor_built_from_the_playbook_knows_whether_it_is_a_manager() -> None:
    lead = actor_for(ROLES, user_id="U0CL", email="cleo@acme.test", groups=["cs-leads"])
    revops = actor_for(ROLES, user_id="U0RO", email="rita.revops@acme.test")
    assert lead.is_manager and not revops.is_manager
    assert Actor.system().roles == {Role.SYSTEM} and not Actor.system().is_manager


def test_a_handoff_opened_with_a_prefilled_packet_drops_empty_values(
    open_handoff: Callable[..., Handoff],
) -> None:
    handoff = open_handoff({"goals": "Grow", "pains": "", "champion": None, "contract_signed": False})
    assert handoff.packet == {"goals": "Grow"}
    opened = handoff.events[0]
    assert isinstance(opened, ev.HandoffOpened)
    assert (opened.ae_email, opened.csm_email, opened.segment) == ("ana.ae@acme.test", "carl.csm@acme.test", "smb")
    assert handoff.audit[0].detail == {"deal_id": "D-100", "segment": "smb"}



def test_a_person_known_on_two_platforms_is_matched_by_either_id_and_keeps_one_id_per_platform() -> None:
    carl = Person("carl.csm@acme.test").with_id("slack", "U0CSM").with_id("teams", "29:1kXr-9pQ")
    assert carl.matches(Actor("U0CSM")) and carl.matches(Actor("29:1kXr-9pQ"))
    moved = carl.with_id("teams", "29:new")
    assert moved.id_on("teams") == "29:new" and moved.id_on("slack") == "U0CSM" and not moved.matches(Actor("29:1kXr-9pQ"))
    assert Person.of("x@acme.test", slack=None).chat_ids == ()


def test_the_playbook_may_name_a_manager_by_email_on_any_platform_or_by_a_slack_id_as_before() -> None:
    roles = Roles(sales_managers=["U0SM", "sam.sales@acme.test"], cs_managers=["8f2c1a3e-4b5d-4e6f-9a0b-1c2d3e4f5a6b"])
    assert roles_of(roles, user_id="29:teams-sam", email="Sam.Sales@acme.test") == {Role.SALES_MANAGER}
    assert roles_of(roles, user_id="U0SM", email=None) == {Role.SALES_MANAGER}
    aad = "8f2c1a3e-4b5d-4e6f-9a0b-1c2d3e4f5a6b"
    assert roles_of(roles, user_id=aad, email=None) == {Role.CS_MANAGER}
