"""Baton paces what it sends to each Teams conversation under Teams' published limits, so a
burst queues on Baton's side instead of drawing 429s, and one busy thread never holds up another."""

from __future__ import annotations

import asyncio

import pytest

from bot.teams import pacing
from bot.teams.pacing import PER_CONVERSATION, ConversationPacer, Paced


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def pacer(clock: FakeTime, **options: object) -> ConversationPacer:
    return ConversationPacer(monotonic=clock.monotonic, sleep=clock.sleep, **options)  # type: ignore[arg-type]


def within_limits(times: list[float]) -> bool:
    """No window of Teams' limits ever holds more sends than Teams allows."""
    for limit, span in PER_CONVERSATION:
        for i, start in enumerate(times):
            if len([t for t in times[i:] if t < start + span]) > limit:
                return False
    return True


def fastest_teams_allows(n: int) -> float:
    """Seconds from the first to the n-th send if each went at the earliest instant Teams' limits allow."""
    times: list[float] = []
    for _ in range(n):
        at = times[-1] if times else 0.0
        while True:
            later = [times[-limit] + span for limit, span in PER_CONVERSATION
                     if len(times) >= limit and times[-limit] + span > at]
            if not later:
                break
            at = max(later)
        times.append(at)
    return times[-1]


async def test_a_burst_to_one_conversation_stays_under_every_teams_window_and_near_its_floor() -> None:
    clock = FakeTime()
    p = pacer(clock)
    sent = []
    for _ in range(130):  # sequential, as one delivery after another
        await p.acquire("19:handoffs@thread.tacv2")
        sent.append(clock.now)
    assert within_limits(sent)
    took, floor = sent[-1] - sent[0], fastest_teams_allows(130)
    assert floor <= took <= floor * 1.1, (took, floor)


async def test_concurrent_waiters_are_served_in_arrival_order_each_at_its_own_slot() -> None:
    clock = FakeTime()
    p = pacer(clock)
    order: list[int] = []

    async def one(n: int) -> None:
        await p.acquire("thread")
        order.append(n)

    await asyncio.gather(*(one(n) for n in range(12)))
    assert order == list(range(12))


async def test_one_busy_conversation_does_not_hold_up_another() -> None:
    clock = FakeTime()
    p = pacer(clock)
    for _ in range(6):
        await p.acquire("busy thread")
    assert p.next_slot("busy thread") > clock.now
    start = clock.now
    await p.acquire("someone's personal chat")
    assert clock.now == start


async def test_a_wait_longer_than_the_callers_patience_is_reported_not_slept_and_reserves_nothing() -> None:
    clock = FakeTime()
    p = pacer(clock)
    for _ in range(6):
        await p.acquire("thread")
    before = p.next_slot("thread")
    token = pacing.patience.set(0.5)
    try:
        with pytest.raises(Paced) as paced:
            await p.acquire("thread")
    finally:
        pacing.patience.reset(token)
    assert paced.value.seconds == pytest.approx(before - clock.now)
    assert p.next_slot("thread") == before  # the caller comes back later; nobody queued behind a ghost
    await p.acquire("thread", patient=True)  # a retry after a 429 waits whatever the patience
    assert clock.now == pytest.approx(before)


async def test_a_429_pauses_the_conversation_for_retry_after() -> None:
    clock = FakeTime()
    p = pacer(clock)
    p.pause("thread", 4.0)
    await p.acquire("thread")
    assert clock.now == pytest.approx(1004.0)


async def test_the_tenant_wide_cap_spreads_sends_across_many_conversations() -> None:
    clock = FakeTime()
    p = pacer(clock)
    sent = []
    for n in range(100):
        await p.acquire(f"chat-{n}")
        sent.append(clock.now)
    assert max(len([t for t in sent if s <= t < s + 1.0]) for s in sent) <= 50
