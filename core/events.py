"""Domain events: what happened to a handoff, past tense, small and frozen.

Each event carries the audit sequence number it was recorded under, so `key` is a stable
idempotency key: the same change can never produce two different outbox messages.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Event:
    handoff_id: str
    seq: int
    at: datetime
    actor_id: str
    registry: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Event.registry[cls.__name__] = cls

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def key(self) -> str:
        return f"{self.handoff_id}:{self.seq}:{self.name}"

    def payload(self) -> dict[str, Any]:
        """JSON-ready fields, for the outbox."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


def event_from_payload(name: str, payload: dict[str, Any]) -> Event:
    """Rebuild an event read back from the outbox (datetimes come back as ISO strings)."""
    cls = Event.registry[name]
    values = dict(payload)
    values["at"] = datetime.fromisoformat(values["at"])
    for f in dataclasses.fields(cls):
        if isinstance(values.get(f.name), list):
            values[f.name] = tuple(values[f.name])
    return cls(**values)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class HandoffOpened(Event):
    deal_id: str
    segment: str
    ae_email: str
    csm_email: str


@dataclass(frozen=True, kw_only=True)
class PacketEdited(Event):
    fields: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class PacketSubmitted(Event):
    complete: bool
    overridden: bool
    resubmission: bool


@dataclass(frozen=True, kw_only=True)
class OverrideRequested(Event):
    reason: str
    missing: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class OverrideApproved(Event):
    note: str


@dataclass(frozen=True, kw_only=True)
class OverrideDenied(Event):
    note: str


@dataclass(frozen=True, kw_only=True)
class HandoffEscalated(Event):
    fields: tuple[str, ...]
    reason: str


@dataclass(frozen=True, kw_only=True)
class OwnershipFlipped(Event):
    from_email: str
    to_email: str


@dataclass(frozen=True, kw_only=True)
class HandoffClosed(Event):
    note: str


@dataclass(frozen=True, kw_only=True)
class HandoffCancelled(Event):
    reason: str


@dataclass(frozen=True, kw_only=True)
class HandoffPutOnHold(Event):
    stage: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class HandoffResumed(Event):
    stage: str


@dataclass(frozen=True, kw_only=True)
class CrmNoted(Event):
    """Something RevOps should know about the CRM write-back (owner changed meanwhile, no CRM user)."""

    action: str
    message: str


@dataclass(frozen=True, kw_only=True)
class CsmReassigned(Event):
    from_email: str
    to_email: str


@dataclass(frozen=True, kw_only=True)
class MilestoneRecorded(Event):
    milestone: str


@dataclass(frozen=True, kw_only=True)
class CommentAdded(Event):
    text: str


@dataclass(frozen=True, kw_only=True)
class SlaBreached(Event):
    timer: str


@dataclass(frozen=True, kw_only=True)
class SuggestionsReviewed(Event):
    model: str
    prompt_version: str
    accepted: tuple[str, ...]
    rejected: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class NudgeDue(Event):
    """One step of an SLA timer's ladder for one recipient, written by the sweep (core/sla.py).

    Several nudges due to one person together go out as one message: the `lead` nudge carries
    the whole digest in `items` (refs to each nudge: handoff, timer, cycle, step), the others
    are `folded` into it and deliver nothing themselves. The key is (handoff, timer, cycle,
    step, recipient), so a nudge can reach the outbox only once however often it is swept.
    """

    timer: str
    cycle: str
    step: str
    recipient: str
    lead: bool
    items: tuple[dict[str, str], ...] = ()

    @property
    def key(self) -> str:
        return f"{self.handoff_id}:nudge:{self.timer}:{self.cycle}:{self.step}:{self.recipient.lower()}"


@dataclass(frozen=True, kw_only=True)
class NudgeSnoozed(Event):
    timer: str
    cycle: str
    recipient: str
    until: str  # ISO-8601, UTC


@dataclass(frozen=True, kw_only=True)
class WeeklyDigestDue(Event):
    """The managers' weekly digest for [period_start, period_end); `handoff_id` is a pseudo id."""

    period_start: str
    period_end: str

    @property
    def key(self) -> str:
        return f"weekly-digest:{self.period_end}"
