"""Gathers a digest's numbers from the database with storage.metrics_sql (a few GROUP BYs per period)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.sla import SlaRuntime
from core.metrics import GroupBy, Metrics
from core.playbook import Thresholds
from core.reporting import (
    TOUCH_BIN_HOURS,
    TOUCH_BINS,
    DigestData,
    WeekPoint,
    overdue_counts,
    week_starts,
)
from storage.metrics_sql import EVERYONE, Scope, hours_histogram, sql_metrics


def metrics(
    engine: Engine, start: datetime, end: datetime, *, by: GroupBy, thresholds: Thresholds, scope: Scope = EVERYONE,
) -> list[Metrics]:
    """Metrics of [start, end) computed by the database."""
    with engine.connect() as conn:
        return sql_metrics(conn, start, end, by=by, thresholds=thresholds, scope=scope)


def digest_data(
    engine: Engine, *, start: datetime, end: datetime, label: str, thresholds: Thresholds,
    scope: Scope = EVERYONE, overdue_owners: Iterable[str] = (),
) -> DigestData:
    """The four panels for [start, end): weekly completion over the 12 weeks up to `end`, the rest for the period."""
    with engine.connect() as conn:
        overall = sql_metrics(conn, start, end, by=GroupBy.ALL, thresholds=thresholds, scope=scope)[0]
        weeks = []
        for week_start, week_end in week_starts(end):
            week = sql_metrics(conn, week_start, week_end, by=GroupBy.ALL, thresholds=thresholds, scope=scope,
                              medians=False)[0]
            weeks.append(WeekPoint(week_start, week.completion_rate, week.submitted))
        bins = hours_histogram(conn, start, end, scope=scope, bin_hours=TOUCH_BIN_HOURS, bins=TOUCH_BINS)
        by_segment = sql_metrics(conn, start, end, by=GroupBy.SEGMENT, thresholds=thresholds, scope=scope)
    return DigestData(
        label=label, overall=overall, weeks=tuple(weeks), touch_bins=tuple(bins), bin_hours=TOUCH_BIN_HOURS,
        by_segment=tuple(by_segment), overdue_by_owner=overdue_counts(overdue_owners), thresholds=thresholds,
    )


def report_rows(
    engine: Engine, start: datetime, end: datetime, *, thresholds: Thresholds, scope: Scope = EVERYONE,
) -> list[Metrics]:
    """What `baton report` and `/handoff export` write: the whole scope first, then each segment."""
    with engine.connect() as conn:
        overall = sql_metrics(conn, start, end, by=GroupBy.ALL, thresholds=thresholds, scope=scope)
        return overall + sql_metrics(conn, start, end, by=GroupBy.SEGMENT, thresholds=thresholds, scope=scope)


def overdue_owners(sla: SlaRuntime, *, limit: int = 500) -> list[str]:
    """The owner's email of each overdue deadline right now (one entry per overdue clock)."""
    clocks = sla.overdue(limit=limit)
    handoffs = sla.handoffs(sorted({c.handoff_id for c in clocks}))
    return [handoffs[c.handoff_id].owner.email for c in clocks if c.handoff_id in handoffs]
