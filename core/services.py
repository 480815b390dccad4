"""The service layer: each handler opens a unit of work, loads, calls the domain, commits.

Handlers return plain results; adapters turn domain errors into words for people.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from core import commands as c
from core.errors import FieldInvalid, MissingInput, PacketInvalid
from core.handoff import Handoff
from core.machine import Status, Trigger
from core.metrics import GroupBy, Metrics, compute
from core.milestones import MILESTONES
from core.packet import parse_value, validate_values
from core.people import Person
from core.playbook import Playbook
from core.ports import Clock, UnitOfWork
from core.retry import retry_on_conflict
from core.routing import assign_csm, route_segment

R = TypeVar("R")


@dataclass(frozen=True)
class Opened:
    handoff_id: str
    created: bool
    ignored_fields: dict[str, str]


def new_handoff_id() -> str:
    return f"ho_{uuid.uuid4().hex[:12]}"


class HandoffService:
    """Use cases of a handoff, for every adapter (Slack, Teams, webhooks, CLI, scheduler)."""

    def __init__(
        self, *, playbook: Playbook, uow: Callable[[], UnitOfWork], clock: Clock,
        new_id: Callable[[], str] = new_handoff_id,
    ) -> None:
        self.playbook = playbook
        self._uow = uow
        self._clock = clock
        self._new_id = new_id

    def open_handoff(self, cmd: c.OpenHandoff) -> Opened:
        """One handoff per deal: a redelivered event or a re-closed deal returns the first one."""
        return retry_on_conflict(lambda: self._open(cmd))

    def _open(self, cmd: c.OpenHandoff) -> Opened:
        deal = cmd.deal
        with self._uow() as uow:
            if cmd.event_id is not None:
                uow.claim_event(f"deal:{cmd.event_id}")
            existing = uow.handoffs.get_by_deal(deal.id)
            if existing is not None:
                uow.commit()
                return Opened(existing.id, created=False, ignored_fields={})
            segment = route_segment(self.playbook, deal)
            pool = self.playbook.segment(segment).csm_pool
            csm_email = assign_csm(
                pool=pool, named=deal.csm_email, load=uow.handoffs.open_load(pool),
                last_assigned=uow.handoffs.last_assigned_csm(segment), segment=segment,
            )
            prefill, ignored = self._prefill(deal.fields, deal.closed_at.date())
            handoff = Handoff.open(
                handoff_id=self._new_id(), deal=deal, segment=segment, ae=Person(deal.ae_email),
                csm=Person(csm_email), required_fields=self.playbook.required_fields(segment),
                actor=cmd.actor, at=self._clock.now(), packet=prefill,
            )
            uow.handoffs.add(handoff)
            uow.commit()
            return Opened(handoff.id, created=True, ignored_fields=ignored)

    def _prefill(self, raw: dict[str, Any], close_date: date) -> tuple[dict[str, Any], dict[str, str]]:
        """Keep the CRM values that pass validation; report the rest instead of refusing the deal."""
        clean: dict[str, Any] = {}
        ignored: dict[str, str] = {}
        for field_id, value in raw.items():
            try:
                spec = self.playbook.field(field_id)
                clean[field_id] = parse_value(spec, value, close_date=close_date, others=raw)
            except KeyError:
                ignored[field_id] = "not a field of this playbook"
            except FieldInvalid as exc:
                ignored[field_id] = exc.message
        return clean, ignored

    def save_draft(self, cmd: c.SaveDraft) -> tuple[str, ...]:
        """Validate one step of the packet and save it; PacketInvalid names every bad field."""
        def edit(h: Handoff, at: datetime) -> tuple[str, ...]:
            clean = validate_values(self.playbook, cmd.values, close_date=h.deal.closed_at.date(), current=h.packet)
            return h.edit_packet(clean, actor=cmd.actor, at=at)
        return self._change(cmd.handoff_id, edit)

    def submit(self, cmd: c.SubmitPacket) -> Status:
        return self._fire(cmd.handoff_id, Trigger.SUBMIT, cmd)

    def request_override(self, cmd: c.RequestOverride) -> Status:
        return self._fire(cmd.handoff_id, Trigger.REQUEST_OVERRIDE, cmd, reason=cmd.reason)

    def decide_override(self, cmd: c.DecideOverride) -> Status:
        trigger = Trigger.APPROVE_OVERRIDE if cmd.approve else Trigger.DENY_OVERRIDE
        return self._fire(cmd.handoff_id, trigger, cmd, reason=cmd.note)

    def accept(self, cmd: c.AcceptHandoff) -> Status:
        return self._fire(cmd.handoff_id, Trigger.ACCEPT, cmd)

    def escalate(self, cmd: c.EscalateHandoff) -> Status:
        unknown = [f for f in cmd.fields if f not in {s.id for s in self.playbook.fields}]
        if unknown:
            raise PacketInvalid({f: "not a field of this playbook" for f in unknown})
        return self._fire(cmd.handoff_id, Trigger.ESCALATE, cmd, reason=cmd.reason, fields=cmd.fields)

    def cancel(self, cmd: c.CancelHandoff) -> Status:
        return self._fire(cmd.handoff_id, Trigger.CANCEL, cmd, reason=cmd.reason)

    def close(self, cmd: c.CloseHandoff) -> Status:
        return self._fire(cmd.handoff_id, Trigger.CLOSE, cmd, reason=cmd.note)

    def record_milestone(self, cmd: c.RecordMilestone) -> None:
        if cmd.milestone not in MILESTONES:
            raise MissingInput(f"one of the follow-ups {', '.join(MILESTONES)}")
        known = {s.id for s in self.playbook.fields}
        unknown = [f for f in cmd.data.get("repeat_asks", ()) if f not in known]
        if unknown:
            raise PacketInvalid({f: "not a field of this playbook" for f in unknown})
        self._change(cmd.handoff_id, lambda h, at: h.record_milestone(
            cmd.milestone, actor=cmd.actor, at=at, **cmd.data))

    def comment(self, cmd: c.AddComment) -> None:
        self._change(cmd.handoff_id, lambda h, at: h.comment(cmd.text, actor=cmd.actor, at=at))

    def reassign_csm(self, cmd: c.ReassignCsm) -> None:
        self._change(cmd.handoff_id, lambda h, at: h.reassign_csm(Person(cmd.csm_email), actor=cmd.actor, at=at))

    def apply_suggestions(self, cmd: c.ApplySuggestions) -> tuple[str, ...]:
        """Save the drafted values the AE kept, and audit every suggestion with its model and prompt."""
        drafted = {f.id for f in self.playbook.fields if f.llm_fill}
        stray = [f for f in cmd.values if f not in drafted]
        if stray:
            raise PacketInvalid({f: "Baton does not draft this field from notes" for f in stray})

        def apply(h: Handoff, at: datetime) -> tuple[str, ...]:
            clean = validate_values(self.playbook, cmd.values, close_date=h.deal.closed_at.date(), current=h.packet)
            changed = h.edit_packet(clean, actor=cmd.actor, at=at) if clean else ()
            h.record_suggestions(cmd.reviewed, model=cmd.model, prompt_version=cmd.prompt_version,
                                 actor=cmd.actor, at=at)
            return changed
        return self._change(cmd.handoff_id, apply)

    def metrics(self, start: datetime, end: datetime, *, by: GroupBy = GroupBy.ALL) -> list[Metrics]:
        """Metrics of the handoffs opened in [start, end), grouped, with the playbook's red flags."""
        with self._uow() as uow:
            facts = uow.handoffs.facts(start, end)
        return compute(facts, by=by, thresholds=self.playbook.thresholds)

    def find(
        self, *, person_email: str | None = None, statuses: Sequence[Status] | None = None,
        text: str | None = None, limit: int = 50,
    ) -> list[Handoff]:
        """Read-only search for status answers and home tabs; commits nothing."""
        with self._uow() as uow:
            return uow.handoffs.find(
                person_email=person_email, statuses=[s.value for s in statuses] if statuses else None,
                text=text, limit=limit,
            )

    def claim_inbound(self, key: str) -> bool:
        """Record an inbound chat event id; False when it was seen before (a platform retry)."""
        with self._uow() as uow:
            fresh = uow.claim_event(key)
            uow.commit()
            return fresh

    def get(self, handoff_id: str) -> Handoff:
        with self._uow() as uow:
            return uow.handoffs.get(handoff_id)

    def _fire(
        self, handoff_id: str, trigger: Trigger, cmd: Any, *, reason: str = "", fields: tuple[str, ...] = (),
    ) -> Status:
        return self._change(
            handoff_id, lambda h, at: h.fire(trigger, actor=cmd.actor, at=at, reason=reason, fields=fields)
        )

    def _change(self, handoff_id: str, change: Callable[[Handoff, datetime], R]) -> R:
        """Load, change, commit; on a lost optimistic-lock race reload and re-check the rules."""
        def attempt() -> R:
            with self._uow() as uow:
                result = change(uow.handoffs.get(handoff_id), self._clock.now())
                uow.commit()
                return result

        return retry_on_conflict(attempt)
