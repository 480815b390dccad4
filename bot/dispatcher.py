"""The outbox dispatcher: delivers committed messages to their targets, in order per handoff, once.

Each target (chat, the outbound webhook, the CRM) has its own delivery function, registered
in the composition root; a message goes to the one its row names, and only targets registered
here are claimed. It claims due messages with a lease (so replicas share the work and a crashed process's
claims come back), delivers them through an adapter's `deliver`, and records the outcome.
A rate-limit pause puts a message back without counting a failure; an outage backs off
exponentially for as long as it lasts (it never kills a message); a refusal that retrying cannot
fix, or an unexpected error that keeps coming back, is parked as dead with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.delivery import RetryLater, Undeliverable
from core.events import Event
from core.ports import Clock
from storage.outbox import CHAT, Outbox, OutboxMessage

log = logging.getLogger(__name__)
Deliver = Callable[[Event, str], Awaitable[None]]
Backoff = Callable[[int], float]  # seconds to wait before the given attempt number
MAX_ATTEMPTS = 12
LEASE = timedelta(seconds=90)
MAX_BACKOFF_SECONDS = 600.0


def backoff_seconds(attempts: int) -> float:
    """1, 2, 4 ... seconds with jitter, capped at ten minutes: an outage is waited out, not hammered."""
    return min(MAX_BACKOFF_SECONDS, float(2 ** max(0, attempts - 1))) * random.uniform(0.8, 1.2)


class OutboxDispatcher:
    def __init__(
        self, *, engine: Engine, deliver: Deliver | None, clock: Clock, batch: int = 50, concurrency: int = 16,
        backoff: Backoff = backoff_seconds,
    ) -> None:
        self._engine = engine
        self._targets: dict[str, Deliver] = {CHAT: deliver} if deliver is not None else {}
        self._clock = clock
        self.backoff = backoff  # how long to wait before a retry; tests shorten it
        self._batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self.delivered = 0

    def register(self, target: str, deliver: Deliver) -> None:
        """Deliver the messages written for `target` with `deliver` (one function per target)."""
        self._targets[target] = deliver

    def targets_deliver(self, target: str) -> Deliver:
        """The delivery function registered for `target` (to wrap it, as a router does)."""
        return self._targets[target]

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self._targets)

    @property
    def _deliver(self) -> Deliver:
        """The chat target's delivery function (tests and benches wrap it to hold or count deliveries)."""
        return self._targets[CHAT]

    @_deliver.setter
    def _deliver(self, deliver: Deliver) -> None:
        self._targets[CHAT] = deliver

    def wake(self) -> None:
        """Something was just committed: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event, *, poll_seconds: float = 1.0) -> None:
        while not stop.is_set():
            try:
                busy = await self.drain_once()
            except Exception:
                log.exception("outbox dispatch failed; trying again shortly")
                busy = 0
            if busy:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)

    async def drain_once(self) -> int:
        """Claim one batch and deliver it; returns how many messages were claimed."""
        messages = await asyncio.to_thread(self._claim)
        await asyncio.gather(*(self._one(m) for m in messages))
        return len(messages)

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Deliver until nothing is left or waiting (tests and the demo use this)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await asyncio.to_thread(self._undelivered):
            if await self.drain_once() == 0:
                if asyncio.get_running_loop().time() > deadline:
                    raise TimeoutError("outbox still has undelivered messages")
                await asyncio.sleep(0.05)

    def _claim(self) -> list[OutboxMessage]:
        now = self._clock.now()
        with Session(self._engine) as session, session.begin():
            return Outbox(session).claim(self._batch, now, now + LEASE, targets=list(self._targets))

    def _undelivered(self) -> int:
        with Session(self._engine) as session:
            return Outbox(session).undelivered(targets=list(self._targets))

    async def _one(self, message: OutboxMessage) -> None:
        async with self._slots:
            try:
                await self._targets[message.target](message.event(), message.key)
            except RetryLater as later:
                wait, reason = later.seconds, later.reason
                if later.counts:
                    # Slack is down or unreachable: wait it out, however long it lasts.
                    retry_in = max(wait, self.backoff(message.attempts + 1))
                    await self._settle(lambda o, now: o.mark_failed(message.id, reason, now + timedelta(seconds=retry_in)))
                else:
                    await self._settle(lambda o, now: o.release(message.id, now + timedelta(seconds=wait)))
                return
            except Undeliverable as refused:
                why = str(refused)
                log.warning("outbox message %s cannot be delivered: %s", message.key, why)
                await self._settle(lambda o, now: o.mark_dead(message.id, why))
                return
            except Exception as exc:
                log.exception("delivering outbox message %s failed", message.key)
                await self._failed(message, f"{type(exc).__name__}: {exc}", self.backoff(message.attempts + 1))
                return
            self.delivered += 1
            await self._settle(lambda o, now: o.mark_sent(message.id, now))

    async def _failed(self, message: OutboxMessage, reason: str, retry_in: float) -> None:
        if message.attempts + 1 >= MAX_ATTEMPTS:
            log.error("giving up on outbox message %s after %d attempts: %s", message.key, MAX_ATTEMPTS, reason)
            await self._settle(lambda o, now: o.mark_dead(message.id, reason))
        else:
            await self._settle(lambda o, now: o.mark_failed(message.id, reason, now + timedelta(seconds=retry_in)))

    async def _settle(self, change: Callable[[Outbox, datetime], None]) -> None:
        def write() -> None:
            with Session(self._engine) as session, session.begin():
                change(Outbox(session), self._clock.now())

        await asyncio.to_thread(write)
