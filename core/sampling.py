"""The monthly sample audit: which day it runs, and which handoffs accepted last month it shows.

Random, so nobody can tidy up only the handoffs they expect to be checked; seeded by the
month, so every replica (and a re-run after a crash) draws the same sample.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar

from core.business_time import WorkCalendar
from core.events import Event
from core.handoff import Handoff

SAMPLE_AUDIT = "_sample_audit"  # the pseudo handoff id of the monthly audit's outbox message


class Drawable(Protocol):
    @property
    def handoff_id(self) -> str: ...

    @property
    def accepted_at(self) -> datetime: ...


D = TypeVar("D", bound=Drawable)


@dataclass(frozen=True)
class Accepted:
    """A handoff accepted in the month: all the draw needs, cheap for storage to list."""

    handoff_id: str
    accepted_at: datetime


@dataclass(frozen=True, kw_only=True)
class SampleAuditDue(Event):
    """The monthly sample for RevOps: the handoffs drawn for `month` (YYYY-MM), already chosen."""

    month: str
    handoff_ids: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"sample-audit:{self.month}"


@dataclass(frozen=True)
class SampleCandidate:
    """What the audit shows of one accepted handoff."""

    handoff_id: str
    deal_name: str
    account: str
    segment: str
    accepted_at: datetime
    required: int
    filled: int
    overridden: bool
    rating: int | None
    repeat_asks: tuple[str, ...]

    @property
    def completeness(self) -> float:
        """Share of the required fields filled (1.0 when the segment requires none)."""
        return self.filled / self.required if self.required else 1.0


def first_working_day(year: int, month: int, calendar: WorkCalendar) -> date:
    """The month's first day that is not a weekend (when weekends are off) or a holiday."""
    day = date(year, month, 1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_month(today: date) -> tuple[date, date]:
    """[first day of last month, first day of this month)."""
    this_month = today.replace(day=1)
    return (this_month - timedelta(days=1)).replace(day=1), this_month


def seed_for(month_start: date) -> str:
    return f"baton-sample-{month_start:%Y-%m}"


def pick_sample(candidates: Sequence[D], size: int, *, seed: str) -> list[D]:
    """`size` handoffs drawn without replacement, the same for the same candidates and seed, oldest first.

    Candidates are ordered by id before drawing, so the order storage returns them in does not matter.
    """
    pool = sorted(candidates, key=lambda c: c.handoff_id)
    chosen = random.Random(seed).sample(pool, min(size, len(pool)))
    return sorted(chosen, key=lambda c: (c.accepted_at, c.handoff_id))


def sample_lines(sample: Sequence[SampleCandidate], links: dict[str, str]) -> list[str]:
    """One line per handoff for the post: completeness, rating, repeat-asks and a link to its place."""
    lines = []
    for c in sample:
        rating = f"rated {c.rating}/5" if c.rating is not None else "not rated yet"
        asks = f"{len(c.repeat_asks)} repeat-ask(s): {', '.join(c.repeat_asks)}" if c.repeat_asks else "no repeat-asks"
        override = ", let through by override" if c.overridden else ""
        where = links.get(c.handoff_id, c.handoff_id)
        lines.append(f"{c.deal_name} ({c.account}, {c.segment}): packet {c.filled}/{c.required} required fields "
                     f"({c.completeness:.0%}){override}; {rating}; {asks}. {where}")
    return lines


def candidate_of(handoff: Handoff) -> SampleCandidate:
    """What the audit line says about one handoff, from the aggregate itself."""
    assert handoff.accepted_at is not None, "only accepted handoffs are sampled"
    required = len(handoff.required_fields)
    return SampleCandidate(
        handoff_id=handoff.id, deal_name=handoff.deal.name, account=handoff.deal.account, segment=handoff.segment,
        accepted_at=handoff.accepted_at, required=required, filled=required - len(handoff.missing_fields()),
        overridden=any(o.approved for o in handoff.overrides), rating=handoff.milestones.rating,
        repeat_asks=tuple(handoff.milestones.repeat_asks),
    )
