"""Who Baton has met in Teams: conversation references (to reach a thread or a personal chat
later, proactively, even after a restart) and each person's email (how the playbook names the
AE, the CSM and the managers). Synchronous SQL: callers run it in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from botbuilder.schema import ConversationReference
from sqlalchemy import Table, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.dialects import insert_ignore
from storage.tables import TEAMS_CONVERSATIONS, TEAMS_PEOPLE


@dataclass(frozen=True)
class TeamsPerson:
    """A Teams user as Baton knows them."""

    user_id: str  # "29:..." in this tenant's conversations
    aad_object_id: str | None
    name: str | None
    email: str | None


class TeamsDirectory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _upsert(self, table: Table, key: str, row: dict[str, object]) -> None:
        now = datetime.now(UTC)
        with Session(self._engine) as session, session.begin():
            if not insert_ignore(session, table, [{**row, "updated_at": now}], [key]):
                session.execute(update(table).where(table.c[key] == row[key]).values(**row, updated_at=now))

    def remember(self, reference: ConversationReference, *, personal_for: str | None = None) -> None:
        assert reference.conversation is not None
        row: dict[str, object] = {"conversation_id": reference.conversation.id, "reference": reference.serialize()}
        if personal_for:
            row["personal_for"] = personal_for
        self._upsert(TEAMS_CONVERSATIONS, "conversation_id", row)

    def reference(self, conversation_id: str) -> ConversationReference | None:
        with self._engine.connect() as conn:
            data = conn.execute(select(TEAMS_CONVERSATIONS.c.reference)
                                .where(TEAMS_CONVERSATIONS.c.conversation_id == conversation_id)).scalar_one_or_none()
        return ConversationReference().deserialize(data) if data is not None else None

    def personal_chat(self, aad_object_id: str) -> ConversationReference | None:
        """The 1:1 chat with a person, if they installed the app personally (else: @mention them)."""
        with self._engine.connect() as conn:
            data = conn.execute(select(TEAMS_CONVERSATIONS.c.reference)
                                .where(TEAMS_CONVERSATIONS.c.personal_for == aad_object_id)
                                .order_by(TEAMS_CONVERSATIONS.c.updated_at.desc()).limit(1)).scalar_one_or_none()
        return ConversationReference().deserialize(data) if data is not None else None

    def latest_service(self) -> tuple[str, str] | None:
        """(service URL, tenant id) from the newest conversation Teams sent Baton: Teams names the
        regional endpoint to call back on every activity, and it can change."""
        with self._engine.connect() as conn:
            data = conn.execute(select(TEAMS_CONVERSATIONS.c.reference)
                                .order_by(TEAMS_CONVERSATIONS.c.updated_at.desc()).limit(1)).scalar_one_or_none()
        if data is None:
            return None
        reference = ConversationReference().deserialize(data)
        tenant = reference.conversation.tenant_id if reference.conversation is not None else None
        return (reference.service_url, tenant or "") if reference.service_url else None

    def person(self, user_id: str) -> TeamsPerson | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(TEAMS_PEOPLE).where(TEAMS_PEOPLE.c.user_id == user_id)).mappings().first()
        return _person(row) if row else None

    def by_email(self, email: str) -> TeamsPerson | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(TEAMS_PEOPLE).where(func.lower(TEAMS_PEOPLE.c.email) == email.lower())
                               .limit(1)).mappings().first()
        return _person(row) if row else None

    def record(self, person: TeamsPerson) -> None:
        self._upsert(TEAMS_PEOPLE, "user_id", {"user_id": person.user_id, "aad_object_id": person.aad_object_id,
                                                "name": person.name, "email": person.email})


def _person(row: object) -> TeamsPerson:
    data = dict(row)  # type: ignore[call-overload]
    return TeamsPerson(user_id=data["user_id"], aad_object_id=data["aad_object_id"], name=data["name"],
                       email=data["email"])
