"""The SLA sweep: one transaction that claims what is due, decides, and writes the nudges.

In that one transaction it
1. claims the clocks whose due time passed and records each breach on its handoff (once: the
   claim flips the clock to `overdue`);
2. claims the due ladder steps (and the same people's steps due within `digest_window`);
3. re-plans those handoffs (core/sla.py) and checks every claimed step against the plan: a
   stopped timer's step is cancelled, a moved one rescheduled, superseded ones skipped (the
   queue itself is replanned by the transactions that change handoffs, see `planning_hook`);
4. groups what goes out per person into one digest, spends one unit of their daily budget
   (or holds the digest until their next working morning), and writes one outbox message per
   nudge, keyed (handoff, timer, cycle, step, recipient);
5. commits. Nothing is sent from here: the outbox dispatcher delivers after the commit.

A sweep killed before step 5 leaves everything as it was, and two sweeps never take the same
row, so each nudge reaches the outbox exactly once. `sweep(now)` takes the time as an argument,
so tests drive it with any clock and never sleep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.durations import parse_duration
from core.handoff import Handoff
from core.nudging import Outcome, digests, local_day, next_day_open, nudge_events, settle
from core.retry import retry_on_conflict
from core.sla import SlaPlanner, Timer
from storage.outbox import CHAT_ONLY, Routes, enqueue
from storage.repository import SqlHandoffRepository
from storage.tables import HANDOFFS
from storage.timers import TimerStore, TimeZoneBook
from storage.uow import SqlUnitOfWork, sql_uow_factory


@dataclass
class SweepReport:
    claimed: int = 0
    fired: int = 0
    skipped: int = 0
    cancelled: int = 0
    rescheduled: int = 0
    held: int = 0  # over a daily budget, moved to the person's next morning
    messages: int = 0  # Slack messages the nudges make (one per digest)
    breaches: int = 0

    def add(self, other: SweepReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def people_of(handoff: Handoff, planner: SlaPlanner) -> set[str]:
    """Everyone a handoff's timers may nudge, whose time zones the plan needs."""
    roles = planner.playbook.roles
    return {handoff.ae.email, handoff.csm.email, *roles.sales_managers, *roles.cs_managers, *roles.revops}


def plan_with_zones(session: Session, planner: SlaPlanner, handoffs: Iterable[Handoff]) -> dict[str, list[Timer]]:
    handoffs = list(handoffs)
    people = set().union(*(people_of(h, planner) for h in handoffs)) if handoffs else set()
    zones = TimeZoneBook(session).of(people)
    return {h.id: planner.plan(h, lambda who: zones.get(who.lower())) for h in handoffs}


def planning_hook(planner: SlaPlanner) -> Callable[[Session, Handoff, datetime], None]:
    """For the unit of work: replan a handoff's timers in the transaction that changed it."""

    def replan(session: Session, handoff: Handoff, now: datetime) -> None:
        TimerStore(session).sync(plan_with_zones(session, planner, [handoff]), now)

    return replan


class SlaSweeper:
    def __init__(
        self, *, engine: Engine, planner: SlaPlanner, batch: int = 500,
        before_commit: Callable[[SweepReport], None] | None = None, routes: Routes = CHAT_ONLY,
    ) -> None:
        self._planner = planner
        self._uow = sql_uow_factory(engine, after_save=[planning_hook(planner)], routes=routes)
        self._batch = batch
        self._before_commit = before_commit  # tests stop a sweep here, between claim and commit

    @property
    def unit_of_work(self) -> Callable[[], SqlUnitOfWork]:
        return self._uow

    def sweep(self, now: datetime) -> SweepReport:
        """One batch; a lost optimistic-lock race (someone changed a handoff) rolls back and retries."""
        return retry_on_conflict(lambda: self._once(now))

    def run(self, now: datetime, *, max_batches: int = 50) -> SweepReport:
        """Sweep batch after batch until nothing more is due (what the scheduler calls)."""
        total = SweepReport()
        for _ in range(max_batches):
            report = self.sweep(now)
            total.add(report)
            if report.claimed < self._batch:
                break
        return total

    def _once(self, now: datetime) -> SweepReport:
        nudges = self._planner.playbook.nudges
        report = SweepReport()
        with self._uow() as uow:
            session = uow.session
            store = TimerStore(session)
            clocks = store.claim_overdue_clocks(now, self._batch)
            rows = store.claim_due(now, self._batch)
            horizon = now + parse_duration(nudges.digest_window)
            if rows:
                early = store.claim_upcoming({r.recipient for r in rows}, horizon, self._batch)
                rows += early
            report.claimed = len(rows)
            repo = uow.handoffs
            assert isinstance(repo, SqlHandoffRepository)
            handoffs = {h.id: h for h in repo.get_many([c.handoff_id for c in clocks] + [r.handoff_id for r in rows])}
            plans = plan_with_zones(session, self._planner, handoffs.values())

            breached, stale = [], []
            for clock in clocks:
                running = next((t for t in plans.get(clock.handoff_id, ()) if (t.timer, t.cycle) == (clock.timer, clock.cycle)),
                               None)
                if running is None or running.due_at > now:
                    stale.append(clock.id)
                elif not running.prompt:
                    handoffs[clock.handoff_id].record_sla_breach(clock.timer, at=now)
                    breached.append(clock.id)
            store.mark_breached(breached, now)
            store.stop_clocks(stale, now)
            report.breaches = len(breached)

            decisions = settle(rows, plans, now, horizon=horizon)
            held: dict[int, datetime] = {}
            events = []
            zones = TimeZoneBook(session).of(r.recipient for r in rows)
            for digest in digests([d for d in decisions if d.outcome is Outcome.FIRE], now):
                where = self._planner.zone_of(digest.recipient, lambda who: zones.get(who.lower()))
                channel = digest.recipient.startswith("#")  # a channel is not a person to spare
                if channel or store.spend(digest.recipient, local_day(now, where), nudges.daily_budget, now):
                    events += nudge_events(digest, now)
                    report.messages += 1
                else:
                    later = next_day_open(now, self._planner.calendar, where)
                    held.update({d.row.id: later for d in digest.items})
            store.settle(decisions, now, held=held)
            enqueue(session, events, now=now)
            for d in decisions:
                if d.row.id in held:
                    report.held += 1
                else:
                    name = {Outcome.FIRE: "fired", Outcome.SKIP: "skipped", Outcome.CANCEL: "cancelled",
                            Outcome.RESCHEDULE: "rescheduled"}[d.outcome]
                    setattr(report, name, getattr(report, name) + 1)
            if self._before_commit is not None:
                self._before_commit(report)
            uow.commit()
        return report


def replan_all(
    uow: Callable[[], SqlUnitOfWork], planner: SlaPlanner, now: datetime, *, statuses: list[str], chunk: int = 500,
) -> int:
    """Replan every handoff in these states, a chunk per transaction; returns how many."""
    done, after = 0, ""
    while True:
        with uow() as unit:
            ids = list(unit.session.execute(
                select(HANDOFFS.c.id).where(HANDOFFS.c.status.in_(statuses), HANDOFFS.c.id > after)
                .order_by(HANDOFFS.c.id).limit(chunk)
            ).scalars())
            if not ids:
                return done
            repo = unit.handoffs
            assert isinstance(repo, SqlHandoffRepository)
            TimerStore(unit.session).sync(plan_with_zones(unit.session, planner, repo.get_many(ids)), now)
            unit.commit()
        done, after = done + len(ids), ids[-1]
