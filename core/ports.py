"""What the core needs from the outside world, as Protocols that adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from core.handoff import Handoff
from core.metrics import HandoffFacts


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class HandoffRepository(Protocol):
    def add(self, handoff: Handoff) -> None: ...

    def get(self, handoff_id: str) -> Handoff:
        """Raises HandoffNotFound."""
        ...

    def get_by_deal(self, deal_id: str) -> Handoff | None: ...

    def find(
        self, *, person_email: str | None = None, statuses: Sequence[str] | None = None,
        text: str | None = None, limit: int = 50,
    ) -> list[Handoff]:
        """Handoffs naming that person (AE or CSM), in those states, matching deal/account text."""
        ...

    def open_load(self, emails: Sequence[str]) -> dict[str, int]:
        """How many unfinished handoffs each of these CSMs holds (lower-cased email -> count)."""
        ...

    def last_assigned_csm(self, segment: str) -> str | None: ...

    def facts(self, start: datetime, end: datetime) -> list[HandoffFacts]:
        """The metric facts of handoffs opened in [start, end)."""
        ...


class UnitOfWork(Protocol):
    """One transaction: the handoff change, its audit entries and its outbox messages together."""

    @property
    def handoffs(self) -> HandoffRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Persist; raises ConcurrencyConflict when another writer changed a handoff first."""
        ...

    def rollback(self) -> None: ...

    def claim_event(self, key: str) -> bool:
        """Record an inbound event id; False when it was already processed (a redelivery)."""
        ...
