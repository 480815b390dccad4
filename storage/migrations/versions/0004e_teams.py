"""Teams: conversation references and the people met in Teams.

Revision ID: 0004e
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004e"
down_revision: str | None = "0004c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("conversation_id", sa.String(), nullable=False),
        sa.Column("reference", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("personal_for", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_teams_conversations"),
    )
    op.create_index("ix_teams_conversations_personal_for", "teams_conversations", ["personal_for"])
    op.create_table(
        "teams_people",
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("aad_object_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_teams_people"),
    )
    op.create_index("ix_teams_people_email", "teams_people", ["email"])


def downgrade() -> None:
    op.drop_index("ix_teams_people_email", table_name="teams_people")
    op.drop_table("teams_people")
    op.drop_index("ix_teams_conversations_personal_for", table_name="teams_conversations")
    op.drop_table("teams_conversations")
