"""Direct messages to one person that queue up behind each other go out as one message.

Slack takes about one message a second per conversation, so at quarter end a CSM's DMs wait on
each other; sent one by one, a CSM with twenty deals gets twenty DMs over twenty seconds and
reads none of them. Here, while a DM to a person waits on the rate limit, every other DM to
that person joins it: the one delivery that holds the next slot (the *sender*) posts them all
as one message (each notice keeps its own buttons), the others come back just after it and
find their delivery step recorded. The first DM of a burst is not held: it goes out at once.

Nothing is lost or doubled across crashes because the mailbox is only a meeting point in
memory: every notice still belongs to its outbox message's delivery step, which is recorded,
for every notice a merged message carried, right after Slack accepted it. A delivery whose
step is not recorded (its process died, or the merged post failed) posts its notice again.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.slack.escape import truncate, truncate_mrkdwn

MAX_BLOCKS = 50  # Slack's limit for one message
MAX_TEXT = 39_000  # chat.postMessage truncates `text` beyond 40,000 characters
SECTION_TEXT_MAX = 3000
FOLLOW_LAG = 0.05  # a follower comes back this long after the sender's slot
STRETCH = 4  # each merged message of a burst waits this many times longer than the one before
MAX_STEPS = 3  # at most 4**3 = 64 x the rate limit's interval (about a minute and a half at Slack's speed)
QUIET = 2 * STRETCH ** MAX_STEPS  # intervals without a DM that end a person's burst (about 2.4 min)


@dataclass(frozen=True)
class Notice:
    """One delivery's DM: `step` is the delivery step it completes once posted."""

    step: str
    text: str
    blocks: tuple[dict[str, Any], ...] = ()

    def as_blocks(self, index: int) -> list[dict[str, Any]]:
        """Its own blocks (block ids made unique within the merged message), or its text."""
        if not self.blocks:
            return [{"type": "section", "text": {"type": "mrkdwn",
                                                 "text": truncate_mrkdwn(self.text or " ", SECTION_TEXT_MAX)}}]
        return [{**b, "block_id": f"{b['block_id']}~{index}"} if "block_id" in b else dict(b) for b in self.blocks]


@dataclass(frozen=True)
class Message:
    """What to post: one notice as it is, or several merged."""

    text: str
    blocks: list[dict[str, Any]] | None
    notices: tuple[Notice, ...]


class Mailbox:
    """Per person: the notices waiting to be posted, and when the next post to them is due."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._waiting: dict[str, dict[str, Notice]] = {}  # person -> step -> notice, in arrival order
        self._due: dict[str, float] = {}  # person -> when the sender's slot comes
        self._locks: dict[str, asyncio.Lock] = {}
        self._burst: dict[str, tuple[float, int]] = {}  # person -> (last post, messages in this burst)

    def add(self, person: str, notice: Notice) -> None:
        self._waiting.setdefault(person, {}).setdefault(notice.step, notice)

    def lock(self, person: str) -> asyncio.Lock:
        """Held while posting to `person`, so two deliveries never post the same notice."""
        return self._locks.setdefault(person, asyncio.Lock())

    def follow(self, person: str) -> float | None:
        """Seconds until the post already scheduled for `person` (which will carry our notice),
        or None when nobody is scheduled and the caller should try to post itself."""
        due = self._due.get(person)
        if due is None:
            return None
        wait = due - self._now()
        if wait <= 0:
            return None
        return wait + FOLLOW_LAG

    def hold(self, person: str, interval: float) -> float:
        """Seconds the next post to `person` should wait to gather what else is coming (0 =
        post now). The first DM of a burst goes at once; after the k-th message of a burst the
        next waits 1, 4, 16, then 64 rate-limit `interval`s after it (about 0:01, 0:05, 0:23,
        1:34 at Slack's speed), so twenty DMs trickling in over two minutes make a handful of
        messages, not twenty. A person with no DM for twice the longest hold starts a new burst;
        a DM that comes after the hold has passed goes at once."""
        now = self._now()
        last, sent = self._burst.get(person, (-math.inf, 0))
        gap = interval * STRETCH ** min(max(sent - 1, 0), MAX_STEPS)
        if sent == 0 or now - last > QUIET * interval:
            self._burst[person] = (last, 0)
            return 0.0
        return max(0.0, last + gap - now)

    def scheduled(self, person: str, wait: float) -> None:
        """The caller could not post yet: it is the sender, `wait` seconds from now."""
        self._due[person] = self._now() + wait

    def next_message(self, person: str) -> Message | None:
        """The oldest waiting notices that fit one message (Slack's 50 blocks)."""
        waiting = list(self._waiting.get(person, {}).values())
        if not waiting:
            return None
        if len(waiting) == 1:
            only = waiting[0]
            return Message(only.text, list(only.blocks) or None, (only,))
        taken: list[Notice] = []
        blocks: list[dict[str, Any]] = []
        for notice in waiting:
            more = notice.as_blocks(len(taken))
            if taken and len(blocks) + len(more) > MAX_BLOCKS:
                break
            taken.append(notice)
            blocks.extend(more)
        text = truncate("\n".join(n.text for n in taken), MAX_TEXT)
        return Message(text, blocks[:MAX_BLOCKS], tuple(taken))

    def sent(self, person: str, message: Message) -> None:
        waiting = self._waiting.get(person, {})
        for notice in message.notices:
            waiting.pop(notice.step, None)
        if not waiting:
            self._waiting.pop(person, None)
        self._due.pop(person, None)
        _, count = self._burst.get(person, (0.0, 0))
        self._burst[person] = (self._now(), count + 1)
