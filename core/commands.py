"""Commands: what a person or system asks Baton to do, imperative and frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.deal import Deal
from core.handoff import ReviewedSuggestion
from core.people import Actor


@dataclass(frozen=True)
class OpenHandoff:
    deal: Deal
    actor: Actor
    event_id: str | None = None


@dataclass(frozen=True)
class SaveDraft:
    handoff_id: str
    actor: Actor
    values: dict[str, Any]


@dataclass(frozen=True)
class SubmitPacket:
    handoff_id: str
    actor: Actor


@dataclass(frozen=True)
class RequestOverride:
    handoff_id: str
    actor: Actor
    reason: str


@dataclass(frozen=True)
class DecideOverride:
    handoff_id: str
    actor: Actor
    approve: bool
    note: str = ""


@dataclass(frozen=True)
class AcceptHandoff:
    handoff_id: str
    actor: Actor


@dataclass(frozen=True)
class EscalateHandoff:
    handoff_id: str
    actor: Actor
    fields: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class RecordMilestone:
    handoff_id: str
    actor: Actor
    milestone: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CancelHandoff:
    handoff_id: str
    actor: Actor
    reason: str = ""


@dataclass(frozen=True)
class CloseHandoff:
    handoff_id: str
    actor: Actor
    note: str = ""


@dataclass(frozen=True)
class AddComment:
    handoff_id: str
    actor: Actor
    text: str


@dataclass(frozen=True)
class ReassignCsm:
    handoff_id: str
    actor: Actor
    csm_email: str


@dataclass(frozen=True)
class ApplySuggestions:
    """Keep the values drafted from notes that the AE ticked (as they left them); record them all."""

    handoff_id: str
    actor: Actor
    values: dict[str, Any]
    reviewed: tuple[ReviewedSuggestion, ...]
    model: str
    prompt_version: str


@dataclass(frozen=True)
class SnoozeNudge:
    """Put off one timer's nudges to `recipient` (the person clicking) for the playbook's snooze."""

    handoff_id: str
    actor: Actor
    timer: str
    cycle: str
    recipient: str
