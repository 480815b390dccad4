"""The SLA side of Baton, assembled: planner, sweep, snoozes and the queries chat answers need.

Built once by the composition root (bot/bootstrap.py); the scheduler (bot/scheduler.py) calls
`sweep` and `enqueue_weekly_digest`, the Slack adapter calls the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.events import WeeklyDigestDue
from core.handoff import Handoff
from core.machine import FINAL, Status
from core.nudge_service import NudgeService
from core.playbook import Playbook
from core.ports import Clock
from core.sla import SlaPlanner, Timer
from storage.outbox import CHAT_ONLY, Routes, enqueue
from storage.repository import SqlHandoffRepository
from storage.sweep import SlaSweeper, SweepReport, plan_with_zones, replan_all
from storage.tables import OUTBOX
from storage.timers import OverdueClock, TimerStore, TimeZoneBook

WEEKLY_DIGEST = "_weekly_digest"  # pseudo handoff id of the weekly digest's outbox messages
UNFINISHED = [s for s in Status if s not in FINAL]


@dataclass
class SlaRuntime:
    engine: Engine
    playbook: Playbook
    planner: SlaPlanner
    sweeper: SlaSweeper
    nudges: NudgeService
    clock: Clock

    @classmethod
    def build(
        cls, *, engine: Engine, playbook: Playbook, clock: Clock, batch: int = 500, routes: Routes = CHAT_ONLY,
    ) -> SlaRuntime:
        planner = SlaPlanner(playbook)
        sweeper = SlaSweeper(engine=engine, planner=planner, batch=batch, routes=routes)
        nudges = NudgeService(planner=planner, uow=sweeper.unit_of_work, clock=clock)
        return cls(engine=engine, playbook=playbook, planner=planner, sweeper=sweeper, nudges=nudges, clock=clock)

    def sweep(self, now: datetime | None = None) -> SweepReport:
        return self.sweeper.run(now or self.clock.now())

    def plan(self, handoff: Handoff) -> list[Timer]:
        """The timers running on a handoff now, with everyone's known time zones."""
        with Session(self.engine) as session:
            return plan_with_zones(session, self.planner, [handoff])[handoff.id]

    def learn_timezone(self, person: str, timezone: str) -> bool:
        """Remember someone's zone from their chat profile; replan their handoffs when it is news."""
        now = self.clock.now()
        with Session(self.engine) as session, session.begin():
            changed = TimeZoneBook(session).set(person, timezone, now)
        if changed:
            with self.sweeper.unit_of_work() as uow:
                handoffs = uow.handoffs.find(person_email=person, statuses=[s.value for s in UNFINISHED], limit=500)
                TimerStore(uow.session).sync(plan_with_zones(uow.session, self.planner, handoffs), now)
                uow.commit()
        return changed

    def reconcile(self) -> int:
        """Replan every unfinished handoff (at start: after an upgrade or an app.yaml change)."""
        return replan_all(self.sweeper.unit_of_work, self.planner, self.clock.now(),
                          statuses=[s.value for s in UNFINISHED])

    def overdue(self, *, limit: int = 500) -> list[OverdueClock]:
        with Session(self.engine) as session:
            return TimerStore(session).overdue(self.clock.now(), limit=limit)

    def handoffs(self, ids: list[str]) -> dict[str, Handoff]:
        with self.sweeper.unit_of_work() as uow:
            repo = uow.handoffs
            assert isinstance(repo, SqlHandoffRepository)
            return {h.id: h for h in repo.get_many(ids)}

    def enqueue_weekly_digest(self, now: datetime | None = None, *, days: int = 7) -> bool:
        """Queue the managers' digest for the week ending now; once per day however many replicas ask."""
        end = now or self.clock.now()
        event = WeeklyDigestDue(
            handoff_id=WEEKLY_DIGEST, seq=0, at=end, actor_id="system:sla",
            period_start=(end - timedelta(days=days)).isoformat(), period_end=end.astimezone(UTC).date().isoformat(),
        )
        with Session(self.engine) as session, session.begin():
            before = _count(session, event.key)
            enqueue(session, [event], now=end)
            TimerStore(session).prune_budget((end.date() - timedelta(days=7)).isoformat())
            return before == 0


def _count(session: Session, key: str) -> int:
    return int(session.execute(select(func.count()).select_from(OUTBOX).where(OUTBOX.c.idempotency_key == key))
               .scalar_one())


def period_of(event: WeeklyDigestDue) -> tuple[datetime, datetime]:
    """[start, end) of a weekly digest: end is the moment it was queued."""
    return datetime.fromisoformat(event.period_start), event.at
