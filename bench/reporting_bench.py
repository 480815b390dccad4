"""How fast a year of metrics comes out of SQL, and how fast the digest chart renders.

    python bench/reporting_bench.py [--count 100000] [--sqlite-only]

Loads N handoffs with storage_bench's generator (same realistic mix), then times (median of 5
runs after a warm-up): a year of metrics by segment from storage.metrics_sql, the same for the
whole company (ALL), and the 12 weekly completion rates the chart needs. Targets: <= 500 ms for
a year over 100,000 handoffs on SQLite and PostgreSQL; the chart in <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import storage_bench as sb

from core.metrics import GroupBy
from core.playbook import Thresholds
from storage.engine import make_engine, ping
from storage.metrics_sql import sql_metrics

YEAR = (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def measure(url: str, count: int) -> list[tuple[str, list[float]]]:
    sb.upgrade(url)
    engine = make_engine(url)
    try:
        seconds = sb.load(engine, count)
        print(f"{engine.dialect.name}: inserted {count:,} handoffs in {seconds:.1f}s")
        start, end = YEAR
        with engine.connect() as conn:
            def year(by: GroupBy) -> int:
                return len(sql_metrics(conn, start, end, by=by, thresholds=Thresholds()))

            def weeks() -> int:
                week_end = sb.NOW
                for n in range(12):
                    sql_metrics(conn, week_end - timedelta(days=7 * (n + 1)), week_end - timedelta(days=7 * n),
                                by=GroupBy.ALL, thresholds=Thresholds(), medians=False)
                return 12

            return [
                ("year by segment", sb.timed(lambda: year(GroupBy.SEGMENT))[1]),
                ("year, all", sb.timed(lambda: year(GroupBy.ALL))[1]),
                ("year by AE (50 groups)", sb.timed(lambda: year(GroupBy.AE))[1]),
                ("12 weekly completion rates", sb.timed(weeks)[1]),
            ]
    finally:
        engine.dispose()


def chart_times() -> list[float]:
    from bot.reporting.charts import render_digest
    from bot.reporting.data import digest_data
    with sb.sqlite_db() as url:
        sb.upgrade(url)
        engine = make_engine(url)
        sb.load(engine, 5_000)
        data = digest_data(engine, start=sb.NOW - timedelta(days=7), end=sb.NOW, label="last week",
                           thresholds=Thresholds(), overdue_owners=[a for a in sb.AES[:12] for _ in range(3)])
        engine.dispose()
    render_digest(data)
    times = []
    for _ in range(sb.RUNS):
        started = time.perf_counter()
        render_digest(data)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--no-chart", action="store_true")
    args = parser.parse_args(argv)
    results: list[tuple[str, str, list[float]]] = []
    with sb.sqlite_db() as url:
        results += [("sqlite", *r) for r in measure(url, args.count)]
    if not args.sqlite_only:
        base = os.environ.get("BATON_TEST_POSTGRES_URL", sb.DEFAULT_PG)
        probe = make_engine(base, connect_args={"connect_timeout": 3})
        reachable = ping(probe)
        probe.dispose()
        if reachable:
            with sb.postgres_db(base) as url:
                results += [("postgresql", *r) for r in measure(url, args.count)]
        else:
            print(f"postgresql: skipped, {make_url(base).render_as_string()} is unreachable")
    if not args.no_chart:
        results.append(("matplotlib", "digest chart render (PNG)", chart_times()))
    print(f"\n{args.count:,} handoffs, median of {sb.RUNS} runs (after one warm-up)")
    print(f"{'dialect':<11} {'work':<30} {'median ms':>10} {'min-max ms':>15}")
    for dialect, what, times in results:
        print(f"{dialect:<11} {what:<30} {statistics.median(times):>10.1f} {min(times):>7.1f}-{max(times):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
