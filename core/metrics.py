"""Handoff metrics over a period, by segment, AE or CSM, with the red flags RevOps watches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from statistics import median

from core.playbook import Thresholds


@dataclass(frozen=True)
class HandoffFacts:
    """The few numbers metrics need from one handoff; storage can project them cheaply."""

    handoff_id: str
    segment: str
    ae_email: str
    csm_email: str
    closed_at: datetime
    opened_at: datetime
    first_submitted_at: datetime | None
    submitted_complete: bool | None
    overridden: bool
    accepted_at: datetime | None
    first_touch_at: datetime | None
    escalations: int
    sla_breaches: int
    rating: int | None
    repeat_asks: int


class GroupBy(StrEnum):
    ALL = "all"
    SEGMENT = "segment"
    AE = "ae"
    CSM = "csm"


@dataclass(frozen=True)
class Metrics:
    group: str
    handoffs: int
    submitted: int
    completion_rate: float | None
    hours_to_submit: float | None
    hours_to_accept: float | None
    hours_to_first_touch: float | None
    escalation_rate: float | None
    override_rate: float | None
    sla_breaches: int
    avg_rating: float | None
    repeat_ask_rate: float | None
    red_flags: tuple[str, ...]


_KEYS: dict[GroupBy, Callable[[HandoffFacts], str]] = {
    GroupBy.ALL: lambda f: "all",
    GroupBy.SEGMENT: lambda f: f.segment,
    GroupBy.AE: lambda f: f.ae_email,
    GroupBy.CSM: lambda f: f.csm_email,
}


def compute(facts: Iterable[HandoffFacts], *, by: GroupBy, thresholds: Thresholds) -> list[Metrics]:
    """One Metrics row per group, groups sorted by name."""
    groups: dict[str, list[HandoffFacts]] = defaultdict(list)
    key = _KEYS[by]
    for fact in facts:
        groups[key(fact)].append(fact)
    if by is GroupBy.ALL and not groups:
        groups["all"] = []
    return [summarize(name, rows, thresholds) for name, rows in sorted(groups.items())]


@dataclass(frozen=True)
class Totals:
    """What a group's metrics are made of: counts, sums and medians, from Python or from SQL."""

    group: str
    handoffs: int
    submitted: int
    complete: int
    escalated: int
    overridden: int
    sla_breaches: int
    rated: int
    rating_sum: int
    repeat_asked: int
    hours_to_submit: float | None
    hours_to_accept: float | None
    hours_to_first_touch: float | None


def summarize(group: str, rows: Sequence[HandoffFacts], thresholds: Thresholds) -> Metrics:
    submitted = [r for r in rows if r.first_submitted_at is not None]
    checked_in = [r for r in rows if r.rating is not None]
    totals = Totals(
        group=group,
        handoffs=len(rows),
        submitted=len(submitted),
        complete=sum(1 for r in submitted if r.submitted_complete),
        escalated=sum(1 for r in submitted if r.escalations > 0),
        overridden=sum(1 for r in submitted if r.overridden),
        sla_breaches=sum(r.sla_breaches for r in rows),
        rated=len(checked_in),
        rating_sum=sum(r.rating for r in checked_in if r.rating is not None),
        repeat_asked=sum(1 for r in checked_in if r.repeat_asks > 0),
        hours_to_submit=_median_hours(rows, lambda r: (r.opened_at, r.first_submitted_at)),
        hours_to_accept=_median_hours(rows, lambda r: (r.first_submitted_at, r.accepted_at)),
        hours_to_first_touch=_median_hours(rows, lambda r: (r.closed_at, r.first_touch_at)),
    )
    return from_totals(totals, thresholds)


def from_totals(t: Totals, thresholds: Thresholds) -> Metrics:
    """The one place rates are divided and rounded, so SQL and Python totals give equal metrics."""
    metrics = Metrics(
        group=t.group,
        handoffs=t.handoffs,
        submitted=t.submitted,
        completion_rate=_ratio(t.complete, t.submitted),
        hours_to_submit=t.hours_to_submit,
        hours_to_accept=t.hours_to_accept,
        hours_to_first_touch=t.hours_to_first_touch,
        escalation_rate=_ratio(t.escalated, t.submitted),
        override_rate=_ratio(t.overridden, t.submitted),
        sla_breaches=t.sla_breaches,
        avg_rating=round(t.rating_sum / t.rated, 2) if t.rated else None,
        repeat_ask_rate=_ratio(t.repeat_asked, t.rated),
        red_flags=(),
    )
    return _with_flags(metrics, thresholds)


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _median_hours(
    rows: Sequence[HandoffFacts], span: Callable[[HandoffFacts], tuple[datetime | None, datetime | None]],
) -> float | None:
    hours = []
    for row in rows:
        start, end = span(row)
        if start is not None and end is not None:
            hours.append((end - start).total_seconds() / 3600)
    return round(median(hours), 2) if hours else None


def _with_flags(m: Metrics, t: Thresholds) -> Metrics:
    flags = []
    if m.completion_rate is not None and m.completion_rate < t.completion_rate_min:
        flags.append(f"completion rate {pct(m.completion_rate)} is under {pct(t.completion_rate_min)}")
    if m.hours_to_first_touch is not None and m.hours_to_first_touch > t.first_touch_max_hours:
        flags.append(f"time to first touch {m.hours_to_first_touch:g}h is over {t.first_touch_max_hours:g}h")
    if m.escalation_rate is not None and m.escalation_rate > t.escalation_rate_max:
        flags.append(f"escalation rate {pct(m.escalation_rate)} is over {pct(t.escalation_rate_max)}")
    if m.override_rate is not None and m.override_rate > t.override_rate_max:
        flags.append(f"override rate {pct(m.override_rate)} is over {pct(t.override_rate_max)}")
    if m.repeat_ask_rate is not None and m.repeat_ask_rate > t.repeat_ask_rate_max:
        flags.append(f"repeat-ask rate {pct(m.repeat_ask_rate)} is over {pct(t.repeat_ask_rate_max)}")
    if m.avg_rating is not None and m.avg_rating < t.quality_rating_min:
        flags.append(f"packet quality {m.avg_rating:g}/5 is under {t.quality_rating_min:g}")
    return Metrics(**{**m.__dict__, "red_flags": tuple(flags)})


def pct(share: float) -> str:
    """84.6% stays 84.6%: a flag must never read "85% is under 85%"."""
    return f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"
