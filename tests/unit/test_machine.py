"""The state table: it validates, bad tables are refused, and every (status, trigger) pair does
exactly what the table says, driven through the public API."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from core.errors import DefinitionError, TransitionNotAllowed
from core.handoff import Handoff
from core.machine import (
    FINAL,
    INITIAL,
    TRANSITIONS,
    Condition,
    Party,
    Status,
    Transition,
    Trigger,
    lookup,
    triggers_from,
    validate,
)
from core.people import Actor
from tests.fakes import FrozenClock
from tests.unit.conftest import Cast

S, T = Status, Trigger

# The smallest table that passes: a chain through every state, plus a way to cancel.
CHAIN = (
    Transition(S.OPENED, T.START_DRAFT, S.DRAFTING, Party.AE),
    Transition(S.DRAFTING, T.SUBMIT, S.SUBMITTED, Party.AE),
    Transition(S.SUBMITTED, T.ESCALATE, S.ESCALATED, Party.CSM),
    Transition(S.ESCALATED, T.REQUEST_OVERRIDE, S.OVERRIDE_REQUESTED, Party.AE),
    Transition(S.OVERRIDE_REQUESTED, T.APPROVE_OVERRIDE, S.ACCEPTED, Party.MANAGER),
    Transition(S.ACCEPTED, T.CLOSE, S.CLOSED, Party.OWNER_OR_MANAGER),
    Transition(S.OPENED, T.CANCEL, S.CANCELLED, Party.MANAGER_OR_SYSTEM),
    Transition(S.OPENED, T.HOLD, S.ON_HOLD, Party.MANAGER_OR_SYSTEM),
    Transition(S.ON_HOLD, T.RESUME, S.DRAFTING, Party.MANAGER_OR_SYSTEM),
)


def test_ownership_flips_only_when_the_assigned_csm_accepts_a_submitted_packet() -> None:
    into_accepted = [(t.source, t.trigger, t.who) for t in TRANSITIONS if t.target is S.ACCEPTED]
    assert into_accepted == [(S.SUBMITTED, T.ACCEPT, Party.CSM)]


def test_only_managers_decide_exceptions_and_never_on_their_own_request() -> None:
    decisions = [t for t in TRANSITIONS if t.trigger in (T.APPROVE_OVERRIDE, T.DENY_OVERRIDE)]
    assert decisions and all(t.source is S.OVERRIDE_REQUESTED for t in decisions)
    assert all(t.who is Party.MANAGER and t.when is Condition.NOT_THE_REQUESTER for t in decisions)


def test_a_minimal_chain_through_every_state_validates() -> None:
    assert len(validate(CHAIN)) == len(CHAIN)


def test_a_transition_defined_twice_is_refused() -> None:
    twice = (*CHAIN, Transition(S.OPENED, T.START_DRAFT, S.CANCELLED, Party.AE))
    with pytest.raises(DefinitionError, match="start_draft from opened is defined twice"):
        validate(twice)


@pytest.mark.parametrize("final", sorted(FINAL))
def test_a_transition_out_of_a_final_state_is_refused(final: Status) -> None:
    leaving = (*CHAIN, Transition(final, T.CLOSE, S.ACCEPTED, Party.MANAGER))
    with pytest.raises(DefinitionError, match=f"final state {final} has an outgoing transition close"):
        validate(leaving)


def test_a_state_with_no_way_out_is_refused_as_a_dead_end() -> None:
    no_close = tuple(t for t in CHAIN if t.trigger is not T.CLOSE)
    with pytest.raises(DefinitionError, match="accepted is a dead end"):
        validate(no_close)


def test_a_state_nothing_leads_to_is_refused_as_unreachable() -> None:
    no_cancel = tuple(t for t in CHAIN if t.trigger is not T.CANCEL)
    with pytest.raises(DefinitionError, match="unreachable states: cancelled"):
        validate(no_cancel)


def test_the_workflow_starts_opened_and_ends_closed_or_cancelled() -> None:
    assert INITIAL is S.OPENED
    assert {S.CLOSED, S.CANCELLED} == FINAL


def test_a_submitted_handoff_offers_accept_escalate_and_cancel() -> None:
    assert triggers_from(S.SUBMITTED) == (T.ACCEPT, T.ESCALATE, T.CANCEL, T.HOLD)


@pytest.mark.parametrize("final", sorted(FINAL))
def test_a_final_state_offers_nothing(final: Status) -> None:
    assert triggers_from(final) == ()


# -- every (status, trigger) pair, through the public API ---------------------------------------

REASON = "The customer wants a different start date"


def eligible(cast: Cast, handoff: Handoff, trigger: Trigger) -> Actor:
    """Someone the guard would let through, so only the table can say no."""
    return {
        T.START_DRAFT: cast.ae, T.SUBMIT: cast.ae, T.REQUEST_OVERRIDE: cast.ae,
        T.APPROVE_OVERRIDE: cast.cs_manager, T.DENY_OVERRIDE: cast.cs_manager,
        T.ACCEPT: cast.csm, T.ESCALATE: cast.csm,
        T.CLOSE: cast.csm if handoff.owner.email == cast.csm.email else cast.ae,
        T.CANCEL: cast.system, T.HOLD: cast.system, T.RESUME: cast.system,
    }[trigger]


@pytest.mark.parametrize(
    ("status", "trigger"), list(itertools.product(Status, Trigger)), ids=lambda v: str(v)
)
def test_every_trigger_takes_its_table_transition_or_is_not_allowed(
    status: Status, trigger: Trigger, cast: Cast, clock: FrozenClock, walk: Callable[..., Handoff],
) -> None:
    # An override is asked for an incomplete packet; everything else is tried with a complete one.
    handoff = walk(status, complete=trigger is not T.REQUEST_OVERRIDE)
    assert handoff.status is status
    audit_before = len(handoff.audit)
    transition = lookup(status, trigger)
    actor = eligible(cast, handoff, trigger)

    if transition is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            handoff.fire(trigger, actor=actor, at=clock.now(), reason=REASON)
        assert (refused.value.status, refused.value.trigger) == (status, trigger)
        assert handoff.status is status
        assert len(handoff.audit) == audit_before
    else:
        assert handoff.fire(trigger, actor=actor, at=clock.now(), reason=REASON) is transition.target
        assert handoff.status is transition.target
        assert (handoff.audit[-1].from_status, handoff.audit[-1].to_status) == (status, transition.target)
        assert handoff.audit[-1].action == trigger.value
