"""Slack's Web API rate limits, enforced per token and method over sliding windows.

Tiers (Slack's published minimums, enforced here as exact ceilings, so a client that passes
the simulator is within Slack's guarantees): Tier 1 = 1/min, Tier 2 = 20/min, Tier 3 = 50/min,
Tier 4 = 100/min. A window admits its whole allowance at once, which is the burst Slack
tolerates. `chat.postMessage` is special: about one message per second per channel with short
bursts, modelled as 3 per second, 12 per 10 s and 60 per minute for each channel.

`time_scale` shortens every window (60 makes a minute last one second) so tests can hit and
clear limits quickly; `Retry-After` is then in scaled seconds too, rounded up to an integer.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

Window = tuple[float, int]  # (seconds, calls allowed within them)

TIER_1: tuple[Window, ...] = ((60.0, 1),)
TIER_2: tuple[Window, ...] = ((60.0, 20),)
TIER_3: tuple[Window, ...] = ((60.0, 50),)
TIER_4: tuple[Window, ...] = ((60.0, 100),)
POST_MESSAGE_PER_CHANNEL: tuple[Window, ...] = ((1.0, 3), (10.0, 12), (60.0, 60))
SPECIAL_HIGH: tuple[Window, ...] = ((60.0, 600),)

METHOD_LIMITS: dict[str, tuple[Window, ...]] = {
    "api.test": SPECIAL_HIGH,
    "auth.test": SPECIAL_HIGH,
    "apps.connections.open": TIER_1,
    "chat.postMessage": POST_MESSAGE_PER_CHANNEL,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "chat.getPermalink": TIER_4,
    "conversations.create": TIER_2,
    "conversations.invite": TIER_3,
    "conversations.setTopic": TIER_2,
    "conversations.setPurpose": TIER_2,
    "conversations.info": TIER_3,
    "conversations.open": TIER_3,
    "conversations.join": TIER_3,
    "conversations.list": TIER_2,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.members": TIER_4,
    "conversations.archive": TIER_2,
    "pins.add": TIER_2,
    "bookmarks.add": TIER_2,
    "users.lookupByEmail": TIER_3,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "usergroups.list": TIER_2,
    "files.list": TIER_3,
    "files.info": TIER_4,
    "team.info": TIER_3,
    "views.open": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
}
PER_CHANNEL = {"chat.postMessage"}


class RateLimiter:
    """Sliding windows per (token, method[, channel]); answers how long until a slot frees."""

    def __init__(self, *, now: Callable[[], float], time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._now = now
        self._scale = time_scale
        self._seen: dict[tuple[str, ...], deque[float]] = {}

    def key(self, token: str, method: str, channel: str | None) -> tuple[str, ...]:
        return (token, method, channel or "") if method in PER_CHANNEL else (token, method)

    def admit(self, key: tuple[str, ...], method: str) -> int | None:
        """Record the call and return None, or refuse it with `Retry-After` in whole seconds."""
        windows = [(span / self._scale, limit) for span, limit in METHOD_LIMITS.get(method, TIER_3)]
        now = self._now()
        seen = self._seen.setdefault(key, deque())
        longest = max(span for span, _ in windows)
        while seen and seen[0] <= now - longest:
            seen.popleft()
        wait = 0.0
        for span, limit in windows:
            inside = [t for t in seen if t > now - span]
            if len(inside) >= limit:
                wait = max(wait, inside[-limit] + span - now)
        if wait > 0:
            return max(1, math.ceil(wait))
        seen.append(now)
        return None
