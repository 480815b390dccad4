"""Pacing what Baton sends to Teams, so a quarter-end burst queues on our side instead of
drawing 429s.

Teams limits each bot per conversation ("per bot per thread": a channel, a thread, a 1:1 chat)
to 7 operations a second, 8 in 2 seconds, 60 in 30 seconds and 1800 an hour, and each app to
about 50 requests a second per tenant. A 429 is still waited out (bot/teams/sending.py), but
every one costs Retry-After seconds in the conversation that drew it. So each send first takes
a slot here: one call short of each allowance and a little longer a window, since Teams' clock
is not ours. Slots are reserved in order per conversation, so waiters come back spread out,
first come first served, instead of all at once.

A wait longer than the caller's patience (`patience`, set by the outbox delivery) is not slept
in place: `Paced` says how long, and the delivery puts the message back in the outbox
(RetryLater, not counted as a failure) so the dispatcher's slots serve other conversations.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

# Teams' published limits per bot per conversation: (operations, seconds).
PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_TENANT = (50, 1.0)  # requests a second per app per tenant
SPARE = 1  # operations per window left unused, for clock skew between Baton and Teams
MARGIN = 0.05  # each window is this fraction longer than Teams' (a second window: 1.05 s)
_FORGET_AFTER = 3700.0  # a conversation idle this long has no history that matters

# How long the current caller will sleep for a slot; None: as long as it takes (a reply that
# must go out). The outbox delivery sets a few seconds and takes `Paced` as "come back later".
patience: ContextVar[float | None] = ContextVar("teams_pacing_patience", default=None)


class Paced(Exception):
    """The conversation's next slot is further away than the caller's patience."""

    def __init__(self, conversation_id: str, seconds: float) -> None:
        super().__init__(f"Teams conversation {conversation_id} is paced for {seconds:.1f}s")
        self.conversation_id = conversation_id
        self.seconds = seconds


def _windows(limits: tuple[tuple[int, float], ...]) -> tuple[tuple[int, float], ...]:
    return tuple((max(1, n - SPARE), span * (1 + MARGIN)) for n, span in limits)


class ConversationPacer:
    """Slots per conversation under every window at once, and a tenant-wide cap on top."""

    def __init__(
        self, *, limits: tuple[tuple[int, float], ...] = PER_CONVERSATION,
        tenant: tuple[int, float] = PER_TENANT, monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._windows = _windows(limits)
        self._tenant_limit, self._tenant_span = _windows((tenant,))[0]
        self._now = monotonic
        self._sleep = sleep
        self._slots: dict[str, deque[float]] = {}  # conversation -> taken and reserved slot times, in order
        self._paused: dict[str, float] = {}  # conversation -> no sends before (after a 429)
        self._tenant: deque[float] = deque()

    def next_slot(self, conversation_id: str) -> float:
        """The earliest time this conversation may send again, after every slot already reserved."""
        slots = self._slots.get(conversation_id, deque())
        at = max(self._now(), self._paused.get(conversation_id, 0.0), slots[-1] if slots else 0.0)
        moved = True
        while moved:  # a slot that one window pushes later may meet another window's limit
            moved = False
            for limit, span in self._windows:
                if len(slots) >= limit and slots[-limit] + span > at:
                    at, moved = slots[-limit] + span, True
        return at

    async def acquire(self, conversation_id: str, *, patient: bool = False) -> None:
        """Wait for this conversation's next slot (raising Paced past the caller's patience,
        unless `patient`), then for room under the tenant-wide cap."""
        now = self._now()
        at = self.next_slot(conversation_id)
        wait = at - now
        limit = None if patient else patience.get()
        if limit is not None and wait > limit:
            raise Paced(conversation_id, wait)
        slots = self._slots.setdefault(conversation_id, deque())
        slots.append(at)  # reserved: the next caller queues behind it
        self._forget(now)
        if wait > 0:
            await self._sleep(wait)
        await self._tenant_room()

    async def _tenant_room(self) -> None:
        while True:
            now = self._now()
            while self._tenant and self._tenant[0] <= now - self._tenant_span:
                self._tenant.popleft()
            if len(self._tenant) < self._tenant_limit:
                self._tenant.append(now)
                return
            await self._sleep(self._tenant[0] + self._tenant_span - now)

    def pause(self, conversation_id: str, seconds: float) -> None:
        """Teams answered 429 anyway: nothing more to this conversation until Retry-After passes."""
        self._paused[conversation_id] = max(self._paused.get(conversation_id, 0.0), self._now() + seconds)

    def _forget(self, now: float) -> None:
        longest = max(span for _, span in self._windows)
        for conversation_id, slots in list(self._slots.items()):
            while slots and slots[0] < now - longest:
                slots.popleft()
            if not slots and self._paused.get(conversation_id, 0.0) < now - _FORGET_AFTER:
                del self._slots[conversation_id]
                self._paused.pop(conversation_id, None)
