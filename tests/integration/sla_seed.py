"""Seed many handoffs with exactly one SLA step due, fast (bulk inserts, one transaction), and
run sweeps in a separate process: `python -m tests.integration.sla_seed URL sweep|hang`.

`sweep` sweeps in batches until nothing is left and prints how many steps it fired;
`hang` claims, prints CLAIMED, and waits before its commit until the test kills it.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.deal import Deal
from core.handoff import Handoff
from core.people import Actor, Person
from core.playbook import Playbook, QuietHours
from core.sla import SlaPlanner
from storage.engine import make_engine
from storage.mapping import audit_row, to_row
from storage.sweep import SlaSweeper, SweepReport
from storage.tables import AUDIT_ENTRIES, HANDOFFS
from storage.timers import TimerStore
from tests.integration.sla_world import sla_playbook

OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SWEEP_AT = OPENED + timedelta(hours=21)  # past each packet's 20h reminder, before its 24h due time


def always_open_playbook() -> Playbook:
    """No quiet hours, no weekends: the due step times are plain arithmetic."""
    return sla_playbook(quiet_hours=QuietHours(start="00:00", end="00:00", weekends=False))  # type: ignore[arg-type]


def seed_due(engine: Engine, count: int, *, planner: SlaPlanner, start: int = 0) -> list[str]:
    """`count` opened handoffs, each AE a different person, each with its reminder due at SWEEP_AT."""
    handoffs = [
        Handoff.open(
            handoff_id=f"ho_{n:07d}", segment="smb", ae=Person(f"ae{n}@acme.test"), csm=Person("dan@acme.test"),
            deal=Deal(id=f"D-{n}", name=f"Deal {n}", account=f"Account {n}", amount=Decimal(20_000), currency="USD",
                      stage="Closed Won", closed_at=OPENED, ae_email=f"ae{n}@acme.test"),
            required_fields=("goals",), actor=Actor.system(), at=OPENED,
        )
        for n in range(start, start + count)
    ]
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        session.execute(insert(HANDOFFS), [to_row(h) | {"version": 1, "created_at": now, "updated_at": now}
                                           for h in handoffs])
        session.execute(insert(AUDIT_ENTRIES), [audit_row(h.id, a) for h in handoffs for a in h.audit])
        TimerStore(session).sync({h.id: planner.plan(h, lambda _: None) for h in handoffs}, now)
    return [h.id for h in handoffs]


def main(url: str, mode: str) -> None:
    engine = make_engine(url)
    planner = SlaPlanner(always_open_playbook())
    if mode == "sweep":
        sweeper = SlaSweeper(engine=engine, planner=planner, batch=50)
        total = SweepReport()
        idle = 0
        while idle < 3:  # rows another sweep holds are skipped, so "nothing" may be momentary
            report = sweeper.sweep(SWEEP_AT)
            total.add(report)
            idle = idle + 1 if report.claimed == 0 else 0
        print(f"FIRED {total.fired}", flush=True)
    else:
        def hang(report: SweepReport) -> None:
            print(f"CLAIMED {report.claimed}", flush=True)
            time.sleep(120)

        SlaSweeper(engine=engine, planner=planner, batch=10_000, before_commit=hang).sweep(SWEEP_AT)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
