"""The Handoff aggregate: one per deal, changed only through `fire` and a few guarded edits.

Every change appends an audit entry and records a domain event; the unit of work turns the
events into outbox messages in the same transaction as the change itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from core import events as ev
from core.deal import Deal
from core.errors import MissingInput, NotPermitted, PacketIncomplete, TransitionNotAllowed
from core.machine import FINAL, PRE_FLIP, Condition, Party, Status, Trigger, lookup
from core.metrics import HandoffFacts
from core.milestones import Milestones
from core.people import Actor, Person, Role
from core.text import clean

EDITABLE_BY_AE = frozenset({Status.OPENED, Status.DRAFTING, Status.ESCALATED})


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_id: str
    action: str
    from_status: Status
    to_status: Status
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class OverrideRequest:
    requested_by: str
    reason: str
    missing: tuple[str, ...]
    requested_at: datetime
    decided_by: str | None = None
    approved: bool | None = None
    note: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Escalation:
    by: str
    at: datetime
    fields: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ReviewedSuggestion:
    """A value drafted from call notes, and whether the AE kept it (and changed it first)."""

    field_id: str
    quotes: tuple[str, ...]
    accepted: bool
    edited: bool = False
    conflict: bool = False  # the notes supported several values and the AE chose


def is_empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str | list | tuple | dict) and not value)


@dataclass(eq=False)
class Handoff:
    id: str
    deal: Deal
    segment: str
    ae: Person
    csm: Person
    required_fields: tuple[str, ...]
    opened_at: datetime
    status: Status = Status.OPENED
    packet: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    first_submitted_at: datetime | None = None
    submitted_at: datetime | None = None
    submitted_complete: bool | None = None
    accepted_at: datetime | None = None
    ended_at: datetime | None = None
    overrides: list[OverrideRequest] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    milestones: Milestones = field(default_factory=Milestones)
    sla_breaches: list[str] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[ev.Event] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls, *, handoff_id: str, deal: Deal, segment: str, ae: Person, csm: Person,
        required_fields: tuple[str, ...], actor: Actor, at: datetime, packet: Mapping[str, Any] | None = None,
    ) -> Handoff:
        """A new handoff for a closed deal, pre-filled with whatever the CRM already knows."""
        handoff = cls(
            id=handoff_id, deal=deal, segment=segment, ae=ae, csm=csm,
            required_fields=required_fields, opened_at=at,
            packet={k: v for k, v in (packet or {}).items() if not is_empty(v)},
        )
        handoff._log(actor, "open", at, Status.OPENED, {"deal_id": deal.id, "segment": segment})
        handoff._emit(ev.HandoffOpened, actor, at, deal_id=deal.id, segment=segment,
                      ae_email=ae.email, csm_email=csm.email)
        return handoff

    @property
    def owner(self) -> Person:
        """Exactly one owner at any moment: the AE until the CSM accepts, then the CSM."""
        return self.csm if self.status in (Status.ACCEPTED, Status.CLOSED) else self.ae

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def resumed_at(self) -> datetime | None:
        """When the handoff last came back from hold (its packet clock restarts there)."""
        return next((a.at for a in reversed(self.audit) if a.action == Trigger.RESUME.value), None)

    @property
    def pending_override(self) -> OverrideRequest | None:
        last = self.overrides[-1] if self.overrides else None
        return last if last is not None and last.approved is None else None

    def missing_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.required_fields if is_empty(self.packet.get(f)))

    def can_edit(self, actor: Actor) -> bool:
        """The AE edits until the packet goes to the CSM; after the flip only the CSM does."""
        if self.status in EDITABLE_BY_AE:
            return self.ae.matches(actor)
        return self.status is Status.ACCEPTED and self.csm.matches(actor)

    # -- the one way to change state ---------------------------------------------------------

    def check(self, trigger: Trigger, actor: Actor) -> None:
        """Raise what `fire` would about the state and the person, changing nothing: a form
        that asks for a reason (escalate, say) opens only for someone who may then use it."""
        transition = lookup(self.status, trigger)
        if transition is None:
            raise TransitionNotAllowed(self.id, self.status, trigger)
        self._check_party(transition.who, actor, trigger)

    def fire(
        self, trigger: Trigger, *, actor: Actor, at: datetime, reason: str = "",
        fields: tuple[str, ...] = (),
    ) -> Status:
        """Take the transition `trigger` names, if its guard lets `actor` do it now."""
        transition = lookup(self.status, trigger)
        if transition is None:
            raise TransitionNotAllowed(self.id, self.status, trigger)
        self._check_party(transition.who, actor, trigger)
        self._check_condition(transition.when, actor, trigger)
        before = self.status
        detail = _EFFECTS[trigger](self, actor, at, clean(reason).strip(), fields)
        self.status = transition.target
        self._log(actor, trigger.value, at, before, detail)
        self._emit_for(trigger, actor, at, before, detail)
        return self.status

    def _check_party(self, who: Party, actor: Actor, trigger: Trigger) -> None:
        is_mgr = actor.is_manager
        allowed = {
            Party.AE: self.ae.matches(actor),
            Party.CSM: self.csm.matches(actor),
            Party.MANAGER: is_mgr,
            Party.OWNER_OR_MANAGER: self.owner.matches(actor) or is_mgr,
            Party.MANAGER_OR_SYSTEM: is_mgr or bool(actor.roles & {Role.REVOPS, Role.SYSTEM}),
        }[who]
        if not allowed:
            raise NotPermitted(actor.id, trigger.value, f"only {who.value} can do that")

    def _check_condition(self, when: Condition, actor: Actor, trigger: Trigger) -> None:
        if when is Condition.PACKET_COMPLETE and self.missing_fields():
            raise PacketIncomplete(self.missing_fields())
        if when is Condition.PACKET_INCOMPLETE and not self.missing_fields():
            raise NotPermitted(actor.id, trigger.value, "the packet is complete; submit it instead")
        if when is Condition.NOT_THE_REQUESTER:
            request = self.pending_override
            if request is not None and request.requested_by == actor.id:
                raise NotPermitted(actor.id, trigger.value, "nobody decides their own request")
            if self.ae.matches(actor):
                raise NotPermitted(actor.id, trigger.value, "the deal's AE cannot approve their own handoff")

    # -- effects of each trigger, applied after the guards pass -------------------------------

    def _start_draft(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        return {}

    def _submit(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        return self._mark_submitted(at, overridden=False)

    def _mark_submitted(self, at: datetime, *, overridden: bool) -> dict[str, Any]:
        resubmission = self.first_submitted_at is not None
        if not resubmission:
            self.first_submitted_at = at
            self.submitted_complete = not overridden
        self.submitted_at = at
        return {"complete": not self.missing_fields(), "overridden": overridden, "resubmission": resubmission}

    def _request_override(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        if not reason:
            raise MissingInput("a reason for the exception")
        missing = self.missing_fields()
        self.overrides.append(OverrideRequest(actor.id, reason, missing, at))
        return {"reason": reason, "missing": list(missing)}

    def _decide(self, actor: Actor, at: datetime, note: str, approved: bool) -> dict[str, Any]:
        request = self.pending_override
        assert request is not None, "override_requested always has a pending request"
        request.decided_by, request.approved, request.note, request.decided_at = actor.id, approved, note, at
        return {"note": note, "approved": approved, "missing": list(request.missing)}

    def _approve(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        detail = self._decide(actor, at, reason, approved=True)
        return detail | self._mark_submitted(at, overridden=True)

    def _deny(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        return self._decide(actor, at, reason, approved=False)

    def _accept(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        self.accepted_at = at
        return {"from": self.ae.email, "to": self.csm.email}

    def _escalate(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        if not reason and not fields:
            raise MissingInput("what is missing or wrong")
        self.escalations.append(Escalation(actor.id, at, tuple(fields), reason))
        return {"fields": list(fields), "reason": reason}

    def _hold(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        # A question to managers about a deal that is no longer closed is moot; it is withdrawn.
        request = self.pending_override
        if request is not None:
            request.decided_by, request.approved, request.decided_at = actor.id, False, at
            request.note = "withdrawn: the deal left the trigger stage"
        return {"reason": reason, "stage": fields[0] if fields else ""}

    def _resume(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        return {"stage": fields[0] if fields else "", "packet_fields": len(self.packet)}

    def _end(self, actor: Actor, at: datetime, reason: str, fields: tuple[str, ...]) -> dict[str, Any]:
        self.ended_at = at
        return {"reason": reason}

    # -- edits that are not transitions ---------------------------------------------------------

    def edit_packet(self, values: Mapping[str, Any], *, actor: Actor, at: datetime) -> tuple[str, ...]:
        """Save draft values (already validated); returns the ids that actually changed."""
        if not self.can_edit(actor):
            raise NotPermitted(actor.id, "edit the packet", self._why_no_edit())
        changed = tuple(k for k, v in values.items() if self.packet.get(k) != (None if is_empty(v) else v))
        if not changed:
            return ()
        if self.status is Status.OPENED:
            self.fire(Trigger.START_DRAFT, actor=actor, at=at)
        for key in changed:
            value = values[key]
            if is_empty(value):
                self.packet.pop(key, None)
            else:
                self.packet[key] = value
        self._log(actor, "edit_packet", at, self.status, {"fields": list(changed)})
        self._emit(ev.PacketEdited, actor, at, fields=changed)
        return changed

    def _why_no_edit(self) -> str:
        if self.status in (Status.SUBMITTED, Status.OVERRIDE_REQUESTED):
            return "the packet is waiting on a decision; it opens again if it is sent back"
        if self.status in (Status.ACCEPTED, Status.CLOSED):
            return "ownership has moved to the CSM; the AE can still read and comment"
        if self.status is Status.CANCELLED:
            return "the handoff was cancelled"
        if self.status is Status.ON_HOLD:
            return "the deal left the trigger stage; the handoff is on hold until it closes again"
        return "only the deal's AE edits the packet before the handoff"

    def reassign_csm(self, csm: Person, *, actor: Actor, at: datetime) -> None:
        """Managers move a handoff to another CSM while it has not been accepted."""
        if not actor.is_manager:
            raise NotPermitted(actor.id, "reassign the CSM", "only a sales or CS manager can do that")
        if self.status not in PRE_FLIP:
            raise TransitionNotAllowed(self.id, self.status, "reassign_csm")
        previous, self.csm = self.csm, csm
        self._log(actor, "reassign_csm", at, self.status, {"from": previous.email, "to": csm.email})
        self._emit(ev.CsmReassigned, actor, at, from_email=previous.email, to_email=csm.email)

    def comment(self, text: str, *, actor: Actor, at: datetime) -> None:
        """Anyone on the handoff, or a manager, may comment at any time; that is the read-only right."""
        if not text.strip():
            raise MissingInput("the comment text")
        if not (self.ae.matches(actor) or self.csm.matches(actor) or actor.is_manager):
            raise NotPermitted(actor.id, "comment", "only the AE, the CSM or a manager can comment")
        self._log(actor, "comment", at, self.status, {"text": text.strip()})
        self._emit(ev.CommentAdded, actor, at, text=text.strip())

    def record_milestone(self, milestone: str, *, actor: Actor, at: datetime, **data: Any) -> None:
        """Post-flip follow-ups (first touch, kickoff, feedback, check-in), by the CSM who owns it."""
        if self.status is not Status.ACCEPTED:
            raise TransitionNotAllowed(self.id, self.status, f"record {milestone}")
        if not self.csm.matches(actor):
            raise NotPermitted(actor.id, f"record {milestone}", "only the assigned CSM records follow-ups")
        detail = self.milestones.record(milestone, at=at, **data)
        self._log(actor, f"milestone:{milestone}", at, self.status, detail)
        self._emit(ev.MilestoneRecorded, actor, at, milestone=milestone)

    def record_sla_breach(self, timer: str, *, at: datetime) -> None:
        """A missed due time is an event on the handoff, never a state."""
        actor = Actor.system("sla")
        self.sla_breaches.append(timer)
        self._log(actor, "sla_breach", at, self.status, {"timer": timer})
        self._emit(ev.SlaBreached, actor, at, timer=timer)

    def record_crm(self, action: str, detail: dict[str, Any], *, actor: Actor, at: datetime, tell: str = "") -> None:
        """What the CRM adapters learned or did (the records linked, the owner written or not):
        on the trail, and when `tell` says something, a notice for RevOps."""
        self._log(actor, action, at, self.status, detail)
        if tell:
            self._emit(ev.CrmNoted, actor, at, action=action, message=tell)

    def record_snooze(self, timer: str, cycle: str, recipient: str, *, until: datetime, actor: Actor,
                      at: datetime) -> None:
        """A nudge put off by the person it was for: on the trail, and read back by the SLA planner."""
        detail = {"timer": timer, "cycle": cycle, "recipient": recipient, "until": until.isoformat()}
        self._log(actor, "snooze", at, self.status, detail)
        self._emit(ev.NudgeSnoozed, actor, at, timer=timer, cycle=cycle, recipient=recipient,
                   until=until.isoformat())

    def record_suggestions(
        self, reviewed: Sequence[ReviewedSuggestion], *, model: str, prompt_version: str, actor: Actor,
        at: datetime,
    ) -> None:
        """Audit what the AE did with drafted values: each one's quotes and fate, the model and prompt."""
        if not self.can_edit(actor):
            raise NotPermitted(actor.id, "use values drafted from notes", self._why_no_edit())
        detail = {"model": model, "prompt_version": prompt_version,
                  "suggestions": [asdict(r) | {"quotes": list(r.quotes)} for r in reviewed]}
        self._log(actor, "suggestions_reviewed", at, self.status, detail)
        self._emit(ev.SuggestionsReviewed, actor, at, model=model, prompt_version=prompt_version,
                   accepted=tuple(r.field_id for r in reviewed if r.accepted),
                   rejected=tuple(r.field_id for r in reviewed if not r.accepted))

    # -- bookkeeping ----------------------------------------------------------------------------

    def _log(self, actor: Actor, action: str, at: datetime, before: Status, detail: dict[str, Any]) -> None:
        seq = self.audit[-1].seq + 1 if self.audit else 1
        self.audit.append(AuditEntry(seq, at, actor.id, action, before, self.status, detail))

    def _emit(self, kind: type[ev.Event], actor: Actor, at: datetime, **data: Any) -> None:
        seq = self.audit[-1].seq
        self.events.append(kind(handoff_id=self.id, seq=seq, at=at, actor_id=actor.id, **data))

    def _emit_for(self, trigger: Trigger, actor: Actor, at: datetime, before: Status, detail: dict[str, Any]) -> None:
        if trigger is Trigger.SUBMIT:
            self._emit(ev.PacketSubmitted, actor, at, complete=True, overridden=False,
                       resubmission=detail["resubmission"])
        elif trigger is Trigger.REQUEST_OVERRIDE:
            self._emit(ev.OverrideRequested, actor, at, reason=detail["reason"], missing=tuple(detail["missing"]))
        elif trigger is Trigger.APPROVE_OVERRIDE:
            self._emit(ev.OverrideApproved, actor, at, note=detail["note"])
            self._emit(ev.PacketSubmitted, actor, at, complete=False, overridden=True,
                       resubmission=detail["resubmission"])
        elif trigger is Trigger.DENY_OVERRIDE:
            self._emit(ev.OverrideDenied, actor, at, note=detail["note"])
        elif trigger is Trigger.ACCEPT:
            self._emit(ev.OwnershipFlipped, actor, at, from_email=self.ae.email, to_email=self.csm.email)
        elif trigger is Trigger.ESCALATE:
            self._emit(ev.HandoffEscalated, actor, at, fields=tuple(detail["fields"]), reason=detail["reason"])
        elif trigger is Trigger.CLOSE:
            self._emit(ev.HandoffClosed, actor, at, note=detail["reason"])
        elif trigger is Trigger.CANCEL:
            self._emit(ev.HandoffCancelled, actor, at, reason=detail["reason"])
        elif trigger is Trigger.HOLD:
            self._emit(ev.HandoffPutOnHold, actor, at, stage=detail["stage"], reason=detail["reason"])
        elif trigger is Trigger.RESUME:
            self._emit(ev.HandoffResumed, actor, at, stage=detail["stage"])


