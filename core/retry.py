"""One rule for lost optimistic-lock races: reload, re-check the rules, try again, at most three times.

A conflict means someone else changed the handoff between our read and our write (a second
replica, a click and a CRM event at once). Trying again on fresh state is always safe because
every attempt re-runs the state machine's guards; giving up after three keeps a hot handoff
from spinning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from core.errors import ConcurrencyConflict

R = TypeVar("R")
RETRIES_ON_CONFLICT = 3


def retry_on_conflict(attempt: Callable[[], R], *, tries: int = RETRIES_ON_CONFLICT) -> R:
    """`attempt()` (a whole load-change-commit), run again on ConcurrencyConflict; the last one raises."""
    for n in range(tries):
        try:
            return attempt()
        except ConcurrencyConflict:
            if n == tries - 1:
                raise
    raise AssertionError("tries must be at least 1")
