"""Many replicas on one PostgreSQL: each nudge is written exactly once, and a sweep that dies
between its claim and its commit loses nothing (its rows come back)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.sla import SlaPlanner
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.sweep import SlaSweeper, SweepReport
from storage.tables import OUTBOX, SLA_TIMERS
from tests.integration.sla_seed import SWEEP_AT, always_open_playbook, seed_due

pytestmark = pytest.mark.postgres
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg(postgres_url: str) -> Iterator[tuple[str, Engine]]:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    yield postgres_url, engine
    engine.dispose()


def counts(engine: Engine) -> tuple[int, int, int]:
    """(nudges in the outbox, distinct keys among them, steps marked fired)."""
    with Session(engine) as session:
        nudges = session.execute(
            select(func.count(), func.count(OUTBOX.c.idempotency_key.distinct())).where(OUTBOX.c.kind == "NudgeDue")
        ).one()
        fired = session.execute(select(func.count()).select_from(SLA_TIMERS).where(SLA_TIMERS.c.status == "fired"))
        return int(nudges[0]), int(nudges[1]), int(fired.scalar_one())


def sweeper_process(url: str, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tests.integration.sla_seed", url, mode], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_sweeping_1000_due_timers_write_exactly_1000_nudges(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    seed_due(engine, 1000, planner=SlaPlanner(always_open_playbook()))

    procs = [sweeper_process(url, "sweep") for _ in range(2)]
    outputs = [p.communicate(timeout=240) for p in procs]

    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    fired = [int(out.split()[-1]) for out, _ in outputs]
    print(f"\nfired per process: {fired}")
    assert sum(fired) == 1000  # no step claimed twice (the outbox key would have hidden a duplicate)
    assert counts(engine) == (1000, 1000, 1000)


def test_two_sweepers_in_threads_share_the_work_without_overlap(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    planner = SlaPlanner(always_open_playbook())
    seed_due(engine, 1000, planner=planner)
    start = threading.Barrier(2)
    reports: list[SweepReport] = []

    def run() -> None:
        sweeper = SlaSweeper(engine=make_engine(url), planner=planner, batch=25)
        total = SweepReport()
        start.wait()
        while (report := sweeper.sweep(SWEEP_AT)).claimed:
            total.add(report)
        reports.append(total)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)

    assert sum(r.fired for r in reports) == 1000 and sum(r.claimed for r in reports) == 1000
    assert counts(engine) == (1000, 1000, 1000)


def test_a_sweep_killed_between_claim_and_commit_leaves_its_timers_claimable(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    planner = SlaPlanner(always_open_playbook())
    seed_due(engine, 200, planner=planner)
    victim = sweeper_process(url, "hang")
    try:
        assert victim.stdout is not None
        assert victim.stdout.readline().strip() == "CLAIMED 200"
        # While the victim holds its claim, another replica skips those rows rather than waiting.
        assert SlaSweeper(engine=engine, planner=planner).sweep(SWEEP_AT).claimed == 0
    finally:
        victim.kill()  # SIGKILL: no rollback from the victim, the server notices the dead connection
        victim.communicate(timeout=30)

    survivor = SlaSweeper(engine=engine, planner=planner, batch=1000)
    report = SweepReport()
    for _ in range(50):  # the server may take a moment to end the dead backend and free its locks
        report = survivor.sweep(SWEEP_AT)
        if report.claimed:
            break
        threading.Event().wait(0.1)
    assert (report.claimed, report.fired) == (200, 200)
    assert counts(engine) == (200, 200, 200)
