"""The scheduler inside `baton serve` (APScheduler 3, on the server's event loop).

Jobs: the monthly sample audit (`nudges.sample_audit`, daily at its time, queued on the month's
first working day only), the SLA sweep every `nudges.sweep_every` (30 s by default), the managers' weekly digest
(`nudges.weekly_digest`, Monday 09:00 in the playbook's default time zone by default), and one
replan of every unfinished handoff right after start (after an upgrade or an app.yaml edit).

Every replica runs the same jobs: the sweep's claims and the digest's idempotency key make sure
each nudge and each digest is written once however many processes try. The jobs only write to
the outbox; the dispatcher delivers, so a slow Slack never delays a sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.sla import SlaRuntime
from core.durations import parse_duration

log = logging.getLogger(__name__)
Wake = Callable[[], None]
SWEEP, WEEKLY, RECONCILE = "sla-sweep", "weekly-digest", "sla-reconcile"
SAMPLE = "sample-audit"


def build_scheduler(sla: SlaRuntime, *, wake: Wake | None = None) -> Any:
    """An AsyncIOScheduler with Baton's jobs; `start()` it inside the running event loop."""
    nudges = sla.playbook.nudges
    scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
    every = parse_duration(nudges.sweep_every).total_seconds()
    scheduler.add_job(sweep_job, IntervalTrigger(seconds=every, timezone=UTC), args=[sla, wake], id=SWEEP,
                      misfire_grace_time=int(every) * 10)
    weekly = nudges.weekly_digest
    if weekly.enabled:
        zone = weekly.timezone or sla.playbook.quiet_hours.default_timezone
        trigger = CronTrigger(day_of_week=weekly.day, hour=weekly.at.hour, minute=weekly.at.minute, timezone=zone)
        scheduler.add_job(weekly_job, trigger, args=[sla, wake], id=WEEKLY, misfire_grace_time=6 * 3600)
    audit = sla.playbook.nudges.sample_audit
    if audit.enabled:  # daily; the job itself only queues on the month's first working day
        zone = sla.playbook.quiet_hours.default_timezone
        scheduler.add_job(sample_audit_job, CronTrigger(hour=audit.at.hour, minute=audit.at.minute, timezone=zone),
                          args=[sla, wake], id=SAMPLE, misfire_grace_time=6 * 3600)
    scheduler.add_job(reconcile_job, DateTrigger(run_date=datetime.now(UTC), timezone=UTC), args=[sla, wake],
                      id=RECONCILE, misfire_grace_time=3600)
    return scheduler


async def sweep_job(sla: SlaRuntime, wake: Wake | None) -> None:
    try:
        report = await asyncio.to_thread(sla.sweep)
    except Exception:
        log.exception("SLA sweep failed; the next one retries")
        return
    if report.claimed:
        log.info("SLA sweep: %s", report)
    if report.messages or report.breaches:
        _wake(wake)


async def weekly_job(sla: SlaRuntime, wake: Wake | None) -> None:
    if await asyncio.to_thread(sla.enqueue_weekly_digest):
        log.info("weekly digest queued")
        _wake(wake)


async def sample_audit_job(sla: SlaRuntime, wake: Wake | None) -> None:
    from bot.reporting.sample import enqueue_sample_audit

    now = sla.clock.now()
    today = now.astimezone(ZoneInfo(sla.playbook.quiet_hours.default_timezone)).date()
    if await asyncio.to_thread(enqueue_sample_audit, sla.engine, sla.playbook, today=today, now=now):
        log.info("monthly sample audit queued")
        _wake(wake)


async def reconcile_job(sla: SlaRuntime, wake: Wake | None) -> None:
    try:
        count = await asyncio.to_thread(sla.reconcile)
    except Exception:
        log.exception("replanning SLA timers at start failed; changes replan them as they come")
        return
    log.info("SLA timers replanned for %d unfinished handoffs", count)


def _wake(wake: Wake | None) -> None:
    if wake is not None:
        wake()
