"""A proactive limiter for Slack's Web API tiers, so a quarter-end burst queues instead of 429s.

Slack publishes per-method tiers (per workspace, per minute) and about one message per second
per channel for chat.postMessage. Tier methods are counted in minute windows as Slack counts
them, one call short of the allowance and one second longer; chat.postMessage is a token
bucket at 90% of one a second per channel. A 429 that still gets through pauses that method
(or channel) for the Retry-After Slack asked for.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

METHOD_TIERS = {
    "conversations.create": 2, "conversations.setTopic": 2, "conversations.setPurpose": 2,
    "conversations.archive": 2, "pins.add": 2, "bookmarks.add": 2, "conversations.list": 2,
    "conversations.invite": 3, "conversations.join": 3, "conversations.open": 3, "conversations.info": 3,
    "chat.update": 3, "users.lookupByEmail": 3, "usergroups.users.list": 2,
    "users.info": 4, "views.open": 4, "views.update": 4, "views.push": 4, "views.publish": 4,
    "chat.postEphemeral": 4, "chat.getPermalink": 4,
}
POST_MESSAGE = "chat.postMessage"
POST_MESSAGE_PER_SECOND = 1.0
HEADROOM = 0.9  # chat.postMessage runs at 90% of one per second per channel
WINDOW = 60.0  # seconds: Slack counts tier calls per minute and admits a minute's allowance at once
WINDOW_MARGIN = 1.0  # seconds added to each window: Slack's clock and ours are not the same clock
SPARE_CALLS = 1  # calls per window left unused, for our own clock's jitter and a retry
_EARLY = 0.05  # a message back a hair before its slot (timer jitter) may use it
_STALE_AFTER = 600.0


@dataclass
class _Bucket:
    """chat.postMessage per channel: a token bucket (about one a second, small bursts)."""

    rate: float  # tokens per second
    capacity: float
    tokens: float
    updated: float
    paused_until: float = 0.0
    next_slot: float = 0.0  # when the next reserved comeback is scheduled
    reserved: dict[str, float] = field(default_factory=dict)  # holder -> when to come back

    def wait(self, now: float) -> float:
        """Seconds until one token is available (0 when there is one now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        token_wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(token_wait, self.paused_until - now)

    def take(self, now: float) -> None:
        self.tokens -= 1

    def slot_for_next_waiter(self, now: float, wait: float) -> float:
        slot = max(now + wait, self.next_slot)
        self.next_slot = slot + 1 / self.rate
        return slot

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)
        self.tokens = 0

    @property
    def interval(self) -> float:
        return 1 / self.rate


@dataclass
class _Window:
    """A Web API tier: at most `limit` calls in any `span` seconds, the way Slack counts them.

    A token bucket that spaces calls evenly never uses the minute's burst Slack allows, which
    made a quarter-end's channel creations (Tier 2) take 1.11x Slack's own floor before any
    other work; counting in windows reaches the floor and still never exceeds the allowance.
    """

    limit: int
    span: float
    calls: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0
    reserved: dict[str, float] = field(default_factory=dict)  # holder -> when to come back

    def _expire(self, now: float) -> None:
        while self.calls and self.calls[0] <= now - self.span:
            self.calls.popleft()

    def wait(self, now: float) -> float:
        self._expire(now)
        room = 0.0 if len(self.calls) < self.limit else self.calls[-self.limit] + self.span - now
        return max(room, self.paused_until - now, 0.0)

    def take(self, now: float) -> None:
        self.calls.append(now)

    def slot_for_next_waiter(self, now: float, wait: float) -> float:
        """When the window has room for this waiter, after every earlier waiter has had theirs."""
        planned = sorted([*self.calls, *self.reserved.values()])
        slot = now + wait
        if len(planned) >= self.limit:
            slot = max(slot, planned[-self.limit] + self.span)
        return slot

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    @property
    def interval(self) -> float:
        return self.span / self.limit


class SlackRateLimiter:
    """`try_acquire` never sleeps: it takes a slot or says how long to wait, so a caller can
    put a message back in the queue and serve others (a DM is not stuck behind a channel).

    Calls are always spaced by the token bucket at the moment they are made. A caller that
    names itself (`holder`, the outbox message) and has to wait is also given its own
    comeback time, one interval after the previous waiter's: the tenth message waiting for
    `conversations.create` returns when the tenth token is due, not with the other nine at
    the next one. Waiting messages then come back spread out, and new ones (a CSM's first
    DM) are not starved behind a crowd retrying at the same instant.
    """

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic, speed: float = 1.0) -> None:
        self._now = monotonic
        self._speed = speed  # tests run Slack's clock faster; 1.0 in production
        self._buckets: dict[tuple[str, str], _Bucket | _Window] = {}

    def try_acquire(self, method: str, channel: str | None = None, *, holder: str | None = None) -> float:
        bucket = self._bucket(method, channel)
        now = self._now()
        comeback = bucket.reserved.get(holder) if holder is not None else None
        if comeback is not None and now + _EARLY < comeback:
            return comeback - now
        wait = bucket.wait(now)
        if wait == 0.0:
            bucket.take(now)
            if holder is not None:
                bucket.reserved.pop(holder, None)
            return 0.0
        if holder is None or comeback is not None:
            return wait  # a returning message keeps its place; the token is a moment away
        self._forget_stale(bucket, now)
        slot = bucket.slot_for_next_waiter(now, wait)
        bucket.reserved[holder] = slot
        return slot - now

    @staticmethod
    def _forget_stale(bucket: _Bucket | _Window, now: float) -> None:
        """Drop comebacks nobody used (their message finished elsewhere or died)."""
        for holder, slot in list(bucket.reserved.items()):
            if slot < now - _STALE_AFTER:
                del bucket.reserved[holder]

    def interval(self, method: str, channel: str | None = None) -> float:
        """Seconds between two calls at the paced rate (for callers that plan around it)."""
        return self._bucket(method, channel).interval

    def penalize(self, method: str, channel: str | None, retry_after: float) -> None:
        """Slack said 429: nothing more for this method (or channel) until Retry-After passes."""
        self._bucket(method, channel).pause(self._now() + retry_after)

    def _bucket(self, method: str, channel: str | None) -> _Bucket | _Window:
        key = (method, channel or "") if method == POST_MESSAGE else (method, "")
        bucket = self._buckets.get(key)
        if bucket is None:
            now = self._now()
            if method == POST_MESSAGE:
                rate = POST_MESSAGE_PER_SECOND * HEADROOM * self._speed
                bucket = _Bucket(rate=rate, capacity=2.0, tokens=2.0, updated=now)
            else:
                per_minute = PER_MINUTE[METHOD_TIERS.get(method, 3)]
                bucket = _Window(limit=max(1, per_minute - SPARE_CALLS) if per_minute > 1 else 1,
                                 span=(WINDOW + WINDOW_MARGIN) / self._speed)
            self._buckets[key] = bucket
        return bucket
