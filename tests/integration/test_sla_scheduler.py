"""The scheduler `baton serve` runs: the sweep every 30 seconds, the weekly digest on Monday
morning, both from the playbook; the jobs themselves are plain calls, tested without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.bootstrap import Baton, bootstrap
from bot.config import load_playbook
from bot.scheduler import (
    RECONCILE,
    SAMPLE,
    SWEEP,
    WEEKLY,
    build_scheduler,
    reconcile_job,
    sweep_job,
    weekly_job,
)
from bot.settings import Settings
from core import commands as c
from core.deal import Deal
from core.people import Actor
from tests.fakes import FrozenClock
from tests.integration.slack_world import REPO


def baton_at(tmp_path: Path, clock: FrozenClock, **nudges: object) -> Baton:
    playbook = load_playbook(REPO / "app.yaml")
    if nudges:
        playbook = playbook.model_copy(update={"nudges": playbook.nudges.model_copy(update=nudges)})
    return bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'baton.db'}"), clock=clock, playbook=playbook)


async def test_serve_schedules_the_sweep_the_weekly_digest_and_a_replan_at_start(tmp_path: Path) -> None:
    baton = baton_at(tmp_path, FrozenClock())
    scheduler = build_scheduler(baton.sla)
    jobs = {job.id: job for job in scheduler.get_jobs()}

    assert set(jobs) == {SWEEP, WEEKLY, RECONCILE, SAMPLE}
    sweep, weekly = jobs[SWEEP].trigger, jobs[WEEKLY].trigger
    assert isinstance(sweep, IntervalTrigger) and sweep.interval == timedelta(seconds=30)
    assert isinstance(weekly, CronTrigger) and str(weekly.timezone) == "America/New_York"
    monday = weekly.get_next_fire_time(None, datetime(2026, 11, 4, tzinfo=UTC))
    assert monday is not None and (monday.weekday(), monday.hour, monday.minute) == (0, 9, 0)

    scheduler.start()
    try:
        assert scheduler.running
    finally:
        scheduler.shutdown(wait=False)
    baton.engine.dispose()


async def test_a_quieter_playbook_changes_the_schedule(tmp_path: Path) -> None:
    clock = FrozenClock()
    baton = baton_at(tmp_path, clock, sweep_every="2m",
                     weekly_digest=load_playbook(REPO / "app.yaml").nudges.weekly_digest.model_copy(
                         update={"enabled": False}))
    jobs = {job.id: job for job in build_scheduler(baton.sla).get_jobs()}
    assert set(jobs) == {SWEEP, RECONCILE, SAMPLE} and jobs[SWEEP].trigger.interval == timedelta(minutes=2)
    baton.engine.dispose()


async def test_the_jobs_sweep_queue_the_digest_and_wake_the_dispatcher(tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 11, 3, 14, 0, tzinfo=UTC))  # Tuesday 09:00 in New York
    baton = baton_at(tmp_path, clock)
    deal = Deal(id="D-1", name="Expansion", account="Globex", amount=60_000, currency="USD",  # type: ignore[arg-type]
                stage="Closed Won", closed_at=clock.now(), ae_email="ana@example.com", csm_email="dev.patel@example.com")
    baton.service.open_handoff(c.OpenHandoff(deal, Actor.system()))
    woken: list[str] = []

    await reconcile_job(baton.sla, None)
    clock.advance(hours=24)
    await sweep_job(baton.sla, lambda: woken.append("sweep"))
    await sweep_job(baton.sla, lambda: woken.append("again"))  # nothing new: nobody woken
    await weekly_job(baton.sla, lambda: woken.append("digest"))
    await weekly_job(baton.sla, lambda: woken.append("digest twice"))

    assert woken == ["sweep", "digest"]
    baton.engine.dispose()
