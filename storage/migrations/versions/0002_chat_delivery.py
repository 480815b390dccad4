"""Chat adapters' bookkeeping: where each handoff lives in chat, and finished delivery steps.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_refs",
        sa.Column("handoff_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("handoff_id", "name", name="pk_chat_refs"),
    )
    op.create_table(
        "delivery_steps",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_delivery_steps"),
    )


def downgrade() -> None:
    op.drop_table("delivery_steps")
    op.drop_table("chat_refs")
