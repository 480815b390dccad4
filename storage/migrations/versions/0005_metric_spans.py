"""The three spans the metrics take medians of, stored in whole microseconds.

Revision ID: 0005
Revises: 0004e
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPANS = {  # column: (start, end)
    "us_to_submit": ("opened_at", "first_submitted_at"),
    "us_to_accept": ("first_submitted_at", "accepted_at"),
    "us_to_first_touch": ("closed_at", "first_touch_at"),
}
BATCH = 5_000
# Every column a period's metrics read, so they scan this index and not the wide rows.
METRIC_COLUMNS = ("opened_at", "segment", "ae_email", "csm_email", "first_submitted_at", "submitted_complete",
                  "escalation_count", "overridden", "sla_breach_count", "rating", "repeat_ask_count",
                  *SPANS)


def _utc(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def upgrade() -> None:
    for column in SPANS:
        op.add_column("handoffs", sa.Column(column, sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    handoffs = sa.table("handoffs", sa.column("id"), *(sa.column(c) for c in
                        {"opened_at", "first_submitted_at", "accepted_at", "closed_at", "first_touch_at"}),
                        *(sa.column(c) for c in SPANS))
    rows = connection.execute(sa.select(handoffs.c.id, handoffs.c.opened_at, handoffs.c.first_submitted_at,
                                        handoffs.c.accepted_at, handoffs.c.closed_at,
                                        handoffs.c.first_touch_at)).mappings().all()
    updates = []
    for row in rows:
        values = {"hid": row["id"]}
        for column, (start, end) in SPANS.items():
            a, b = row[start], row[end]
            values[column] = None if a is None or b is None else (_utc(b) - _utc(a)) // timedelta(microseconds=1)
        updates.append(values)
    statement = handoffs.update().where(handoffs.c.id == sa.bindparam("hid")).values(
        {c: sa.bindparam(c) for c in SPANS})
    for first in range(0, len(updates), BATCH):
        connection.execute(statement, updates[first:first + BATCH])
    op.create_index("ix_handoffs_metrics", "handoffs", list(METRIC_COLUMNS))


def downgrade() -> None:
    op.drop_index("ix_handoffs_metrics", table_name="handoffs")
    with op.batch_alter_table("handoffs") as batch:
        for column in SPANS:
            batch.drop_column(column)
