"""The SQL unit of work: a handoff's new state, its audit entries and its outbox messages in one
transaction, guarded by an optimistic version check.

Commit writes only what changed: new handoffs are INSERTed at version 1, changed ones are
UPDATEd `WHERE version = <the version loaded>`; zero rows updated means another writer won,
which surfaces as ConcurrencyConflict so the service reloads and re-checks the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import insert, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ConcurrencyConflict
from core.handoff import Handoff
from core.ports import HandoffRepository
from storage.dialects import insert_ignore
from storage.mapping import Row, audit_row, to_row
from storage.outbox import CHAT_ONLY, Routes, enqueue
from storage.repository import SqlHandoffRepository, Tracked
from storage.tables import AUDIT_ENTRIES, HANDOFFS, PROCESSED_EVENTS

AfterSave = Callable[[Session, Handoff, datetime], None]


@dataclass(frozen=True)
class _Saved:
    """What a handoff looks like in the database once the transaction commits."""

    row: Row
    version: int
    audit_seq: int

    def apply(self, tracked: Tracked) -> None:
        tracked.row, tracked.version, tracked.audit_seq = self.row, self.version, self.audit_seq
        tracked.handoff.version = self.version
        tracked.handoff.events.clear()


class SqlUnitOfWork:
    """core.ports.UnitOfWork on SQLAlchemy: use it as `with uow: ...; uow.commit()`."""

    handoffs: HandoffRepository

    def __init__(
        self, session_factory: Callable[[], Session], after_save: Sequence[AfterSave] = (),
        routes: Routes = CHAT_ONLY,
    ) -> None:
        self._factory = session_factory
        self._after_save = tuple(after_save)
        self._routes = routes
        self._session: Session | None = None
        self._repo: SqlHandoffRepository | None = None

    def __enter__(self) -> Self:
        self._session = self._factory()
        self._session.begin()
        self._repo = SqlHandoffRepository(self._session)
        self.handoffs = self._repo
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work in a `with` block")
        return self._session

    def commit(self) -> None:
        """Persist every tracked handoff that changed, then commit; nothing on any failure."""
        assert self._repo is not None
        now = datetime.now(UTC)  # row bookkeeping (created/updated_at) is wall-clock time
        try:
            saved = [(t, s) for t in list(self._repo.tracked.values())
                     if (s := _save(self.session, t, now, self._routes))]
            for tracked, _ in saved:  # e.g. the SLA timers, replanned in this same transaction
                for hook in self._after_save:
                    hook(self.session, tracked.handoff, now)
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise
        # Only now, with the transaction durable, do the in-memory handoffs move on.
        for tracked, state in saved:
            state.apply(tracked)

    def rollback(self) -> None:
        self.session.rollback()
        if self._repo is not None:
            self._repo.tracked.clear()

    def claim_event(self, key: str) -> bool:
        """Record an inbound event id in this transaction; False when it is already recorded."""
        row = {"key": key, "processed_at": datetime.now(UTC)}
        return insert_ignore(self.session, PROCESSED_EVENTS, [row], ["key"]) == 1


def sql_uow_factory(
    engine: Engine, *, after_save: Sequence[AfterSave] = (), routes: Routes = CHAT_ONLY,
) -> Callable[[], SqlUnitOfWork]:
    """What HandoffService takes as `uow`: a fresh unit of work per call, sharing the engine's pool.

    `after_save` hooks run for every handoff a commit writes, inside that commit's transaction.
    """
    sessions = sessionmaker(bind=engine, autoflush=False, expire_on_commit=False)
    return partial(SqlUnitOfWork, sessions, tuple(after_save), routes)


def _save(session: Session, tracked: Tracked, now: datetime, routes: Routes) -> _Saved | None:
    handoff = tracked.handoff
    row = to_row(handoff)
    unchanged = row == tracked.row and handoff.version == tracked.version
    audit_only = bool(handoff.audit) and handoff.audit[-1].seq > tracked.audit_seq  # e.g. a CRM note
    if tracked.row is not None and unchanged and not handoff.events and not audit_only:
        return None
    version = handoff.version + 1
    if tracked.row is None:
        _insert(session, tracked, row | {"version": version, "created_at": now, "updated_at": now})
    else:
        _update(session, tracked, {k: v for k, v in row.items() if k != "id"} | {"version": version, "updated_at": now})
    # The audit trail is append-only: only entries above the highest one already stored.
    new_entries = [audit_row(handoff.id, a) for a in handoff.audit if a.seq > tracked.audit_seq]
    if new_entries:
        session.execute(insert(AUDIT_ENTRIES), new_entries)
    enqueue(session, handoff.events, now=now, routes=routes)
    last_seq = handoff.audit[-1].seq if handoff.audit else 0
    return _Saved(row, version, max(tracked.audit_seq, last_seq))


def _insert(session: Session, tracked: Tracked, values: Row) -> None:
    try:
        session.execute(insert(HANDOFFS).values(values))
    except IntegrityError as exc:
        # The same deal (or id) was opened by a concurrent transaction first.
        raise ConcurrencyConflict(tracked.handoff.id, tracked.version) from exc


def _update(session: Session, tracked: Tracked, values: Row) -> None:
    handoff = tracked.handoff
    stmt = (
        update(HANDOFFS)
        .where(HANDOFFS.c.id == handoff.id, HANDOFFS.c.version == handoff.version)
        .values(values)
    )
    result = cast(CursorResult[Any], session.execute(stmt))
    if result.rowcount != 1:
        raise ConcurrencyConflict(handoff.id, handoff.version)
