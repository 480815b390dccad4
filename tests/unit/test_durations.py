"""Durations as RevOps writes them in app.yaml, and back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 1d 12h ", timedelta(days=1, hours=12)),
        ("8H", timedelta(hours=8)),
        ("1h1h", timedelta(hours=2)),
    ],
)
def test_a_duration_is_read_the_way_people_write_it(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "24 hours", "1.5h", "-2h", "2d and 3h", "1y"])
def test_something_that_is_not_a_duration_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration; write it like 90s, 30m, 24h, 2d or 1w"):
        parse_duration(text)


def test_a_duration_that_is_not_text_is_refused_the_same_way() -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(24)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["0s", "0h0m"])
def test_a_zero_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="must be longer than zero"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=36), "1d12h"),
        (timedelta(days=15), "2w1d"),
        (timedelta(0), "0s"),
    ],
)
def test_a_duration_is_written_back_largest_units_first(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


@settings(max_examples=200, deadline=None, database=None)
@given(st.integers(min_value=1, max_value=10 * 365 * 86400))
def test_writing_then_reading_a_duration_gives_it_back(seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    assert parse_duration(format_duration(delta)) == delta
