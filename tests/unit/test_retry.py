"""A lost optimistic-lock race is tried again on fresh state, at most three times in all."""

from __future__ import annotations

import pytest

from core.errors import ConcurrencyConflict
from core.retry import RETRIES_ON_CONFLICT, retry_on_conflict


def flaky(conflicts: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(len(calls))
        if len(calls) <= conflicts:
            raise ConcurrencyConflict("h-1", len(calls))
        return "committed"

    return calls, attempt


def test_two_lost_races_then_a_commit_returns_the_commit() -> None:
    calls, attempt = flaky(conflicts=2)
    assert retry_on_conflict(attempt) == "committed"  # type: ignore[arg-type]
    assert len(calls) == 3


def test_a_handoff_that_keeps_changing_gives_up_after_three_tries() -> None:
    calls, attempt = flaky(conflicts=99)
    with pytest.raises(ConcurrencyConflict):
        retry_on_conflict(attempt)  # type: ignore[arg-type]
    assert len(calls) == RETRIES_ON_CONFLICT == 3


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise ValueError("a rule said no")

    with pytest.raises(ValueError):
        retry_on_conflict(attempt)
    assert calls == [1]
