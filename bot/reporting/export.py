"""Exports that leave Baton: metrics as CSV or JSON, and the audit trail as JSON lines.

The CSV and JSON carry exactly the Metrics fields (red flags joined with "; " in CSV), so a
spreadsheet and `/handoff metrics` show the same numbers. The audit export pages through the
table by (at, id), so a year of entries streams in constant memory, each entry once, in order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine

from core.metrics import Metrics
from storage.tables import AUDIT_ENTRIES

COLUMNS = tuple(f.name for f in fields(Metrics))
PAGE = 1_000


def metrics_csv(rows: Sequence[Metrics]) -> str:
    """One line per group; empty cells where a rate has nothing to divide."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in rows:
        writer.writerow(["; ".join(m.red_flags) if c == "red_flags" else _cell(getattr(m, c)) for c in COLUMNS])
    return out.getvalue()


def metrics_json(rows: Sequence[Metrics], *, start: datetime, end: datetime) -> str:
    """The period and one object per group, for scripts."""
    groups = [asdict(m) | {"red_flags": list(m.red_flags)} for m in rows]
    return json.dumps({"from": start.isoformat(), "to": end.isoformat(), "groups": groups}, indent=2) + "\n"


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def audit_lines(engine: Engine, start: datetime, end: datetime) -> Iterator[str]:
    """Every audit entry with `at` in [start, end), oldest first (ties by id), one JSON object per line."""
    A = AUDIT_ENTRIES.c
    after: tuple[datetime, int] | None = None
    while True:
        query = select(A.id, A.handoff_id, A.seq, A.at, A.actor_id, A.action, A.from_status, A.to_status, A.detail)
        query = query.where(A.at >= start, A.at < end).order_by(A.at, A.id).limit(PAGE)
        if after is not None:
            query = query.where(or_(A.at > after[0], and_(A.at == after[0], A.id > after[1])))
        with engine.connect() as conn:
            page = conn.execute(query).all()
        for row in page:
            entry = dict(row._mapping) | {"at": row.at.isoformat()}
            yield json.dumps(entry, sort_keys=True, default=str)
        if len(page) < PAGE:
            return
        after = (page[-1].at, page[-1].id)
