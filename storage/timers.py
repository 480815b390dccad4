"""The SLA timer queue in SQL: keep it in step with the plans, and let sweeps claim due rows.

`sync` writes a handoff's plan (core/sla.py) into `sla_clocks` and `sla_timers`: new steps are
inserted, steps the plan dropped are cancelled, moved ones get their new time; fired and
skipped steps are history and never touched. The unit of work calls it in the transaction that
changes the handoff, so the queue can never say a timer runs when the handoff says it stopped.

Claims are atomic on both databases: PostgreSQL locks the due rows it picks and skips rows
another sweep holds (`FOR UPDATE SKIP LOCKED`); SQLite, whose reads take no locks, claims by a
conditional UPDATE (`... AND status = 'pending'`) and keeps only the rows it RETURNs. A claim is
only the status `claimed` inside the sweep's transaction: if the process dies before it
commits, the rows were never anything but pending.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.nudging import Claimed, Decision, Outcome
from core.sla import Timer
from storage.dialects import dialect_of, insert_ignore
from storage.tables import NUDGE_BUDGET, PERSON_TIMEZONES, SLA_CLOCKS, SLA_TIMERS

T, K = SLA_TIMERS.c, SLA_CLOCKS.c
REVIVABLE = ("pending", "cancelled")  # a step the plan may (re)schedule; fired/skipped are history
LIVE_CLOCKS = ("running", "overdue")
StepKey = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class OverdueClock:
    """A timer cycle whose due time passed while it was still running."""

    id: int
    handoff_id: str
    timer: str
    cycle: str
    side: str
    holders: tuple[str, ...]
    due_at: datetime
    prompt: bool
    high_touch: bool


class TimerStore:
    """Reads and writes of the timer tables on the caller's session (and transaction)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    # -- planning --------------------------------------------------------------------------

    def sync(self, plans: Mapping[str, Sequence[Timer]], now: datetime) -> None:
        """Make the queue say what these handoffs' plans say (handoff id -> running timers)."""
        if not plans:
            return
        ids = list(plans)
        self._sync_clocks(ids, [t for timers in plans.values() for t in timers], now)
        self._sync_steps(ids, [t for timers in plans.values() for t in timers], now)

    def _sync_clocks(self, ids: list[str], timers: list[Timer], now: datetime) -> None:
        wanted = {(t.handoff_id, t.timer, t.cycle): t for t in timers}
        rows = self._s.execute(self._locking(
            select(K.id, K.handoff_id, K.timer, K.cycle, K.status, K.due_at, K.breached_at).where(K.handoff_id.in_(ids))
        )).all()
        seen = set()
        for row in rows:
            key = (row.handoff_id, row.timer, row.cycle)
            seen.add(key)
            timer = wanted.get(key)
            if timer is None:
                if row.status in LIVE_CLOCKS:
                    self._set_clock(row.id, status="stopped", stopped_at=now, updated_at=now)
                continue
            status = "overdue" if row.breached_at is not None or (row.status == "overdue" and timer.due_at <= now) \
                else "running"
            if row.status != status or row.due_at != timer.due_at:
                self._set_clock(row.id, status=status, due_at=timer.due_at, stopped_at=None, updated_at=now)
        fresh = [
            {"handoff_id": t.handoff_id, "timer": t.timer, "cycle": t.cycle, "side": t.side.value,
             "holders": list(t.holders), "prompt": t.prompt, "high_touch": t.high_touch, "started_at": t.started_at,
             "due_at": t.due_at, "status": "running", "created_at": now, "updated_at": now}
            for key, t in wanted.items() if key not in seen
        ]
        insert_ignore(self._s, SLA_CLOCKS, fresh, ["handoff_id", "timer", "cycle"])

    def _set_clock(self, clock_id: int, **values: Any) -> None:
        self._s.execute(update(SLA_CLOCKS).where(K.id == clock_id).values(**values))

    def _sync_steps(self, ids: list[str], timers: list[Timer], now: datetime) -> None:
        wanted = {(t.handoff_id, t.timer, t.cycle, s.name, s.recipient): (t, s) for t in timers for s in t.steps}
        rows = self._s.execute(self._locking(
            select(T.id, T.handoff_id, T.timer, T.cycle, T.step, T.recipient, T.status, T.fire_at, T.held_until)
            .where(T.handoff_id.in_(ids))
        )).all()
        seen: set[StepKey] = set()
        for row in rows:
            key = (row.handoff_id, row.timer, row.cycle, row.step, row.recipient)
            seen.add(key)
            if row.status not in REVIVABLE:
                continue  # history, or claimed by a sweep in flight: the sweep decides those
            found = wanted.get(key)
            if found is None:
                if row.status == "pending":
                    self._set_step(row.id, status="cancelled", note="the timer stopped or changed", updated_at=now)
                continue
            fire_at = max(found[1].fire_at, row.held_until or found[1].fire_at)
            if row.status != "pending" or row.fire_at != fire_at:
                self._set_step(row.id, status="pending", fire_at=fire_at, note=None, updated_at=now)
        fresh = [
            {"handoff_id": t.handoff_id, "timer": t.timer, "cycle": t.cycle, "step": s.name, "recipient": s.recipient,
             "rank": s.rank, "escalation": s.escalation, "fire_at": s.fire_at, "status": "pending",
             "created_at": now, "updated_at": now}
            for key, (t, s) in wanted.items() if key not in seen
        ]
        insert_ignore(self._s, SLA_TIMERS, fresh, ["handoff_id", "timer", "cycle", "step", "recipient"])

    def _locking(self, query: Select[Any]) -> Select[Any]:
        """On PostgreSQL, skip rows a sweep holds: it settles those against the plan itself, and
        waiting for it could deadlock (it may be waiting for this handoff's row to record a breach)."""
        return query.with_for_update(skip_locked=True) if dialect_of(self._s) == "postgresql" else query

    def _set_step(self, row_id: int, **values: Any) -> None:
        self._s.execute(update(SLA_TIMERS).where(T.id == row_id).values(**values))

    # -- the sweep ---------------------------------------------------------------------------

    def claim_due(self, now: datetime, limit: int) -> list[Claimed]:
        """Take up to `limit` pending steps due by `now`, oldest first."""
        due = select(T.id).where(T.status == "pending", T.fire_at <= now).order_by(T.fire_at, T.id).limit(limit)
        return self._claim(due)

    def claim_upcoming(self, recipients: Iterable[str], until: datetime, limit: int) -> list[Claimed]:
        """Also take these people's steps due by `until`, to send them in the same digest."""
        people = sorted(set(recipients))
        if not people:
            return []
        soon = (
            select(T.id).where(T.recipient.in_(people), T.status == "pending", T.fire_at <= until)
            .order_by(T.fire_at, T.id).limit(limit)
        )
        return self._claim(soon)

    def _claim(self, candidates: Select[Any]) -> list[Claimed]:
        if dialect_of(self._s) == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
            chosen: Any = candidates.scalar_subquery()
        else:
            chosen = [row_id for (row_id,) in self._s.execute(candidates)]
            if not chosen:
                return []
        stmt = (
            update(SLA_TIMERS).where(T.id.in_(chosen), T.status == "pending").values(status="claimed")
            .returning(T.id, T.handoff_id, T.timer, T.cycle, T.step, T.recipient, T.fire_at)
        )
        return [
            Claimed(id=r.id, handoff_id=r.handoff_id, timer=r.timer, cycle=r.cycle, step=r.step,
                    recipient=r.recipient, fire_at=r.fire_at)
            for r in self._s.execute(stmt)
        ]

    def settle(self, decisions: Iterable[Decision], now: datetime, *, held: Mapping[int, datetime]) -> None:
        """Write each claimed step's outcome; `held` maps rows over budget to their new time.

        Rows with the same outcome are written by one statement, so a sweep of a thousand steps
        costs a handful of round trips, not a thousand.
        """
        same: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        moved: list[dict[str, Any]] = []
        for d in decisions:
            if d.row.id in held:
                moved.append({"rid": d.row.id, "at": held[d.row.id], "hold": held[d.row.id],
                              "why": "over the daily budget"})
            elif d.outcome is Outcome.RESCHEDULE:
                moved.append({"rid": d.row.id, "at": d.fire_at, "hold": None, "why": d.note})
            else:
                same[(d.outcome.value, d.note or None)].append(d.row.id)
        for (status, note), ids in same.items():
            fired = {"fired_at": now} if status == Outcome.FIRE.value else {}
            self._s.execute(update(SLA_TIMERS).where(T.id.in_(ids)).values(status=status, note=note, updated_at=now,
                                                                           **fired))
        if moved:
            stmt = (
                update(SLA_TIMERS).where(T.id == bindparam("rid"))
                .values(status="pending", fire_at=bindparam("at"), held_until=func.coalesce(bindparam("hold"),
                                                                                            T.held_until),
                        note=bindparam("why"), updated_at=now)
            )
            self._s.execute(stmt, moved)

    def claim_overdue_clocks(self, now: datetime, limit: int) -> list[OverdueClock]:
        """Running clocks whose due time has passed, marked overdue (their breach is recorded once)."""
        due = select(K.id).where(K.status == "running", K.due_at <= now).order_by(K.due_at, K.id).limit(limit)
        if dialect_of(self._s) == "postgresql":
            chosen: Any = due.with_for_update(skip_locked=True).scalar_subquery()
        else:
            chosen = [row_id for (row_id,) in self._s.execute(due)]
            if not chosen:
                return []
        stmt = (
            update(SLA_CLOCKS).where(K.id.in_(chosen), K.status == "running").values(status="overdue", updated_at=now)
            .returning(K.id, K.handoff_id, K.timer, K.cycle, K.side, K.holders, K.due_at, K.prompt, K.high_touch)
        )
        return [
            OverdueClock(id=r.id, handoff_id=r.handoff_id, timer=r.timer, cycle=r.cycle, side=r.side,
                         holders=tuple(r.holders), due_at=r.due_at, prompt=r.prompt, high_touch=r.high_touch)
            for r in self._s.execute(stmt)
        ]

    def mark_breached(self, clock_ids: Sequence[int], now: datetime) -> None:
        if clock_ids:
            self._s.execute(update(SLA_CLOCKS).where(K.id.in_(list(clock_ids))).values(breached_at=now))

    def stop_clocks(self, clock_ids: Sequence[int], now: datetime) -> None:
        if clock_ids:
            self._s.execute(
                update(SLA_CLOCKS).where(K.id.in_(list(clock_ids))).values(status="stopped", stopped_at=now, updated_at=now)
            )

    def spend(self, recipient: str, day: str, budget: int, now: datetime) -> bool:
        """Count one message to `recipient` on `day`; False (and nothing counted) when the budget is spent.

        One statement, so two sweeps cannot both take the last slot.
        """
        values = {"recipient": recipient.lower(), "day": day, "sent": 1, "updated_at": now}
        module: Any = postgresql if dialect_of(self._s) == "postgresql" else sqlite
        stmt = module.insert(NUDGE_BUDGET).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["recipient", "day"],
            set_={"sent": NUDGE_BUDGET.c.sent + 1, "updated_at": now},
            where=NUDGE_BUDGET.c.sent < budget,
        ).returning(NUDGE_BUDGET.c.sent)
        return self._s.execute(stmt).first() is not None

    # -- reading ---------------------------------------------------------------------------

    def overdue(self, now: datetime, *, limit: int = 500) -> list[OverdueClock]:
        """Deadlines (not prompts) past due on handoffs still running them, most overdue first."""
        query = (
            select(K.id, K.handoff_id, K.timer, K.cycle, K.side, K.holders, K.due_at, K.prompt, K.high_touch)
            .where(K.status.in_(LIVE_CLOCKS), K.due_at <= now, K.prompt.is_(False))
            .order_by(K.due_at, K.id).limit(limit)
        )
        return [
            OverdueClock(id=r.id, handoff_id=r.handoff_id, timer=r.timer, cycle=r.cycle, side=r.side,
                         holders=tuple(r.holders), due_at=r.due_at, prompt=r.prompt, high_touch=r.high_touch)
            for r in self._s.execute(query)
        ]

    def steps(self, handoff_id: str) -> list[dict[str, Any]]:
        """Every step of one handoff (for tests and support), in firing order."""
        query = select(SLA_TIMERS).where(T.handoff_id == handoff_id).order_by(T.fire_at, T.rank, T.id)
        return [dict(r) for r in self._s.execute(query).mappings()]

    def prune_budget(self, before_day: str) -> None:
        self._s.execute(NUDGE_BUDGET.delete().where(NUDGE_BUDGET.c.day < before_day))


class TimeZoneBook:
    """People's time zones from their chat profiles, keyed by lower-case email (or chat id)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def of(self, people: Iterable[str]) -> dict[str, str]:
        wanted = sorted({p.lower() for p in people if p})
        if not wanted:
            return {}
        rows = self._s.execute(
            select(PERSON_TIMEZONES.c.person, PERSON_TIMEZONES.c.timezone).where(PERSON_TIMEZONES.c.person.in_(wanted))
        )
        return {person: tz for person, tz in rows}

    def set(self, person: str, timezone: str, now: datetime) -> bool:
        """Record a zone; True when it is new or changed (the person's timers need replanning)."""
        key = person.lower()
        current = self._s.execute(
            select(PERSON_TIMEZONES.c.timezone).where(PERSON_TIMEZONES.c.person == key)
        ).scalar_one_or_none()
        if current == timezone:
            return False
        if current is None:
            inserted = insert_ignore(self._s, PERSON_TIMEZONES,
                                     [{"person": key, "timezone": timezone, "updated_at": now}], ["person"])
            if inserted:
                return True
        self._s.execute(
            update(PERSON_TIMEZONES).where(and_(PERSON_TIMEZONES.c.person == key))
            .values(timezone=timezone, updated_at=now)
        )
        return True
