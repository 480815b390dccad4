"""Baton's own pacing under Slack's tiers: slots reserved in order, never double-spent."""

from __future__ import annotations

import pytest

from bot.slack.ratelimit import SlackRateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_burst_of_waiting_messages_gets_slots_one_interval_apart(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    assert limiter.try_acquire("conversations.create", holder="m0") == 0.0  # the one token in hand
    waits = [limiter.try_acquire("conversations.create", holder=f"m{i}") for i in range(1, 6)]
    interval = 60 / (20 * 0.9)  # Tier 2 at 90%
    assert waits == pytest.approx([interval * i for i in range(1, 6)], rel=1e-6)


def test_messages_back_at_their_slots_go_through_one_by_one(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    limiter.try_acquire("conversations.create", holder="first")
    wait = limiter.try_acquire("conversations.create", holder="second")
    third = limiter.try_acquire("conversations.create", holder="third")
    clock.t += wait
    assert limiter.try_acquire("conversations.create", holder="second") == 0.0
    assert limiter.try_acquire("conversations.create", holder="third") == pytest.approx(third - wait)


def test_calls_stay_spaced_even_when_late_comebacks_arrive_together(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    limiter.try_acquire("conversations.create", holder="first")
    for name in ("a", "b", "c"):
        limiter.try_acquire("conversations.create", holder=name)
    clock.t += 3600  # everyone comes back very late, at once: the bucket holds one token
    assert limiter.try_acquire("conversations.create", holder="a") == 0.0
    assert limiter.try_acquire("conversations.create", holder="b") > 0


def test_a_message_back_too_early_is_told_how_long_is_left(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    limiter.try_acquire("pins.add", holder="a")
    wait = limiter.try_acquire("pins.add", holder="b")
    clock.t += wait / 2
    assert limiter.try_acquire("pins.add", holder="b") == pytest.approx(wait / 2)


def test_a_caller_without_a_name_waits_but_reserves_nothing(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    limiter.try_acquire("conversations.create")
    first = limiter.try_acquire("conversations.create")
    assert limiter.try_acquire("conversations.create") == pytest.approx(first)


def test_a_429_pauses_the_method_for_retry_after_even_for_reserved_slots(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    limiter.try_acquire("chat.update", holder="a")
    limiter.penalize("chat.update", None, 30)
    assert limiter.try_acquire("chat.update", holder="b") == pytest.approx(30)
    clock.t += 30
    assert limiter.try_acquire("chat.update", holder="b") == 0.0


def test_channels_are_paced_separately_for_chat_post_message(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    for _ in range(2):
        assert limiter.try_acquire("chat.postMessage", "C1") == 0.0
    assert limiter.try_acquire("chat.postMessage", "C1") > 0
    assert limiter.try_acquire("chat.postMessage", "C2") == 0.0
