"""The initial schema: handoffs, their audit trail, the outbox and processed inbound events.

Written by hand to match storage/tables.py (a test compares the two on SQLite and PostgreSQL).
Types are spelled out here rather than imported from storage, so this revision keeps meaning
the same thing when the application code moves on.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _when(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _big_id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("deal_id", sa.String(), nullable=False),
        sa.Column("deal_name", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("segment", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("ae_email", sa.String(), nullable=False),
        sa.Column("ae_chat_id", sa.String(), nullable=True),
        sa.Column("csm_email", sa.String(), nullable=False),
        sa.Column("csm_chat_id", sa.String(), nullable=True),
        sa.Column("owner_email", sa.String(), nullable=False),
        sa.Column("deal", _json(), nullable=False),
        sa.Column("required_fields", _json(), nullable=False),
        sa.Column("packet", _json(), nullable=False),
        _when("opened_at"),
        _when("closed_at"),
        _when("first_submitted_at", nullable=True),
        _when("submitted_at", nullable=True),
        sa.Column("submitted_complete", sa.Boolean(), nullable=True),
        _when("accepted_at", nullable=True),
        _when("ended_at", nullable=True),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("escalation_count", sa.Integer(), nullable=False),
        sa.Column("sla_breach_count", sa.Integer(), nullable=False),
        _when("first_touch_at", nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("repeat_ask_count", sa.Integer(), nullable=False),
        sa.Column("overrides", _json(), nullable=False),
        sa.Column("escalations", _json(), nullable=False),
        sa.Column("milestones", _json(), nullable=False),
        sa.Column("sla_breaches", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("deal_id", name="uq_handoffs_deal_id"),
    )
    # The SLA sweep: (status, opened_at) for the AE's side, (status, submitted_at) for the CSM's.
    op.create_index("ix_handoffs_status_opened_at", "handoffs", ["status", "opened_at"])
    op.create_index("ix_handoffs_status_submitted_at", "handoffs", ["status", "submitted_at"])
    op.create_index("ix_handoffs_segment_opened_at", "handoffs", ["segment", "opened_at"])
    op.create_index("ix_handoffs_csm_email", "handoffs", ["csm_email"])
    op.create_index("ix_handoffs_owner_email", "handoffs", ["owner_email"])
    op.create_index("ix_handoffs_opened_at", "handoffs", ["opened_at"])

    op.create_table(
        "audit_entries",
        _big_id(),
        sa.Column("handoff_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("actor_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("from_status", sa.String(), nullable=False),
        sa.Column("to_status", sa.String(), nullable=False),
        sa.Column("detail", _json(), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], name="fk_audit_entries_handoff_id"),
        sa.UniqueConstraint("handoff_id", "seq", name="uq_audit_entries_handoff_id_seq"),
    )

    op.create_table(
        "outbox",
        _big_id(),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("handoff_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index("ix_outbox_handoff_id", "outbox", ["handoff_id"])
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "processed_events",
        sa.Column("key", sa.String(), primary_key=True),
        _when("processed_at"),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_index("ix_outbox_handoff_id", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("audit_entries")
    for name in (
        "ix_handoffs_opened_at", "ix_handoffs_owner_email", "ix_handoffs_csm_email",
        "ix_handoffs_segment_opened_at", "ix_handoffs_status_submitted_at", "ix_handoffs_status_opened_at",
    ):
        op.drop_index(name, table_name="handoffs")
    op.drop_table("handoffs")
