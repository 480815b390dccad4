"""The outbox: messages written in the same transaction as the change that caused them.

The unit of work enqueues; a dispatcher (bot/) delivers. Open a session, take `pending`, deliver,
mark each message, commit. On PostgreSQL `pending` locks the rows it returns and skips rows
another dispatcher holds, so replicas share the work without sending anything twice.

Each message has a `target`, the delivery function that takes it ("chat", "webhook", "crm"…):
one event becomes one row per target that wants it, in the same transaction, and each target
is delivered on its own, so a Slack outage never holds the CRM write and a CRM outage never
holds Slack. Which target wants which event is `Routes`, decided in the composition root.

Statuses: `pending` (never tried), `failed` (tried, retried at `next_attempt_at`), `sent`,
`dead` (given up; a person looks at `last_error`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from core.events import Event, event_from_payload
from storage.dialects import dialect_of, insert_ignore
from storage.mapping import jsonable
from storage.tables import OUTBOX

C = OUTBOX.c
DELIVERABLE = ("pending", "failed")
CHAT = "chat"


@dataclass(frozen=True)
class Routes:
    """Which targets take which events: a target maps to the event names it wants, or None for all.

    Chat takes every event (its own key, unchanged); another target's copy of an event gets the
    key `<event key>@<target>`, so each copy is delivered once and independently.
    """

    wants: Mapping[str, frozenset[str] | None] = field(default_factory=lambda: {CHAT: None})

    def targets(self, event: Event) -> list[str]:
        return [t for t, names in self.wants.items() if names is None or event.name in names]

    @staticmethod
    def key(event: Event, target: str) -> str:
        return event.key if target == CHAT else f"{event.key}@{target}"


CHAT_ONLY = Routes()


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    key: str
    handoff_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    target: str = CHAT

    def event(self) -> Event:
        """The domain event this message carries, rebuilt from its JSON payload."""
        return event_from_payload(self.kind, self.payload)


def enqueue(session: Session, events: Sequence[Event], *, now: datetime, routes: Routes = CHAT_ONLY) -> int:
    """Add one message per event and target; a key already in the outbox is skipped, never sent twice.

    A message is due at the moment its event happened (the injected clock's time), so a
    dispatcher using the same clock sees it at once.
    """
    rows = [
        {
            "idempotency_key": routes.key(e, target), "handoff_id": e.handoff_id, "kind": e.name,
            "payload": jsonable(e.payload()), "status": "pending", "attempts": 0,
            "next_attempt_at": e.at, "created_at": now, "target": target,
        }
        for e in events for target in routes.targets(e)
    ]
    return insert_ignore(session, OUTBOX, rows, ["idempotency_key"]) if rows else 0


class Outbox:
    """What a dispatcher needs; the caller owns the session and its transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def pending(self, limit: int, now: datetime) -> list[OutboxMessage]:
        """Messages due by `now`, oldest first (ids keep each handoff's messages in causal order)."""
        query = (
            select(OUTBOX).where(C.status.in_(DELIVERABLE), C.next_attempt_at <= now)
            .order_by(C.id).limit(limit)
        )
        if dialect_of(self._session) == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [
            OutboxMessage(
                id=r.id, key=r.idempotency_key, handoff_id=r.handoff_id, kind=r.kind,
                payload=r.payload, attempts=r.attempts, created_at=r.created_at, target=r.target,
            )
            for r in self._session.execute(query)
        ]

    def claim(
        self, limit: int, now: datetime, lease_until: datetime, targets: Collection[str] | None = None,
    ) -> list[OutboxMessage]:
        """Take due messages for delivery, at most one per handoff and target, and only its oldest.

        A handoff's messages go out in order (its card must exist before it is updated), so a
        message waits while an older one of the same handoff is undelivered. Claimed rows get
        a lease (`next_attempt_at = lease_until`): if this process dies mid-delivery the lease
        runs out and another dispatcher retries them. Commit the session to take the claim.
        Only rows for `targets` (the ones this dispatcher can deliver) are taken; None takes all.
        """
        older = OUTBOX.alias("older")
        blocked = (
            select(older.c.id)
            .where(older.c.handoff_id == C.handoff_id, older.c.target == C.target, older.c.id < C.id,
                   older.c.status.in_(DELIVERABLE))
            .exists()
        )
        query = (
            select(OUTBOX).where(C.status.in_(DELIVERABLE), C.next_attempt_at <= now, ~blocked)
            .order_by(C.id).limit(limit)
        )
        if targets is not None:
            query = query.where(C.target.in_(list(targets)))
        if dialect_of(self._session) == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OUTBOX)
        due = [
            OutboxMessage(
                id=r.id, key=r.idempotency_key, handoff_id=r.handoff_id, kind=r.kind,
                payload=r.payload, attempts=r.attempts, created_at=r.created_at, target=r.target,
            )
            for r in self._session.execute(query)
        ]
        # SQLite reads outside the write lock, so two dispatchers can select the same rows; each
        # row is taken only if it is still due (compare and set), and only one of them wins it.
        return [m for m in due if self._take(m.id, now, lease_until)]

    def _take(self, message_id: int, now: datetime, lease_until: datetime) -> bool:
        stmt = (
            update(OUTBOX)
            .where(C.id == message_id, C.status.in_(DELIVERABLE), C.next_attempt_at <= now)
            .values(next_attempt_at=lease_until)
        )
        return cast(CursorResult[Any], self._session.execute(stmt)).rowcount == 1

    def undelivered(self, targets: Collection[str] | None = None) -> int:
        """How many messages are still to deliver (pending or waiting for a retry), for `targets`."""
        query = select(func.count()).select_from(OUTBOX).where(C.status.in_(DELIVERABLE))
        if targets is not None:
            query = query.where(C.target.in_(list(targets)))
        return int(self._session.execute(query).scalar_one())

    def release(self, message_id: int, at: datetime) -> None:
        """Give a claimed message back untried (deferred by a rate limit, not a failure)."""
        self._session.execute(update(OUTBOX).where(C.id == message_id).values(next_attempt_at=at))

    def mark_sent(self, message_id: int, at: datetime) -> None:
        self._set(message_id, status="sent", sent_at=at, last_error=None)

    def mark_failed(self, message_id: int, error: str, retry_at: datetime) -> None:
        self._set(message_id, status="failed", last_error=error, next_attempt_at=retry_at)

    def mark_dead(self, message_id: int, error: str) -> None:
        self._set(message_id, status="dead", last_error=error)

    def _set(self, message_id: int, **values: Any) -> None:
        # Every outcome is one more attempt: `attempts` says how often delivery was tried.
        stmt = update(OUTBOX).where(C.id == message_id).values(attempts=C.attempts + 1, **values)
        self._session.execute(stmt)
