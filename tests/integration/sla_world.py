"""A small world for SLA tests on a real database: a playbook, the service with the replanning
unit of work, the sweep, and an injected clock the test moves forward (nothing sleeps)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.sla import SlaRuntime
from core import commands as c
from core.deal import Deal
from core.people import Actor
from core.playbook import (
    FieldSpec,
    FieldType,
    Nudges,
    Playbook,
    QuietHours,
    Roles,
    Section,
    Segment,
)
from core.services import HandoffService
from storage.sweep import SweepReport
from storage.tables import OUTBOX
from storage.timers import TimerStore
from tests.fakes import FrozenClock

MONDAY_9AM = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
AE = Actor("U_ANA", "ana@acme.test")
CSM = Actor("U_DAN", "dan@acme.test")
CRM = Actor.system()


def sla_playbook(**changes: Any) -> Playbook:
    book = Playbook(
        default_segment="smb",
        segments=[
            Segment(id="smb", label="SMB", max_amount=Decimal(50_000), csm_pool=["dan@acme.test"]),
            Segment(id="ent", label="Enterprise", min_amount=Decimal(50_000), live_call_required=True,
                    csm_pool=["dan@acme.test"]),
        ],
        sections=[Section(id="basics", title="Basics", fields=[
            FieldSpec(id="goals", label="Goals", type=FieldType.TEXT, required=True),
        ])],
        roles=Roles(sales_managers=["sam@acme.test"], cs_managers=["cleo@acme.test"], revops=["rita@acme.test"]),
        quiet_hours=QuietHours(default_timezone="UTC"),  # 19:00-08:00 and weekends
    )
    return book.model_copy(update=changes)


@dataclass
class Nudge:
    key: str
    handoff_id: str
    step: str
    recipient: str
    lead: bool
    items: list[dict[str, str]]
    at: datetime


class SlaWorld:
    def __init__(self, engine: Engine, playbook: Playbook | None = None, *, start: datetime = MONDAY_9AM) -> None:
        self.engine = engine
        self.clock = FrozenClock(start)
        self.playbook = playbook or sla_playbook()
        self.sla = SlaRuntime.build(engine=engine, playbook=self.playbook, clock=self.clock)
        ids = itertools.count(1)
        self.service = HandoffService(playbook=self.playbook, uow=self.sla.sweeper.unit_of_work, clock=self.clock,
                                      new_id=lambda: f"ho_{next(ids):04d}")
        self._deals = itertools.count(1)

    def open(self, *, ae: str = "ana@acme.test", amount: int = 20_000) -> str:
        n = next(self._deals)
        deal = Deal(id=f"D-{n}", name=f"Deal {n}", account=f"Account {n}", amount=Decimal(amount), currency="USD",
                    stage="Closed Won", closed_at=self.clock.now(), ae_email=ae, csm_email="dan@acme.test")
        return self.service.open_handoff(c.OpenHandoff(deal, CRM)).handoff_id

    def submit(self, handoff_id: str, actor: Actor = AE) -> None:
        self.service.save_draft(c.SaveDraft(handoff_id, actor, {"goals": "Cut onboarding time in half"}))
        self.service.submit(c.SubmitPacket(handoff_id, actor))

    def sweep(self) -> SweepReport:
        return self.sla.sweep(self.clock.now())

    def run_until(self, end: datetime, *, every: timedelta = timedelta(minutes=30)) -> SweepReport:
        """Sweep every `every` from now until `end`, like the scheduler would; the clock stays at
        the last sweep."""
        total = SweepReport()
        while True:
            total.add(self.sweep())
            if self.clock.now() + every > end:
                return total
            self.clock.advance(seconds=every.total_seconds())

    def nudges(self) -> list[Nudge]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(OUTBOX.c.idempotency_key, OUTBOX.c.payload).where(OUTBOX.c.kind == "NudgeDue").order_by(OUTBOX.c.id)
            ).all()
        return [Nudge(key, p["handoff_id"], p["step"], p["recipient"], p["lead"], p["items"],
                      datetime.fromisoformat(p["at"])) for key, p in rows]

    def messages(self, recipient: str | None = None) -> list[Nudge]:
        """What Slack would get: one message per digest (the lead nudge)."""
        return [n for n in self.nudges() if n.lead and (recipient is None or n.recipient == recipient)]

    def steps(self, handoff_id: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return TimerStore(session).steps(handoff_id)

    def step(self, handoff_id: str, name: str, recipient: str = "ana@acme.test") -> dict[str, Any]:
        return next(s for s in self.steps(handoff_id) if s["step"] == name and s["recipient"] == recipient)


def days(start: datetime, count: int) -> Iterator[datetime]:
    return (start + timedelta(days=n) for n in range(count))


def quiet_ladder(**changes: Any) -> Nudges:
    return Nudges(ladder=Nudges().ladder.model_copy(update=changes))
