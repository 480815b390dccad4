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


def test_a_minutes_allowance_goes_at_once_and_waiters_get_the_slots_the_window_frees(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    for i in range(19):  # Tier 2 is 20 a minute; one is kept spare
        assert limiter.try_acquire("conversations.create", holder=f"m{i}") == 0.0
        clock.t += 1
    waits = [limiter.try_acquire("conversations.create", holder=f"w{i}") for i in range(3)]
    # The first three calls (at 1000, 1001, 1002) leave the 61-second window in that order.
    assert waits == pytest.approx([1000 + 61 - clock.t, 1001 + 61 - clock.t, 1002 + 61 - clock.t])


def admitted_times(limiter: SlackRateLimiter, clock: Clock, method: str, n: int) -> list[float]:
    """n messages, each retrying at the time the limiter names, until all have gone."""
    due = {f"m{i}": clock.t for i in range(n)}
    admitted: list[float] = []
    while due:
        holder, at = min(due.items(), key=lambda kv: kv[1])
        clock.t = max(clock.t, at)
        wait = limiter.try_acquire(method, holder=holder)
        if wait == 0.0:
            admitted.append(clock.t)
            del due[holder]
        else:
            due[holder] = clock.t + wait
    return admitted


def test_a_quarter_end_of_channel_creations_reaches_slacks_floor_and_never_exceeds_the_tier(clock: Clock) -> None:
    start = clock.t
    times = admitted_times(SlackRateLimiter(monotonic=clock), clock, "conversations.create", 81)
    assert max(sum(1 for u in times if t <= u < t + 60) for t in times) <= 20  # Slack's Tier 2
    # Slack's floor for 81 calls at 20 a minute is 4:00 (the 81st in the fifth minute).
    assert times[-1] - start <= 4 * 61 <= 1.1 * 240


def test_messages_back_at_their_slots_go_through_one_by_one(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    for i in range(19):
        limiter.try_acquire("conversations.create", holder=f"first{i}")
        clock.t += 1
    wait = limiter.try_acquire("conversations.create", holder="second")
    third = limiter.try_acquire("conversations.create", holder="third")
    assert 0 < wait < third
    clock.t += wait
    assert limiter.try_acquire("conversations.create", holder="second") == 0.0
    assert limiter.try_acquire("conversations.create", holder="third") == pytest.approx(third - wait)


def test_late_comebacks_arriving_together_never_exceed_the_window(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    for i in range(19 + 25):
        limiter.try_acquire("conversations.create", holder=f"m{i}")
    clock.t += 3600  # the 25 waiters come back very late, at once: only a window's worth goes
    answers = [limiter.try_acquire("conversations.create", holder=f"m{i}") for i in range(19, 19 + 25)]
    assert answers[:19] == [0.0] * 19 and all(wait > 0 for wait in answers[19:])


def test_a_message_back_too_early_is_told_how_long_is_left(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    for i in range(19):
        limiter.try_acquire("pins.add", holder=f"a{i}")
    wait = limiter.try_acquire("pins.add", holder="b")
    assert wait == pytest.approx(61)
    clock.t += wait / 2
    assert limiter.try_acquire("pins.add", holder="b") == pytest.approx(wait / 2)


def test_a_caller_without_a_name_waits_but_reserves_nothing(clock: Clock) -> None:
    limiter = SlackRateLimiter(monotonic=clock)
    for _ in range(19):
        limiter.try_acquire("conversations.create")
    first = limiter.try_acquire("conversations.create")
    assert first > 0 and limiter.try_acquire("conversations.create") == pytest.approx(first)


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
