"""Tables of the Teams adapter (imported by storage/tables.py, so the metadata holds them too).

`teams_conversations`: Bot Framework conversation references (a channel thread, a personal
chat) as the SDK serializes them, so the outbox can reach a thread or a person proactively
after a restart. `personal_for` names the person (Entra object id) whose 1:1 chat it is.

`teams_people`: each Teams user Baton has met, with the email the playbook names people by.
Time zones go to `person_timezones` with everyone else's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.columns import JsonDocument, UtcDateTime


class TeamsConversationRow(SQLModel, table=True):
    __tablename__ = "teams_conversations"
    __table_args__ = (Index("ix_teams_conversations_personal_for", "personal_for"),)

    conversation_id: str = Field(primary_key=True)
    reference: dict[str, Any] = Field(sa_type=JsonDocument)
    personal_for: str | None = None
    updated_at: datetime = Field(sa_type=UtcDateTime)


class TeamsPersonRow(SQLModel, table=True):
    __tablename__ = "teams_people"
    __table_args__ = (Index("ix_teams_people_email", "email"),)

    user_id: str = Field(primary_key=True)
    aad_object_id: str | None = None
    name: str | None = None
    email: str | None = None
    updated_at: datetime = Field(sa_type=UtcDateTime)
