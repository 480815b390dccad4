"""Outbox targets: each message names the delivery function that takes it (chat, webhook, crm),
so each target is delivered, ordered and retried independently of the others.

Revision ID: 0004c
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004c"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every message written before this revision went to chat.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("target", sa.String(), nullable=False, server_default="chat"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("target")
