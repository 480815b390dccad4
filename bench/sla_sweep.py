"""How long one SLA sweep takes when 1,000 timer steps are due, as the database grows.

    python bench/sla_sweep.py [--sizes 10000,100000,1000000] [--due 1000] [--runs 5]

Fills one PostgreSQL schema (BATON_TEST_POSTGRES_URL, or the local default) step by step to
each size: 1,000 handoffs whose packet reminder is due now (real domain objects, their timers
planned by core/sla.py), and the rest a plausible history bulk-loaded with COPY: closed,
accepted and cancelled handoffs, three timer steps each (fired, cancelled, some pending in the
future) and a clock per handoff. At each size it times `SlaSweeper.sweep` (median of `--runs`
after a warm-up; the 1,000 steps are put back to pending between runs, outside the timing),
and shows the plan of the claim query: a range scan of ix_sla_timers_status_fire_at, which is
why the cost follows the due rows and not the table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.config import load_playbook
from core.deal import Deal
from core.handoff import Handoff
from core.people import Actor, Person
from core.sla import SlaPlanner
from storage.engine import make_engine, ping
from storage.mapping import audit_row, to_row
from storage.migrate import upgrade
from storage.sweep import SlaSweeper
from storage.tables import AUDIT_ENTRIES, HANDOFFS, NUDGE_BUDGET, OUTBOX, SLA_TIMERS
from storage.timers import TimerStore

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday, 10:00 in New York (the playbook's zone)
AES = 200  # the due reminders go to 200 AEs: 200 digests of five


def due_handoffs(count: int, planner: SlaPlanner) -> list[Handoff]:
    """Opened 21h ago (give or take 50 minutes): each one's 20h packet reminder is due now."""
    out = []
    for n in range(count):
        opened = NOW - timedelta(hours=21, minutes=n % 50)
        ae = f"ae{n % AES}@example.com"
        deal = Deal(id=f"DUE-{n:05d}", name=f"Deal {n}", account=f"Account {n}", amount=Decimal(60_000),
                    currency="USD", stage="Closed Won", closed_at=opened, ae_email=ae)
        out.append(Handoff.open(handoff_id=f"ho_due_{n:05d}", deal=deal, segment="hybrid", ae=Person(ae),
                                csm=Person("dev.patel@example.com"), required_fields=("customer_goals",),
                                actor=Actor.system(), at=opened))
    return out


def load_due(engine: Engine, planner: SlaPlanner, count: int) -> list[int]:
    handoffs = due_handoffs(count, planner)
    with Session(engine) as session, session.begin():
        session.execute(insert(HANDOFFS), [to_row(h) | {"version": 1, "created_at": NOW, "updated_at": NOW}
                                           for h in handoffs])
        session.execute(insert(AUDIT_ENTRIES), [audit_row(h.id, a) for h in handoffs for a in h.audit])
        TimerStore(session).sync({h.id: planner.plan(h, lambda _: None) for h in handoffs}, NOW)
        ids = session.execute(
            select(SLA_TIMERS.c.id).where(SLA_TIMERS.c.status == "pending", SLA_TIMERS.c.fire_at <= NOW)
        ).scalars().all()
    return list(ids)


# -- the history, bulk-loaded with COPY ------------------------------------------------------

def _ts(moment: datetime) -> str:
    return moment.isoformat()


