"""The digest chart: the numbers behind every panel are the metrics of the same period; the PNG opens."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from matplotlib.image import imread
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.reporting.charts import SIZE, render_digest
from bot.reporting.data import digest_data
from core.metrics import GroupBy, compute
from core.playbook import Thresholds
from core.reporting import week_starts
from storage.mapping import to_row
from storage.repository import SqlHandoffRepository
from storage.tables import HANDOFFS
from tests.integration.test_reporting_sql import storage_bench

STRICT = Thresholds(completion_rate_min=0.95, escalation_rate_max=0.1)


@pytest.fixture
def world(engine: Engine) -> tuple[Engine, object]:
    bench = storage_bench()
    rnd = random.Random(11)
    rows = []
    for n in range(400):
        h = bench.fake_handoff(n, rnd)
        rows.append(to_row(h) | {"version": h.version, "created_at": h.opened_at, "updated_at": bench.NOW})
    with engine.begin() as conn:
        conn.execute(insert(HANDOFFS), rows)
    return engine, bench


def python_metrics(engine: Engine, start, end, by: GroupBy):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return compute(SqlHandoffRepository(session).facts(start, end), by=by, thresholds=STRICT)


def test_every_panel_holds_the_metrics_of_the_same_period(world: tuple[Engine, object]) -> None:
    engine, bench = world
    end = bench.NOW  # type: ignore[attr-defined]
    start = end - timedelta(days=60)
    owners = ["ae1@acme.test"] * 3 + ["CSM2.smb@acme.test"] * 5 + ["ae1@acme.test"]
    data = digest_data(engine, start=start, end=end, label="60 days", thresholds=STRICT, overdue_owners=owners)

    assert data.overall == python_metrics(engine, start, end, GroupBy.ALL)[0]
    assert len(data.weeks) == 12
    for point, (week_start, week_end) in zip(data.weeks, week_starts(end), strict=True):
        week = python_metrics(engine, week_start, week_end, GroupBy.ALL)[0]
        assert (point.start, point.rate, point.submitted) == (week_start, week.completion_rate, week.submitted)
    with Session(engine) as session:  # closed, or PostgreSQL cannot drop the test's schema afterwards
        touched = [f for f in SqlHandoffRepository(session).facts(start, end) if f.first_touch_at]
    assert sum(data.touch_bins) == len(touched)
    late = sum(1 for f in touched if f.first_touch_at - f.closed_at >= timedelta(hours=48))  # type: ignore[operator]
    assert sum(data.touch_bins[48 // data.bin_hours:]) == late
    assert list(data.by_segment) == python_metrics(engine, start, end, GroupBy.SEGMENT)
    assert data.overdue_by_owner == (("csm2.smb@acme.test", 5), ("ae1@acme.test", 4))


def test_the_png_opens_at_the_expected_size_and_the_alt_text_says_the_numbers_and_flags(
    world: tuple[Engine, object],
) -> None:
    engine, bench = world
    end = bench.NOW  # type: ignore[attr-defined]
    data = digest_data(engine, start=end - timedelta(days=60), end=end, label="60 days", thresholds=STRICT,
                       overdue_owners=["ae1@acme.test"])
    chart = render_digest(data)

    pixels = imread(io.BytesIO(chart.png), format="png")
    assert chart.png.startswith(b"\x89PNG") and (pixels.shape[1], pixels.shape[0]) == SIZE == (chart.width, chart.height)
    m = data.overall
    assert f"{m.handoffs} handoffs" in chart.alt_text
    assert f"{m.completion_rate * 100:.1f}".rstrip("0").rstrip(".") + "%" in chart.alt_text  # type: ignore[operator]
    assert "ae1@acme.test 1" in chart.alt_text
    assert chart.red_flags and all(flag in chart.alt_text for flag in chart.red_flags)
    assert "completion rate" in chart.red_flags[0]


def test_an_empty_period_still_renders_and_says_there_is_nothing(engine: Engine) -> None:
    bench = storage_bench()
    data = digest_data(engine, start=bench.NOW - timedelta(days=7), end=bench.NOW, label="last week",
                       thresholds=Thresholds())
    chart = render_digest(data)
    assert chart.png.startswith(b"\x89PNG")
    assert "0 handoffs" in chart.alt_text and "Red flags: none." in chart.alt_text
