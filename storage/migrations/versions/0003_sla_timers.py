"""SLA timers: clocks per timer cycle, the queue of ladder steps the sweep claims, the daily
nudge budget, and people's time zones.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _big_id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "sla_clocks",
        _big_id(),
        sa.Column("handoff_id", sa.String(), nullable=False),
        sa.Column("timer", sa.String(), nullable=False),
        sa.Column("cycle", sa.String(), nullable=False),
        sa.Column("side", sa.String(), nullable=False),
        sa.Column("holders", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("prompt", sa.Boolean(), nullable=False),
        sa.Column("high_touch", sa.Boolean(), nullable=False),
        _when("started_at"),
        _when("due_at"),
        sa.Column("status", sa.String(), nullable=False),
        _when("breached_at", nullable=True),
        _when("stopped_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("handoff_id", "timer", "cycle", name="uq_sla_clocks_handoff_id_timer_cycle"),
    )
    op.create_index("ix_sla_clocks_status_due_at", "sla_clocks", ["status", "due_at"])

    op.create_table(
        "sla_timers",
        _big_id(),
        sa.Column("handoff_id", sa.String(), nullable=False),
        sa.Column("timer", sa.String(), nullable=False),
        sa.Column("cycle", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("escalation", sa.Boolean(), nullable=False),
        _when("fire_at"),
        _when("held_until", nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _when("fired_at", nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("handoff_id", "timer", "cycle", "step", "recipient",
                            name="uq_sla_timers_handoff_id_timer_cycle_step_recipient"),
    )
    # The sweep: a range scan over due pending rows, whatever the size of the history.
    op.create_index("ix_sla_timers_status_fire_at", "sla_timers", ["status", "fire_at"])
    op.create_index("ix_sla_timers_recipient_status_fire_at", "sla_timers", ["recipient", "status", "fire_at"])

    op.create_table(
        "nudge_budget",
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("day", sa.String(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("recipient", "day", name="pk_nudge_budget"),
    )
    op.create_table(
        "person_timezones",
        sa.Column("person", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("person", name="pk_person_timezones"),
    )


def downgrade() -> None:
    op.drop_table("person_timezones")
    op.drop_table("nudge_budget")
    op.drop_index("ix_sla_timers_recipient_status_fire_at", table_name="sla_timers")
    op.drop_index("ix_sla_timers_status_fire_at", table_name="sla_timers")
    op.drop_table("sla_timers")
    op.drop_index("ix_sla_clocks_status_due_at", table_name="sla_clocks")
    op.drop_table("sla_clocks")
