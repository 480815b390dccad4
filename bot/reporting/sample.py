"""The monthly sample audit: drawn and queued by the scheduler, posted to RevOps by the outbox.

The draw happens when the job queues the message (the ids travel in the event), so what RevOps
reads is exactly what was drawn, and a retried delivery posts the same handoffs. The job runs
every day at `nudges.sample_audit.at` and does nothing unless today is the month's first working
day; the outbox key (`sample-audit:YYYY-MM`) keeps it to one message however many replicas run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.business_time import WorkCalendar
from core.playbook import Playbook
from core.sampling import (
    SAMPLE_AUDIT,
    SampleAuditDue,
    SampleCandidate,
    candidate_of,
    first_working_day,
    pick_sample,
    previous_month,
    seed_for,
)
from storage.metrics_sql import accepted_between
from storage.outbox import enqueue
from storage.repository import SqlHandoffRepository
from storage.tables import OUTBOX


def enqueue_sample_audit(engine: Engine, playbook: Playbook, *, today: date, now: datetime) -> bool:
    """Queue this month's sample if today is its first working day; True when newly queued."""
    audit = playbook.nudges.sample_audit
    calendar = WorkCalendar.from_quiet_hours(playbook.quiet_hours)
    if not audit.enabled or today != first_working_day(today.year, today.month, calendar):
        return False
    start, end = previous_month(today)
    bounds = (datetime.combine(start, time(), UTC), datetime.combine(end, time(), UTC))
    with Session(engine) as session, session.begin():
        pool = accepted_between(session.connection(), *bounds)
        chosen = pick_sample(pool, audit.size, seed=seed_for(start))
        event = SampleAuditDue(handoff_id=SAMPLE_AUDIT, seq=0, at=now, actor_id="system:sample",
                               month=f"{start:%Y-%m}", handoff_ids=tuple(c.handoff_id for c in chosen))
        before = session.execute(select(func.count()).select_from(OUTBOX)
                                 .where(OUTBOX.c.idempotency_key == event.key)).scalar_one()
        enqueue(session, [event], now=now)
        return int(before) == 0


def candidates(engine: Engine, handoff_ids: tuple[str, ...]) -> list[SampleCandidate]:
    """The drawn handoffs as the audit shows them, in the order drawn (oldest acceptance first)."""
    with Session(engine) as session:
        found = {h.id: h for h in SqlHandoffRepository(session).get_many(list(handoff_ids))}
    return [candidate_of(found[i]) for i in handoff_ids if i in found and found[i].accepted_at is not None]