_EFFECTS = {
    Trigger.START_DRAFT: Handoff._start_draft,
    Trigger.SUBMIT: Handoff._submit,
    Trigger.REQUEST_OVERRIDE: Handoff._request_override,
    Trigger.APPROVE_OVERRIDE: Handoff._approve,
    Trigger.DENY_OVERRIDE: Handoff._deny,
    Trigger.ACCEPT: Handoff._accept,
    Trigger.ESCALATE: Handoff._escalate,
    Trigger.CLOSE: Handoff._end,
    Trigger.CANCEL: Handoff._end,
    Trigger.HOLD: Handoff._hold,
    Trigger.RESUME: Handoff._resume,
}
assert set(_EFFECTS) == set(Trigger), "every trigger needs an effect"


def facts_of(handoff: Handoff) -> HandoffFacts:
    """Project a handoff onto the numbers metrics use (storage does the same in SQL)."""
    return HandoffFacts(
        handoff_id=handoff.id, segment=handoff.segment, ae_email=handoff.ae.email.lower(),
        csm_email=handoff.csm.email.lower(), closed_at=handoff.deal.closed_at, opened_at=handoff.opened_at,
        first_submitted_at=handoff.first_submitted_at, submitted_complete=handoff.submitted_complete,
        overridden=any(o.approved for o in handoff.overrides), accepted_at=handoff.accepted_at,
        first_touch_at=handoff.milestones.first_touch_at, escalations=len(handoff.escalations),
        sla_breaches=len(handoff.sla_breaches), rating=handoff.milestones.rating,
        repeat_asks=len(handoff.milestones.repeat_asks),
    )
