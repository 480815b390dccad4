"""In-memory fakes of the core's ports: they record what happened so tests can read it."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from core.errors import ConcurrencyConflict, HandoffNotFound
from core.events import Event
from core.handoff import Handoff, facts_of
from core.machine import FINAL
from core.metrics import HandoffFacts


class FrozenClock:
    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2026, 11, 2, 14, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at += timedelta(**kwargs)


class FakeStore:
    """What a database would hold: committed handoffs, outbox messages and seen event ids."""

    def __init__(self) -> None:
        self.handoffs: dict[str, Handoff] = {}
        self.outbox: list[Event] = []
        self.seen: set[str] = set()
        self.commits = 0


class FakeRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.loaded: dict[str, Handoff] = {}

    def add(self, handoff: Handoff) -> None:
        self.loaded[handoff.id] = handoff

    def get(self, handoff_id: str) -> Handoff:
        if handoff_id in self.loaded:
            return self.loaded[handoff_id]
        if handoff_id not in self._store.handoffs:
            raise HandoffNotFound(handoff_id)
        handoff = copy.deepcopy(self._store.handoffs[handoff_id])
        self.loaded[handoff_id] = handoff
        return handoff

    def get_by_deal(self, deal_id: str) -> Handoff | None:
        for h in self._store.handoffs.values():
            if h.deal.id == deal_id:
                return self.get(h.id)
        return None

    def find(
        self, *, person_email: str | None = None, statuses: Sequence[str] | None = None,
        text: str | None = None, limit: int = 50,
    ) -> list[Handoff]:
        rows = []
        for h in self._store.handoffs.values():
            if person_email and person_email.lower() not in (h.ae.email.lower(), h.csm.email.lower()):
                continue
            if statuses and h.status not in statuses:
                continue
            if text and text.lower() not in f"{h.deal.id} {h.deal.name} {h.deal.account}".lower():
                continue
            rows.append(self.get(h.id))
        return rows[:limit]

    def open_load(self, emails: Sequence[str]) -> dict[str, int]:
        wanted = {e.lower() for e in emails}
        load: dict[str, int] = {}
        for h in self._store.handoffs.values():
            if h.status not in FINAL and h.csm.email.lower() in wanted:
                load[h.csm.email.lower()] = load.get(h.csm.email.lower(), 0) + 1
        return load

    def last_assigned_csm(self, segment: str) -> str | None:
        same = [h for h in self._store.handoffs.values() if h.segment == segment]
        return same[-1].csm.email if same else None

    def facts(self, start: datetime, end: datetime) -> list[HandoffFacts]:
        return [facts_of(h) for h in self._store.handoffs.values() if start <= h.opened_at < end]


class FakeUnitOfWork:
    """Commits copy loaded handoffs into the store, checking versions like the SQL one does."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.handoffs = FakeRepository(store)
        self._claimed: set[str] = set()
        self.committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.rollback()

    def claim_event(self, key: str) -> bool:
        if key in self.store.seen or key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    def commit(self) -> None:
        for handoff in self.handoffs.loaded.values():
            stored = self.store.handoffs.get(handoff.id)
            if stored is not None and stored.version != handoff.version:
                raise ConcurrencyConflict(handoff.id, handoff.version)
            if handoff.events or stored is None:
                handoff.version += 1
                self.store.outbox.extend(handoff.events)
                handoff.events.clear()
                self.store.handoffs[handoff.id] = copy.deepcopy(handoff)
        self.store.seen |= self._claimed
        self._claimed.clear()
        self.store.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self.handoffs.loaded.clear()
        self._claimed.clear()
