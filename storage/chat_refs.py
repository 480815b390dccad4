"""The chat adapters' bookkeeping: named references per handoff and finished delivery steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.dialects import insert_ignore
from storage.tables import CHAT_REFS, DELIVERY_STEPS, PROCESSED_EVENTS


class ChatRefs:
    """Small, synchronous reads and writes; adapters call them from a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def all(self, handoff_id: str) -> dict[str, str]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(CHAT_REFS.c.name, CHAT_REFS.c.value).where(CHAT_REFS.c.handoff_id == handoff_id))
            return {name: value for name, value in rows}

    def find_handoff(self, name: str, value: str) -> str | None:
        """The handoff a chat reference points to (e.g. which handoff lives in this channel).

        None when no handoff or several share it: a shared channel holds many handoffs' threads,
        and picking one of them would answer about the wrong deal.
        """
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(CHAT_REFS.c.handoff_id).where(CHAT_REFS.c.name == name, CHAT_REFS.c.value == value).limit(2)
            ).all()
            return str(rows[0][0]) if len(rows) == 1 else None

    def set(self, handoff_id: str, name: str, value: str, *, at: datetime) -> None:
        with Session(self._engine) as session, session.begin():
            inserted = insert_ignore(
                session, CHAT_REFS, [{"handoff_id": handoff_id, "name": name, "value": value, "updated_at": at}],
                ["handoff_id", "name"],
            )
            if not inserted:
                session.execute(
                    update(CHAT_REFS)
                    .where(CHAT_REFS.c.handoff_id == handoff_id, CHAT_REFS.c.name == name)
                    .values(value=value, updated_at=at)
                )

    def claim_activity(self, key: str, *, at: datetime) -> bool:
        """Record an inbound activity id for every replica to see; False when one already has it."""
        with Session(self._engine) as session, session.begin():
            return insert_ignore(session, PROCESSED_EVENTS, [{"key": key, "processed_at": at}], ["key"]) == 1

    def release_activity(self, key: str) -> None:
        """Handling failed: let the platform's redelivery be handled, by any replica."""
        with Session(self._engine) as session, session.begin():
            session.execute(delete(PROCESSED_EVENTS).where(PROCESSED_EVENTS.c.key == key))

    def step_result(self, key: str) -> str | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(DELIVERY_STEPS.c.result).where(DELIVERY_STEPS.c.key == key)).first()
            return None if row is None else str(row[0])

    def record_step(self, key: str, result: str, *, at: datetime) -> None:
        with Session(self._engine) as session, session.begin():
            insert_ignore(session, DELIVERY_STEPS, [{"key": key, "result": result, "done_at": at}], ["key"])