def _copy(engine: Engine, table: str, columns: list[str], lines: Iterator[str]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            buffer = io.StringIO()
            for n, line in enumerate(lines, 1):
                buffer.write(line)
                if n % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()


HANDOFF_COLUMNS = [c.name for c in HANDOFFS.columns]
STATUSES = ["closed"] * 50 + ["accepted"] * 35 + ["cancelled"] * 10 + ["escalated"] * 5


def _handoff_line(n: int) -> str:
    status = STATUSES[n % len(STATUSES)]
    opened = NOW - timedelta(days=2 + n % 700, minutes=n % 1440)
    ae, csm = f"ae{n % 400}@example.com", f"csm{n % 60}@example.com"
    deal = json.dumps({"id": f"H-{n}", "name": f"Deal {n}", "account": f"Account {n % 50_000}", "amount": "42000",
                       "currency": "USD", "stage": "Closed Won", "closed_at": _ts(opened), "ae_email": ae,
                       "csm_email": csm, "segment": None, "crm_url": None, "fields": {}})
    done = status in ("closed", "accepted")
    milestones = json.dumps({"first_touch_at": _ts(opened + timedelta(hours=30)) if done else None,
                             "kickoff_on": None, "feedback_went_well": None, "feedback_missing": None,
                             "feedback_at": None, "rating": 4 if done else None, "repeat_asks": [],
                             "checkin_at": None})
    submitted = _ts(opened + timedelta(hours=20)) if status != "cancelled" else r"\N"
    accepted = _ts(opened + timedelta(hours=30)) if done else r"\N"
    values = {
        "id": f"ho_{n:09d}", "deal_id": f"H-{n}", "deal_name": f"Deal {n}", "account": f"Account {n % 50_000}",
        "segment": ("low_touch", "hybrid", "high_touch")[n % 3], "status": status, "ae_email": ae,
        "ae_chat_id": r"\N", "csm_email": csm, "csm_chat_id": r"\N", "owner_email": csm if done else ae,
        "deal": deal, "required_fields": '["customer_goals"]', "packet": '{"customer_goals": "Grow"}',
        "opened_at": _ts(opened), "closed_at": _ts(opened), "first_submitted_at": submitted,
        "submitted_at": submitted, "submitted_complete": "t" if status != "cancelled" else r"\N",
        "accepted_at": accepted, "ended_at": _ts(opened + timedelta(days=40)) if status in ("closed", "cancelled")
        else r"\N", "overridden": "f", "escalation_count": "1" if status == "escalated" else "0",
        "sla_breach_count": "0", "first_touch_at": _ts(opened + timedelta(hours=30)) if done else r"\N",
        "rating": "4" if done else r"\N", "repeat_ask_count": "0", "overrides": "[]", "escalations": "[]",
        "milestones": milestones, "sla_breaches": "[]", "version": "4", "created_at": _ts(opened),
        "updated_at": _ts(opened),
    }
    return "\t".join(values[c] for c in HANDOFF_COLUMNS) + "\n"


TIMER_COLUMNS = ["handoff_id", "timer", "cycle", "step", "recipient", "rank", "escalation", "fire_at", "held_until",
                 "status", "note", "fired_at", "created_at", "updated_at"]
CLOCK_COLUMNS = ["handoff_id", "timer", "cycle", "side", "holders", "prompt", "high_touch", "started_at", "due_at",
                 "status", "breached_at", "stopped_at", "created_at", "updated_at"]


def _timer_lines(n: int) -> Iterator[str]:
    """Three steps per handoff: a fired reminder, a cancelled due step, and (for one in three)
    a check-in prompt pending some days ahead."""
    opened = NOW - timedelta(days=2 + n % 700, minutes=n % 1440)
    hid, ae, cycle = f"ho_{n:09d}", f"ae{n % 400}@example.com", opened.strftime("%Y%m%dT%H%M%SZ")
    fired = _ts(opened + timedelta(hours=20))
    yield "\t".join([hid, "packet_due", cycle, "remind", ae, "0", "f", fired, r"\N", "fired", r"\N", fired,
                     _ts(opened), fired]) + "\n"
    yield "\t".join([hid, "packet_due", cycle, "due", ae, "1", "f", _ts(opened + timedelta(hours=24)), r"\N",
                     "cancelled", "the timer stopped or changed", r"\N", _ts(opened), fired]) + "\n"
    pending = n % 3 == 0
    ahead = _ts(NOW + timedelta(hours=1 + n % 700))
    yield "\t".join([hid, "checkin_after", cycle, "due", f"csm{n % 60}@example.com", "1", "f",
                     ahead if pending else fired, r"\N", "pending" if pending else "cancelled", r"\N", r"\N",
                     _ts(opened), fired]) + "\n"


def _clock_line(n: int) -> str:
    opened = NOW - timedelta(days=2 + n % 700, minutes=n % 1440)
    running = n % 3 == 0
    return "\t".join([
        f"ho_{n:09d}", "checkin_after" if running else "packet_due", opened.strftime("%Y%m%dT%H%M%SZ"),
        "csm" if running else "ae", f'["ae{n % 400}@example.com"]', "t" if running else "f", "f", _ts(opened),
        _ts(NOW + timedelta(hours=1 + n % 700)) if running else _ts(opened + timedelta(hours=24)),
        "running" if running else "stopped", r"\N", r"\N" if running else _ts(opened + timedelta(hours=20)),
        _ts(opened), _ts(opened),
    ]) + "\n"


def load_history(engine: Engine, first: int, last: int) -> float:
    started = time.perf_counter()
    _copy(engine, "handoffs", HANDOFF_COLUMNS, (_handoff_line(n) for n in range(first, last)))
    _copy(engine, "sla_timers", TIMER_COLUMNS, (line for n in range(first, last) for line in _timer_lines(n)))
    _copy(engine, "sla_clocks", CLOCK_COLUMNS, (_clock_line(n) for n in range(first, last)))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


# -- the measurement --------------------------------------------------------------------------

def reset(engine: Engine, due_ids: list[int]) -> None:
    """Put the due steps back as they were, and forget what the last sweep wrote."""
    with Session(engine) as session, session.begin():
        session.execute(update(SLA_TIMERS).where(SLA_TIMERS.c.id.in_(due_ids))
                        .values(status="pending", fired_at=None, note=None))
        session.execute(OUTBOX.delete().where(OUTBOX.c.kind == "NudgeDue"))
        session.execute(NUDGE_BUDGET.delete())


def measure(engine: Engine, sweeper: SlaSweeper, due_ids: list[int], runs: int,
            ) -> tuple[list[float], list[float], Any]:
    """(whole-sweep times, claim-only times, the last sweep's report), in milliseconds."""
    times, claims, report = [], [], None
    for run in range(runs + 1):
        reset(engine, due_ids)
        with Session(engine) as session:  # the claim alone, rolled back
            started = time.perf_counter()
            claimed = TimerStore(session).claim_due(NOW, len(due_ids))
            claim_ms = (time.perf_counter() - started) * 1000
            session.rollback()
        assert len(claimed) == len(due_ids)
        started = time.perf_counter()
        report = sweeper.sweep(NOW)
        elapsed = (time.perf_counter() - started) * 1000
        if run:  # the first run warms caches and prepares statements
            times.append(elapsed)
            claims.append(claim_ms)
    return times, claims, report


def claim_plan(engine: Engine) -> str:
    sql = ("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM sla_timers WHERE status = 'pending' "
           f"AND fire_at <= '{NOW.isoformat()}' ORDER BY fire_at, id LIMIT 1000 FOR UPDATE SKIP LOCKED")
    with engine.begin() as connection:
        rows = [r[0] for r in connection.execute(text(sql))]
        connection.rollback()
    return "\n".join(f"    {r}" for r in rows)


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    schema = f"bench_sla_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    base = os.environ.get("BATON_TEST_POSTGRES_URL", DEFAULT_PG)
    probe = make_engine(base, connect_args={"connect_timeout": 3})
    reachable = ping(probe)
    probe.dispose()
    if not reachable:
        print(f"sla_sweep: skipped, PostgreSQL at {make_url(base).render_as_string()} is unreachable")
        return 0
    planner = SlaPlanner(load_playbook(REPO / "app.yaml"))
    results = []
    with postgres_schema(base) as url:
        upgrade(url)
        engine = make_engine(url)
        sweeper = SlaSweeper(engine=engine, planner=planner, batch=args.due)
        due_ids = load_due(engine, planner, args.due)
        assert len(due_ids) == args.due, f"expected {args.due} due steps, planned {len(due_ids)}"
        loaded = args.due
        for size in sizes:
            seconds = load_history(engine, loaded, size)
            print(f"loaded handoffs {loaded:,}..{size:,} with COPY in {seconds:.1f}s", flush=True)
            loaded = size
            times, claims, report = measure(engine, sweeper, due_ids, args.runs)
            timers = count_rows(engine, "sla_timers")
            results.append((size, timers, report, times, claims))
            print(f"  {size:,} handoffs, {timers:,} timer rows: sweep median {statistics.median(times):.0f} ms "
                  f"({report})", flush=True)
        reset(engine, due_ids)
        print(f"\nplan of the claim at {sizes[-1]:,} handoffs, {args.due:,} due:\n{claim_plan(engine)}")
        engine.dispose()
    print(f"\nSLA sweep with {args.due:,} due steps, median of {args.runs} runs after a warm-up (PostgreSQL)")
    print(f"{'handoffs':>10} {'timer rows':>11} {'claimed':>8} {'fired':>6} {'messages':>9} {'sweep ms':>9} "
          f"{'min-max ms':>11} {'ms/due step':>12} {'claim ms':>9}")
    for size, timers, report, times, claims in results:
        spread = f"{min(times):.0f}-{max(times):.0f}"
        print(f"{size:>10,} {timers:>11,} {report.claimed:>8,} {report.fired:>6,} {report.messages:>9,} "
              f"{statistics.median(times):>9.0f} {spread:>11} {statistics.median(times) / report.claimed:>12.2f} "
              f"{statistics.median(claims):>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
