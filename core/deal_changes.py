"""A deal that changes its mind: what a stage change from the CRM does to its handoff.

The trigger stage opens the handoff (or resumes the one put on hold, packet intact); any other
stage before acceptance puts it on hold, or cancels it when the playbook says so, with a note
where the handoff lives. After acceptance the CRM's stage no longer moves the handoff: ownership
has flipped and the CSM owns the account whatever the pipeline says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from core import commands as c
from core.handoff import Handoff
from core.machine import PRE_FLIP, Status, Trigger
from core.people import Actor
from core.ports import Clock, UnitOfWork
from core.retry import retry_on_conflict
from core.services import HandoffService
from core.stages import matches


class Outcome(StrEnum):
    OPENED = "opened"
    EXISTING = "existing"
    RESUMED = "resumed"
    HELD = "held"
    CANCELLED = "cancelled"
    IGNORED = "ignored"


@dataclass(frozen=True)
class StageChange:
    """What Baton did with one stage change, for the webhook's answer."""

    outcome: Outcome
    handoff_id: str | None = None
    note: str = ""
    ignored_fields: dict[str, str] = field(default_factory=dict)

    @property
    def created(self) -> bool:
        return self.outcome is Outcome.OPENED


class DealChanges:
    """Applies CRM stage changes to handoffs; every adapter (deal webhook, HubSpot, Salesforce) uses it."""

    def __init__(self, *, service: HandoffService, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._service = service
        self._uow = uow
        self._clock = clock

    def stage_changed(self, cmd: c.OpenHandoff) -> StageChange:
        deal, playbook = cmd.deal, self._service.playbook
        if matches(deal.stage, playbook.trigger_stages):
            resumed = self._move(deal.id, deal.stage, resume=True, actor=cmd.actor)
            if resumed is not None:
                return resumed
            opened = self._service.open_handoff(cmd)
            outcome = Outcome.OPENED if opened.created else Outcome.EXISTING
            return StageChange(outcome, opened.handoff_id, ignored_fields=opened.ignored_fields)
        moved = self._move(deal.id, deal.stage, resume=False, actor=cmd.actor)
        if moved is not None:
            return moved
        wanted = " or ".join(repr(s) for s in playbook.trigger_stages)
        return StageChange(Outcome.IGNORED, note=f"stage {deal.stage!r} is not {wanted}")

    def has_handoff(self, deal_id: str) -> bool:
        with self._uow() as uow:
            return uow.handoffs.get_by_deal(deal_id) is not None

    def left_stage(self, deal_id: str, stage: str, *, actor: Actor) -> StageChange:
        """A stage that is not the trigger, known only by the deal's id (HubSpot, Salesforce)."""
        return self._move(deal_id, stage, resume=False, actor=actor) or StageChange(
            Outcome.IGNORED, note=f"no handoff for deal {deal_id}")

    def _move(self, deal_id: str, stage: str, *, resume: bool, actor: Actor) -> StageChange | None:
        """Hold, cancel or resume the deal's handoff; None when there is nothing to move."""
        def attempt() -> StageChange | None:
            with self._uow() as uow:
                handoff = uow.handoffs.get_by_deal(deal_id)
                if handoff is None:
                    return None
                result = self._decide(handoff, stage, resume=resume, actor=actor)
                uow.commit()
                return result

        return retry_on_conflict(attempt)

    def _decide(self, handoff: Handoff, stage: str, *, resume: bool, actor: Actor) -> StageChange | None:
        at = self._clock.now()
        if resume:
            if handoff.status is not Status.ON_HOLD:
                return None
            handoff.fire(Trigger.RESUME, actor=actor, at=at, fields=(stage,))
            return StageChange(Outcome.RESUMED, handoff.id, note=f"the deal is {stage!r} again")
        if handoff.status not in PRE_FLIP:
            return StageChange(Outcome.IGNORED, handoff.id,
                               note=f"the handoff is {handoff.status.value}; the stage no longer moves it")
        if handoff.status is Status.ON_HOLD:
            return StageChange(Outcome.HELD, handoff.id, note="already on hold")
        note = f"The deal moved to {stage!r} before the CSM accepted."
        if self._service.playbook.deal_left_stage == "cancel":
            handoff.fire(Trigger.CANCEL, actor=actor, at=at, reason=note)
            return StageChange(Outcome.CANCELLED, handoff.id, note=note)
        handoff.fire(Trigger.HOLD, actor=actor, at=at, reason=note, fields=(stage,))
        return StageChange(Outcome.HELD, handoff.id, note=note)
