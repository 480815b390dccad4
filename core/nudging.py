"""What the SLA sweep does with the timer steps it claimed: pure decisions, no I/O.

1. `settle`: each claimed step is checked against its handoff's plan as it is *now*. A step the
   plan no longer has (the condition was met, the cycle changed) is cancelled; one whose time
   moved later (a snooze, a time zone learned since) is rescheduled; of the steps still due for
   one person on one timer, only the latest goes out and the earlier ones are skipped, so a
   process that was down for a day sends one nudge per timer, not the backlog.
2. `digests`: what goes out is grouped per recipient into one message, most important first
   (high-touch segments, then the most overdue).
3. `nudge_events`: one outbox event per nudge; the first of each digest carries the message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.business_time import WorkCalendar
from core.events import NudgeDue
from core.sla import Step, Timer

SWEEPER = "system:sla"


@dataclass(frozen=True)
class Claimed:
    """A timer step the sweep took (one row of the timer table)."""

    id: int
    handoff_id: str
    timer: str
    cycle: str
    step: str
    recipient: str
    fire_at: datetime

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.handoff_id, self.timer, self.cycle, self.step, self.recipient.lower())


class Outcome(StrEnum):
    FIRE = "fired"
    SKIP = "skipped"  # superseded by a later step due at the same time
    CANCEL = "cancelled"  # the timer stopped or changed
    RESCHEDULE = "pending"  # not due after all: back in the queue at `fire_at`


@dataclass(frozen=True)
class Decision:
    row: Claimed
    outcome: Outcome
    fire_at: datetime | None = None
    note: str = ""
    timer: Timer | None = None
    step: Step | None = None


def settle(
    rows: Iterable[Claimed], plans: Mapping[str, Sequence[Timer]], now: datetime, *,
    horizon: datetime | None = None,
) -> list[Decision]:
    """Decide every claimed row against the current plans (handoff id -> its running timers).

    Steps due by `horizon` (a little after `now`) go out early, but only to someone who has a
    step due by `now` anyway: that is what lets nudges a few minutes apart share one message.
    """
    horizon = max(horizon or now, now)
    planned = {
        (t.handoff_id, t.timer, t.cycle, s.name, s.recipient.lower()): (t, s)
        for timers in plans.values() for t in timers for s in t.steps
    }
    decisions: list[Decision] = []
    due: dict[tuple[str, ...], list[tuple[Claimed, Timer, Step]]] = defaultdict(list)
    for row in rows:
        found = planned.get(row.key)
        if found is None:
            decisions.append(Decision(row, Outcome.CANCEL, note="the timer stopped or changed"))
            continue
        timer, step = found
        if step.fire_at > horizon:
            decisions.append(Decision(row, Outcome.RESCHEDULE, fire_at=step.fire_at, note="moved later"))
            continue
        due[(row.handoff_id, row.timer, row.cycle, row.recipient.lower())].append((row, timer, step))
    firing: list[Decision] = []
    for group in due.values():
        latest = max(group, key=lambda g: (g[2].rank, g[2].fire_at))
        for row, timer, step in group:
            if row is latest[0]:
                firing.append(Decision(row, Outcome.FIRE, timer=timer, step=step))
            else:
                decisions.append(Decision(row, Outcome.SKIP, note=f"superseded by {latest[2].name}",
                                          timer=timer, step=step))
    awaited = {d.row.recipient.lower() for d in firing if d.step is not None and d.step.fire_at <= now}
    for d in firing:
        early = d.row.recipient.lower() not in awaited
        decisions.append(Decision(d.row, Outcome.RESCHEDULE, fire_at=d.step.fire_at, note="not due yet")
                         if early and d.step is not None else d)
    return decisions


@dataclass(frozen=True)
class Digest:
    recipient: str
    items: tuple[Decision, ...]  # FIRE decisions, most important first


def priority(decision: Decision, now: datetime) -> tuple[bool, float, str]:
    """High-touch first, then the most overdue, then a stable order."""
    assert decision.timer is not None
    overdue = (now - decision.timer.due_at).total_seconds()
    return (not decision.timer.high_touch, -overdue, decision.row.handoff_id)


def digests(fired: Iterable[Decision], now: datetime) -> list[Digest]:
    """One message per recipient, items in priority order."""
    by_person: dict[str, list[Decision]] = defaultdict(list)
    for decision in fired:
        by_person[decision.row.recipient.lower()].append(decision)
    return [
        Digest(items[0].row.recipient, tuple(sorted(items, key=lambda d: priority(d, now))))
        for _, items in sorted(by_person.items())
    ]


def nudge_events(digest: Digest, now: datetime) -> list[NudgeDue]:
    """One event per nudge; the first carries the whole digest, the rest are folded into it."""
    refs = tuple(
        {"h": d.row.handoff_id, "t": d.row.timer, "c": d.row.cycle, "s": d.row.step} for d in digest.items
    )
    return [
        NudgeDue(
            handoff_id=d.row.handoff_id, seq=0, at=now, actor_id=SWEEPER, timer=d.row.timer, cycle=d.row.cycle,
            step=d.row.step, recipient=d.row.recipient, lead=n == 0, items=refs if n == 0 else (),
        )
        for n, d in enumerate(digest.items)
    ]


def local_day(now: datetime, tz: ZoneInfo) -> str:
    """The recipient's calendar day, the unit of the daily budget."""
    return now.astimezone(tz).date().isoformat()


def next_day_open(now: datetime, calendar: WorkCalendar, tz: ZoneInfo) -> datetime:
    """Where nudges over today's budget go: the recipient's next working morning."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return calendar.next_open(datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC), tz)
