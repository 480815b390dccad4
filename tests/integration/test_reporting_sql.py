"""Metrics computed in SQL equal the Python metrics for the same handoffs, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.metrics import GroupBy, compute
from core.playbook import Thresholds
from storage.mapping import to_row
from storage.metrics_sql import Scope, hours_histogram, sql_metrics
from storage.repository import SqlHandoffRepository
from storage.tables import HANDOFFS

ROOT = Path(__file__).resolve().parents[2]


def storage_bench() -> ModuleType:
    """The benchmark's generator of realistic handoffs (mixed states, escalations, ratings)."""
    spec = importlib.util.spec_from_file_location("storage_bench", ROOT / "bench" / "storage_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["storage_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    bench = storage_bench()
    import random
    rnd = random.Random(7)
    rows = []
    for n in range(600):
        h = bench.fake_handoff(n, rnd)
        rows.append(to_row(h) | {"version": h.version, "created_at": h.opened_at, "updated_at": bench.NOW})
    with engine.begin() as conn:
        conn.execute(insert(HANDOFFS), rows)
    return engine


PERIODS = [
    (datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),   # everything
    (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),  # one month
    (datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)),  # one week, fresh handoffs
    (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)),      # empty
]


@pytest.mark.parametrize("by", list(GroupBy))
@pytest.mark.parametrize("period", PERIODS, ids=["all", "month", "week", "empty"])
def test_sql_metrics_equal_the_python_metrics_for_every_grouping_and_period(
    loaded: Engine, by: GroupBy, period: tuple[datetime, datetime],
) -> None:
    start, end = period
    strict = Thresholds(completion_rate_min=0.95, escalation_rate_max=0.1)  # so red flags show up too
    with Session(loaded) as session:
        expected = compute(SqlHandoffRepository(session).facts(start, end), by=by, thresholds=strict)
    with loaded.connect() as conn:
        actual = sql_metrics(conn, start, end, by=by, thresholds=strict)
    assert actual == expected
    if period is PERIODS[0] and by is GroupBy.ALL:
        assert actual[0].handoffs == 600 and actual[0].red_flags


def test_a_scope_keeps_only_the_handoffs_of_those_people_or_segments(loaded: Engine) -> None:
    start, end = PERIODS[0]
    with Session(loaded) as session:
        facts = SqlHandoffRepository(session).facts(start, end)
    mine = [f for f in facts if "ae3@acme.test" in (f.ae_email, f.csm_email)]
    ent = [f for f in facts if f.segment == "ent"]
    with loaded.connect() as conn:
        assert sql_metrics(conn, start, end, by=GroupBy.ALL, thresholds=Thresholds(),
                           scope=Scope(emails=("AE3@acme.test",))) == compute(mine, by=GroupBy.ALL,
                                                                               thresholds=Thresholds())
        assert sql_metrics(conn, start, end, by=GroupBy.SEGMENT, thresholds=Thresholds(),
                           scope=Scope(segments=("ent",))) == compute(ent, by=GroupBy.SEGMENT,
                                                                      thresholds=Thresholds())


def test_the_first_touch_histogram_counts_every_touched_handoff_in_its_bucket(loaded: Engine) -> None:
    start, end = PERIODS[0]
    with Session(loaded) as session:
        facts = SqlHandoffRepository(session).facts(start, end)
    expected = [0] * 5
    for f in facts:
        if f.first_touch_at is not None:
            hours = (f.first_touch_at - f.closed_at) / timedelta(hours=1)
            expected[min(max(int(hours // 24), 0), 4)] += 1
    with loaded.connect() as conn:
        assert hours_histogram(conn, start, end, scope=Scope(), bin_hours=24, bins=5) == expected
    assert sum(expected) > 100


def test_a_database_from_before_the_stored_spans_is_backfilled_by_the_migration(db_url: str) -> None:
    """Handoffs written before migration 0005 get their spans filled, so old years still report."""
    import random

    from storage.engine import make_engine
    from storage.migrate import upgrade

    upgrade(db_url, "0004e")
    bench = storage_bench()
    rnd = random.Random(11)
    handoffs = [bench.fake_handoff(n, rnd) for n in range(200)]
    spans = {"us_to_submit", "us_to_accept", "us_to_first_touch"}
    rows = [{k: v for k, v in to_row(h).items() if k not in spans}
            | {"version": h.version, "created_at": h.opened_at, "updated_at": bench.NOW} for h in handoffs]
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(HANDOFFS), rows)
        upgrade(db_url)
        start, end = PERIODS[0]
        with engine.connect() as conn:
            stored = conn.execute(HANDOFFS.select().with_only_columns(
                HANDOFFS.c.id, *(HANDOFFS.c[s] for s in sorted(spans)))).all()
            got = sql_metrics(conn, start, end, by=GroupBy.SEGMENT, thresholds=Thresholds())
        assert {r.id: tuple(r[1:]) for r in stored} == {
            h.id: tuple(to_row(h)[s] for s in sorted(spans)) for h in handoffs}
        with Session(engine) as session:
            expected = compute(SqlHandoffRepository(session).facts(start, end), by=GroupBy.SEGMENT,
                               thresholds=Thresholds())
        assert got == expected and any(m.hours_to_first_touch is not None for m in got)
    finally:
        engine.dispose()
