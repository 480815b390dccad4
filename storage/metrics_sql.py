"""Metrics over long ranges computed by the database: GROUP BY counts and window-function medians.

`core.metrics.compute` decodes one HandoffFacts per handoff; over a year that is ~100k objects.
Here the database returns one row per group (counts and sums) and the one or two middle rows
per median, and `core.metrics.from_totals` turns them into the very same Metrics. The numbers
are equal to the Python ones by construction (same rounding, same median rule), and a test
checks that on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from core.metrics import GroupBy, Metrics, Totals, from_totals
from core.playbook import Thresholds
from core.sampling import Accepted
from storage.tables import HANDOFFS

H = HANDOFFS.c
# The stored span (whole microseconds) behind each median core.metrics takes, by its Totals name.
SPANS = {
    "hours_to_submit": H.us_to_submit,
    "hours_to_accept": H.us_to_accept,
    "hours_to_first_touch": H.us_to_first_touch,
}


@dataclass(frozen=True)
class Scope:
    """Which handoffs a report covers: a segment, and/or the handoffs of some people (AE or CSM)."""

    segments: tuple[str, ...] = ()
    emails: tuple[str, ...] | None = None  # None: everybody; () : nobody


EVERYONE = Scope()


def group_key(by: GroupBy) -> ColumnElement[Any]:
    """The SQL twin of core.metrics' group keys (emails lower-cased as the Python facts are)."""
    if by is GroupBy.SEGMENT:
        return H.segment
    if by is GroupBy.AE:
        return func.lower(H.ae_email)
    if by is GroupBy.CSM:
        return func.lower(H.csm_email)
    return literal("all")


def period_filter(start: datetime, end: datetime, scope: Scope) -> ColumnElement[bool]:
    """Handoffs opened in [start, end) within the scope: the same set repository.facts reads."""
    clauses: list[ColumnElement[bool]] = [H.opened_at >= start, H.opened_at < end]
    if scope.segments:
        clauses.append(H.segment.in_(scope.segments))
    if scope.emails is not None:
        emails = [e.lower() for e in scope.emails]
        clauses.append(or_(func.lower(H.ae_email).in_(emails), func.lower(H.csm_email).in_(emails)))
    return and_(*clauses)


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    """Seconds from start to end, used only to order rows for a median (the hours come from Python)."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return cast((func.julianday(end) - func.julianday(start)) * 86400.0, Float)


def sql_metrics(
    conn: Connection, start: datetime, end: datetime, *, by: GroupBy, thresholds: Thresholds,
    scope: Scope = EVERYONE, medians: bool = True,
) -> list[Metrics]:
    """One Metrics row per group, sorted by name, equal to compute(facts(start, end), by=by).

    `medians=False` skips reading the spans and leaves the hours None: enough for a
    completion-rate line.
    """
    totals = _totals(conn, start, end, by, scope)
    if medians:
        for group, hours in _medians(conn, start, end, by, scope).items():
            totals.setdefault(group, {}).update(hours)
    if by is GroupBy.ALL and not totals:
        totals["all"] = {}
    return [from_totals(Totals(group=g, **_defaults() | t), thresholds) for g, t in sorted(totals.items())]


def _defaults() -> dict[str, Any]:
    return {"handoffs": 0, "submitted": 0, "complete": 0, "escalated": 0, "overridden": 0, "sla_breaches": 0,
            "rated": 0, "rating_sum": 0, "repeat_asked": 0, "hours_to_submit": None, "hours_to_accept": None,
            "hours_to_first_touch": None}


def _totals(conn: Connection, start: datetime, end: datetime, by: GroupBy, scope: Scope) -> dict[str, dict[str, Any]]:
    submitted = H.first_submitted_at.is_not(None)
    rated = H.rating.is_not(None)

    def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    key = group_key(by).label("grp")
    query = (
        select(
            key, func.count().label("handoffs"), count_if(submitted).label("submitted"),
            count_if(and_(submitted, H.submitted_complete.is_(True))).label("complete"),
            count_if(and_(submitted, H.escalation_count > 0)).label("escalated"),
            count_if(and_(submitted, H.overridden.is_(True))).label("overridden"),
            func.coalesce(func.sum(H.sla_breach_count), 0).label("sla_breaches"),
            count_if(rated).label("rated"), func.coalesce(func.sum(H.rating), 0).label("rating_sum"),
            count_if(and_(rated, H.repeat_ask_count > 0)).label("repeat_asked"),
        )
        .where(period_filter(start, end, scope))
        .group_by(key)
    )
    return {str(row.grp): {k: int(v) for k, v in row._mapping.items() if k != "grp"} for row in conn.execute(query)}


def _medians(
    conn: Connection, start: datetime, end: datetime, by: GroupBy, scope: Scope,
) -> dict[str, dict[str, float]]:
    """The median of each span per group, from the stored integer spans in one pass.

    The database filters and returns three integers per handoff; the middle values are picked
    here. A window function would be the SQL way, but it sorts the year three times (about
    350 ms each on SQLite over 100,000 handoffs); sorting integers in Python takes 25 ms.
    """
    query = select(group_key(by).label("grp"), *SPANS.values()).where(period_filter(start, end, scope))
    result = conn.execute(query)
    rows = result.cursor.fetchall()  # plain DBAPI tuples: a third of the cost of Row objects here
    result.close()
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(str(row[0]), []).append(row)
    medians: dict[str, dict[str, float]] = {}
    for group, members in groups.items():
        for column, name in enumerate(SPANS, start=1):
            values = [row[column] for row in members if row[column] is not None]
            if values:
                medians.setdefault(group, {})[name] = _median_hours(values)
    return medians


def _median_hours(microseconds: list[int]) -> float:
    """As core.metrics rounds it: the median of the hours (`total_seconds() / 3600` of each)."""
    ordered = sorted(microseconds)
    n = len(ordered)
    middle = ordered[(n - 1) // 2: n // 2 + 1]
    return round(sum(us / 10**6 / 3600 for us in middle) / len(middle), 2)


def hours_histogram(
    conn: Connection, start: datetime, end: datetime, *, scope: Scope, bin_hours: int, bins: int,
) -> list[int]:
    """Handoffs per `bin_hours` bucket of close-to-first-touch time; the last bucket holds the rest."""
    seconds = seconds_between(conn.dialect.name, H.closed_at, H.first_touch_at)
    # SQLite has no floor() unless built with its math functions; CAST truncates, which is floor for >= 0.
    ratio = seconds / (3600.0 * bin_hours)
    bucket = func.floor(ratio) if conn.dialect.name == "postgresql" else cast(ratio, Integer)
    capped = case((bucket >= bins - 1, bins - 1), (bucket < 0, 0), else_=bucket).label("bucket")
    query = (
        select(capped, func.count())
        .where(period_filter(start, end, scope), H.first_touch_at.is_not(None))
        .group_by(capped)
    )
    counts = [0] * bins
    for index, n in conn.execute(query):
        counts[int(index)] += int(n)
    return counts



def accepted_between(conn: Connection, start: datetime, end: datetime) -> list[Accepted]:
    """Handoffs accepted in [start, end): the monthly sample's pool (two flat columns per row)."""
    query = select(H.id, H.accepted_at).where(H.accepted_at >= start, H.accepted_at < end).order_by(H.id)
    return [Accepted(hid, at) for hid, at in conn.execute(query)]
