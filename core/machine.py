"""Every state and transition of a handoff, in one table, checked when this module is imported.

Read the table top to bottom and you have the whole workflow. Guards say *who* may fire a
trigger and *what must hold* of the packet; `Handoff.fire` (core/handoff.py) enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import DefinitionError


class Status(StrEnum):
    OPENED = "opened"
    DRAFTING = "drafting"
    SUBMITTED = "submitted"
    ESCALATED = "escalated"
    OVERRIDE_REQUESTED = "override_requested"
    ON_HOLD = "on_hold"
    ACCEPTED = "accepted"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Trigger(StrEnum):
    START_DRAFT = "start_draft"
    SUBMIT = "submit"
    REQUEST_OVERRIDE = "request_override"
    APPROVE_OVERRIDE = "approve_override"
    DENY_OVERRIDE = "deny_override"
    ACCEPT = "accept"
    ESCALATE = "escalate"
    CLOSE = "close"
    CANCEL = "cancel"
    HOLD = "hold"
    RESUME = "resume"


class Party(StrEnum):
    """Who may fire a trigger, relative to the handoff."""

    AE = "the account executive"
    CSM = "the assigned CSM"
    MANAGER = "a sales or CS manager"
    OWNER_OR_MANAGER = "the owner or a manager"
    MANAGER_OR_SYSTEM = "a manager, RevOps or the CRM"


class Condition(StrEnum):
    """What must hold of the packet or request for a trigger to pass."""

    NONE = "none"
    PACKET_COMPLETE = "packet complete"
    PACKET_INCOMPLETE = "packet incomplete"
    NOT_THE_REQUESTER = "decided by someone other than the requester"


INITIAL = Status.OPENED
FINAL = frozenset({Status.CLOSED, Status.CANCELLED})
PRE_FLIP = frozenset(
    {Status.OPENED, Status.DRAFTING, Status.SUBMITTED, Status.ESCALATED, Status.OVERRIDE_REQUESTED,
     Status.ON_HOLD}
)


@dataclass(frozen=True)
class Transition:
    source: Status
    trigger: Trigger
    target: Status
    who: Party
    when: Condition = Condition.NONE


S, T, P, C = Status, Trigger, Party, Condition

TRANSITIONS: tuple[Transition, ...] = (
    # The AE works the packet.
    Transition(S.OPENED, T.START_DRAFT, S.DRAFTING, P.AE),
    Transition(S.OPENED, T.SUBMIT, S.SUBMITTED, P.AE, C.PACKET_COMPLETE),
    Transition(S.DRAFTING, T.SUBMIT, S.SUBMITTED, P.AE, C.PACKET_COMPLETE),
    Transition(S.ESCALATED, T.SUBMIT, S.SUBMITTED, P.AE, C.PACKET_COMPLETE),
    # An incomplete packet goes through only with a manager's explicit exception.
    Transition(S.OPENED, T.REQUEST_OVERRIDE, S.OVERRIDE_REQUESTED, P.AE, C.PACKET_INCOMPLETE),
    Transition(S.DRAFTING, T.REQUEST_OVERRIDE, S.OVERRIDE_REQUESTED, P.AE, C.PACKET_INCOMPLETE),
    Transition(S.ESCALATED, T.REQUEST_OVERRIDE, S.OVERRIDE_REQUESTED, P.AE, C.PACKET_INCOMPLETE),
    Transition(S.OVERRIDE_REQUESTED, T.APPROVE_OVERRIDE, S.SUBMITTED, P.MANAGER, C.NOT_THE_REQUESTER),
    Transition(S.OVERRIDE_REQUESTED, T.DENY_OVERRIDE, S.DRAFTING, P.MANAGER, C.NOT_THE_REQUESTER),
    # Only the receiving CSM completes the receiving step.
    Transition(S.SUBMITTED, T.ACCEPT, S.ACCEPTED, P.CSM),
    Transition(S.SUBMITTED, T.ESCALATE, S.ESCALATED, P.CSM),
    # After the flip the CSM owns the account until the handoff is wrapped up.
    Transition(S.ACCEPTED, T.CLOSE, S.CLOSED, P.OWNER_OR_MANAGER),
    # A deal that falls through stops its handoff; a cancelled handoff stays cancelled.
    Transition(S.OPENED, T.CANCEL, S.CANCELLED, P.MANAGER_OR_SYSTEM),
    Transition(S.DRAFTING, T.CANCEL, S.CANCELLED, P.MANAGER_OR_SYSTEM),
    Transition(S.SUBMITTED, T.CANCEL, S.CANCELLED, P.MANAGER_OR_SYSTEM),
    Transition(S.ESCALATED, T.CANCEL, S.CANCELLED, P.MANAGER_OR_SYSTEM),
    Transition(S.OVERRIDE_REQUESTED, T.CANCEL, S.CANCELLED, P.MANAGER_OR_SYSTEM),
    # The deal changes its mind before acceptance (Closed Lost, reopened): the handoff waits,
    # nudging nobody, and picks up where it was, packet intact, when the deal closes again.
    Transition(S.OPENED, T.HOLD, S.ON_HOLD, P.MANAGER_OR_SYSTEM),
    Transition(S.DRAFTING, T.HOLD, S.ON_HOLD, P.MANAGER_OR_SYSTEM),
    Transition(S.SUBMITTED, T.HOLD, S.ON_HOLD, P.MANAGER_OR_SYSTEM),
    Transition(S.ESCALATED, T.HOLD, S.ON_HOLD, P.MANAGER_OR_SYSTEM),
    Transition(S.OVERRIDE_REQUESTED, T.HOLD, S.ON_HOLD, P.MANAGER_OR_SYSTEM),
    Transition(S.ON_HOLD, T.RESUME, S.DRAFTING, P.MANAGER_OR_SYSTEM),
    Transition(S.ON_HOLD, T.CANCEL, S.CANCELLED, P.MANAGER_OR_SYSTEM),
)

_BY_KEY: dict[tuple[Status, Trigger], Transition] = {}


def lookup(status: Status, trigger: Trigger) -> Transition | None:
    """The transition that `trigger` takes out of `status`, or None when there is none."""
    return _BY_KEY.get((status, trigger))


def triggers_from(status: Status) -> tuple[Trigger, ...]:
    """The triggers that leave `status`, in table order (for buttons and help)."""
    return tuple(t.trigger for t in TRANSITIONS if t.source is status)


def validate(transitions: tuple[Transition, ...]) -> dict[tuple[Status, Trigger], Transition]:
    """Check the table: deterministic, nothing leaves a final state, no dead ends, all reachable."""
    index: dict[tuple[Status, Trigger], Transition] = {}
    for t in transitions:
        key = (t.source, t.trigger)
        if key in index:
            raise DefinitionError(f"{t.trigger} from {t.source} is defined twice")
        if t.source in FINAL:
            raise DefinitionError(f"final state {t.source} has an outgoing transition {t.trigger}")
        index[key] = t
    for status in Status:
        if status not in FINAL and not any(t.source is status for t in transitions):
            raise DefinitionError(f"{status} is a dead end: no transition leaves it")
    reached = {INITIAL}
    frontier = [INITIAL]
    while frontier:
        here = frontier.pop()
        for t in transitions:
            if t.source is here and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    unreachable = set(Status) - reached
    if unreachable:
        raise DefinitionError(f"unreachable states: {', '.join(sorted(unreachable))}")
    return index


_BY_KEY.update(validate(TRANSITIONS))
