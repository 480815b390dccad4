"""How fast the storage answers the two questions that grow with history, at 100k handoffs.

    python bench/storage_bench.py [--count 100000] [--sqlite-only]

Loads N realistic handoffs (six months, mixed segments and states; rows built by
storage.mapping from real domain objects, inserted in bulk with Core, not through the service)
into a temporary SQLite file and a fresh PostgreSQL schema, then times (median of 5 runs, after
one warm-up): (a) the SLA sweep, repository.waiting_since(now - 24h); (b) one month of metrics,
repository.facts(start, end) + core.metrics.compute(by=SEGMENT). Audit rows are not loaded:
neither query reads them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from core.deal import Deal
from core.handoff import Escalation, Handoff, OverrideRequest
from core.machine import Status
from core.metrics import GroupBy, compute
from core.milestones import Milestones
from core.people import Person
from core.playbook import Thresholds
from storage.engine import make_engine, ping
from storage.mapping import to_row
from storage.migrate import upgrade
from storage.repository import SqlHandoffRepository, waiting_since_query
from storage.tables import HANDOFFS

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
RUNS = 5
BATCH = 5_000
SEGMENTS = [("smb", 0.6, 5_000, 50_000), ("mid", 0.3, 50_000, 250_000), ("ent", 0.1, 250_000, 2_000_000)]
CSMS = {s: [f"csm{i}.{s}@acme.test" for i in range(8)] for s, *_ in SEGMENTS}
AES = [f"ae{i}@acme.test" for i in range(50)]
REQUIRED = ("goals", "stakeholders", "kickoff_date", "success_criteria", "risks")
H = timedelta(hours=1)

# State mix by age: fresh handoffs are still moving; old ones are mostly done, a few stuck.
MIX: list[tuple[timedelta, dict[Status, float]]] = [
    (timedelta(days=2), {Status.OPENED: .4, Status.DRAFTING: .35, Status.SUBMITTED: .2, Status.OVERRIDE_REQUESTED: .05}),
    (timedelta(days=30), {Status.OPENED: .02, Status.DRAFTING: .06, Status.SUBMITTED: .04, Status.ESCALATED: .03,
                          Status.ACCEPTED: .7, Status.CLOSED: .1, Status.CANCELLED: .05}),
    (timedelta(days=999), {Status.OPENED: .005, Status.DRAFTING: .01, Status.SUBMITTED: .005, Status.ESCALATED: .005,
                           Status.OVERRIDE_REQUESTED: .005, Status.ACCEPTED: .4, Status.CLOSED: .52, Status.CANCELLED: .05}),
]


def fake_handoff(n: int, rnd: random.Random) -> Handoff:
    """One plausible handoff, its timestamps consistent with its state."""
    segment, _, low, high = rnd.choices(SEGMENTS, weights=[s[1] for s in SEGMENTS])[0]
    opened = NOW - timedelta(seconds=rnd.uniform(0, 182 * 86400))
    mix = next(m for age, m in MIX if NOW - opened < age)
    status = rnd.choices(list(mix), weights=list(mix.values()))[0]
    closed = opened - timedelta(minutes=rnd.uniform(1, 30))
    deal = Deal(
        id=f"D-{n:07d}", name=f"Deal {n}", account=f"Account {n % 9000}", amount=Decimal(rnd.randint(low, high)),
        currency="USD", stage="Closed Won", closed_at=closed, ae_email=rnd.choice(AES),
        crm_url=f"https://crm.test/deals/{n}", fields={"goals": "Adopt across teams", "seats": rnd.randint(5, 500)},
    )
    h = Handoff(
        id=f"ho_{n:012x}", deal=deal, segment=segment, ae=Person(deal.ae_email), csm=Person(rnd.choice(CSMS[segment])),
        required_fields=REQUIRED, opened_at=opened, status=status, version=rnd.randint(1, 12),
        packet={"goals": "Adopt across teams", "stakeholders": ["cfo", "it"], "kickoff_date": "2026-12-01",
                "risks": "Tight timeline" if rnd.random() < .5 else ""},
    )
    later = lambda start, lo, hi: min(start + H * rnd.uniform(lo, hi), NOW)  # noqa: E731
    if status not in (Status.OPENED, Status.DRAFTING, Status.OVERRIDE_REQUESTED) and status is not Status.CANCELLED:
        h.first_submitted_at = h.submitted_at = later(opened, 2, 72)
        h.submitted_complete = rnd.random() > .12
        if not h.submitted_complete:
            h.overrides.append(OverrideRequest("U_AE", "customer waiting", ("risks",), opened, "U_MGR", True, "", h.submitted_at))
        for _ in range(rnd.choices([0, 1, 2], [.8, .15, .05])[0]):
            h.escalations.append(Escalation("U_CSM", later(h.submitted_at, 1, 24), ("goals",), "too vague"))
            h.submitted_at = later(h.submitted_at, 1, 48)
    if status in (Status.ACCEPTED, Status.CLOSED) and h.submitted_at is not None:
        h.accepted_at = later(h.submitted_at, 1, 48)
        h.milestones = Milestones(first_touch_at=later(closed, 1, 96), kickoff_on=date(2026, 12, 1))
        if status is Status.CLOSED or rnd.random() < .3:
            h.milestones.rating, h.milestones.checkin_at = rnd.randint(2, 5), later(h.accepted_at, 700, 760)
            h.milestones.repeat_asks = ("goals",) if rnd.random() < .1 else ()
    if status in (Status.CLOSED, Status.CANCELLED):
        h.ended_at = later(opened, 24, 2000)
    h.sla_breaches = ["packet_due"] * rnd.choices([0, 1, 2], [.85, .1, .05])[0]
    return h


def load(engine: Engine, count: int) -> float:
    """Insert `count` handoffs in batches; returns the seconds it took."""
    rnd = random.Random(42)
    started = time.perf_counter()
    with engine.begin() as connection:
        for first in range(0, count, BATCH):
            rows = []
            for n in range(first, min(first + BATCH, count)):
                h = fake_handoff(n, rnd)
                rows.append(to_row(h) | {"version": h.version, "created_at": h.opened_at, "updated_at": NOW})
            connection.execute(insert(HANDOFFS), rows)
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return elapsed


def timed(work: Callable[[], int]) -> tuple[int, list[float]]:
    rows = work()  # warm-up: the first run pays for cold caches and statement preparation
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return rows, times


def measure(engine: Engine) -> list[tuple[str, int, list[float]]]:
    cutoff = NOW - timedelta(hours=24)
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    with Session(engine) as session:
        repo = SqlHandoffRepository(session)

        def month_metrics() -> int:
            facts = repo.facts(start, end)
            compute(facts, by=GroupBy.SEGMENT, thresholds=Thresholds())
            return len(facts)

        return [
            ("SLA due (waiting_since now-24h)", *timed(lambda: len(repo.waiting_since(cutoff)))),
            ("Oct 2026 metrics (facts + compute by segment)", *timed(month_metrics)),
        ]


def plan(engine: Engine) -> str:
    sql = str(waiting_since_query(NOW - timedelta(hours=24)).compile(engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.execute(text(explain + sql)).all()
    return "\n".join("    " + str(r[-1]) for r in rows)


@contextmanager
def sqlite_db() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_db(base: str) -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(name: str, url: str, count: int) -> list[tuple[str, str, int, list[float]]]:
    upgrade(url)
    engine = make_engine(url)
    try:
        seconds = load(engine, count)
        print(f"{name}: inserted {count:,} handoffs in {seconds:.1f}s ({count / seconds:,.0f} rows/s)")
        print(f"  plan of the SLA query:\n{plan(engine)}")
        return [(name, *result) for result in measure(engine)]
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args(argv)
    results: list[tuple[str, str, int, list[float]]] = []
    with sqlite_db() as url:
        results += run("sqlite", url, args.count)
    if not args.sqlite_only:
        base = os.environ.get("BATON_TEST_POSTGRES_URL", DEFAULT_PG)
        probe = make_engine(base, connect_args={"connect_timeout": 3})
        reachable = ping(probe)
        probe.dispose()
        if reachable:
            with postgres_db(base) as url:
                results += run("postgresql", url, args.count)
        else:
            print(f"postgresql: skipped, {make_url(base).render_as_string()} is unreachable")
    print(f"\n{args.count:,} handoffs, median of {RUNS} runs (after one warm-up)")
    print(f"{'dialect':<11} {'query':<47} {'rows':>7} {'median ms':>10} {'min-max ms':>15}")
    for dialect, query, rows, times in results:
        spread = f"{min(times):.1f}-{max(times):.1f}"
        print(f"{dialect:<11} {query:<47} {rows:>7,} {statistics.median(times):>10.1f} {spread:>15}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
