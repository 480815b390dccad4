"""Use cases around nudges: snoozing one. (Recording follow-ups is HandoffService.record_milestone.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core import commands as c
from core.durations import parse_duration
from core.errors import NotPermitted, TransitionNotAllowed
from core.handoff import Handoff
from core.ports import Clock, UnitOfWork
from core.retry import retry_on_conflict
from core.sla import SlaPlanner, may_snooze


class NudgeService:
    def __init__(self, *, planner: SlaPlanner, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._planner = planner
        self._uow = uow
        self._clock = clock

    def snooze(self, cmd: c.SnoozeNudge) -> datetime:
        """Record the snooze on the handoff (the planner reads it back); returns when it ends."""
        def attempt() -> datetime:
            with self._uow() as uow:
                until = self._snooze(uow.handoffs.get(cmd.handoff_id), cmd)
                uow.commit()
                return until

        return retry_on_conflict(attempt)

    def _snooze(self, handoff: Handoff, cmd: c.SnoozeNudge) -> datetime:
        now = self._clock.now()
        timer = next((t for t in self._planner.plan(handoff, lambda _: None)
                      if (t.timer, t.cycle) == (cmd.timer, cmd.cycle)), None)
        if timer is None:
            raise TransitionNotAllowed(handoff.id, handoff.status, f"snooze {cmd.timer.replace('_', ' ')}")
        if not may_snooze(timer, cmd.recipient, actor_id=cmd.actor.id, actor_email=cmd.actor.email):
            raise NotPermitted(cmd.actor.id, "snooze", "only the person a reminder is for can snooze it")
        until = now + parse_duration(self._planner.playbook.nudges.snooze)
        handoff.record_snooze(cmd.timer, cmd.cycle, cmd.recipient, until=until, actor=cmd.actor, at=now)
        return until
