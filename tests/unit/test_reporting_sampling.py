"""The monthly sample audit's pure rules: the day it runs, a reproducible random draw, what each line says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from core.business_time import WorkCalendar
from core.playbook import SampleAudit
from core.sampling import (
    SampleCandidate,
    first_working_day,
    pick_sample,
    previous_month,
    sample_lines,
    seed_for,
)

CAL = WorkCalendar(opens=time(9), closes=time(18), weekends_off=True, holidays=frozenset({date(2027, 1, 1)}))


def candidate(n: int, **kw: object) -> SampleCandidate:
    values: dict[str, object] = dict(
        handoff_id=f"ho_{n:03d}", deal_name=f"Deal {n}", account=f"Acct {n}", segment="smb",
        accepted_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n), required=5, filled=5, overridden=False,
        rating=None, repeat_asks=(),
    )
    return SampleCandidate(**(values | kw))  # type: ignore[arg-type]


def test_the_audit_runs_on_the_first_working_day_skipping_weekends_and_holidays() -> None:
    assert first_working_day(2026, 12, CAL) == date(2026, 12, 1)  # a Tuesday
    assert first_working_day(2026, 11, CAL) == date(2026, 11, 2)  # Nov 1st 2026 is a Sunday
    assert first_working_day(2027, 1, CAL) == date(2027, 1, 4)  # holiday Friday, then the weekend
    weekends_on = WorkCalendar(opens=time(9), closes=time(18), weekends_off=False, holidays=frozenset())
    assert first_working_day(2026, 11, weekends_on) == date(2026, 11, 1)


def test_last_month_is_the_calendar_month_before_today() -> None:
    assert previous_month(date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 12, 1))
    assert previous_month(date(2027, 1, 4)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_the_draw_is_the_same_for_the_same_month_whatever_order_storage_returns() -> None:
    pool = [candidate(n) for n in range(40)]
    seed = seed_for(date(2026, 11, 1))
    first = pick_sample(pool, 5, seed=seed)
    assert pick_sample(list(reversed(pool)), 5, seed=seed) == first
    assert len({c.handoff_id for c in first}) == 5
    assert [c.accepted_at for c in first] == sorted(c.accepted_at for c in first)
    assert pick_sample(pool, 5, seed=seed_for(date(2026, 10, 1))) != first  # another month, another sample


def test_a_small_month_shows_every_handoff_and_an_empty_one_nothing() -> None:
    pool = [candidate(n) for n in range(3)]
    assert pick_sample(pool, 5, seed="s") == pool
    assert pick_sample([], 5, seed="s") == []


def test_each_line_says_completeness_rating_repeat_asks_and_links_to_the_place() -> None:
    rows = [candidate(1, filled=3, overridden=True, rating=2, repeat_asks=("goals", "risks")), candidate(2, rating=5)]
    lines = sample_lines(rows, {"ho_001": "https://acme.slack.com/archives/C1"})
    assert lines[0] == ("Deal 1 (Acct 1, smb): packet 3/5 required fields (60%), let through by override; rated 2/5; "
                        "2 repeat-ask(s): goals, risks. https://acme.slack.com/archives/C1")
    assert "packet 5/5 required fields (100%); rated 5/5; no repeat-asks. ho_002" in lines[1]


def test_the_sample_size_defaults_to_five_and_is_bounded() -> None:
    assert SampleAudit().size == 5
    import pydantic
    import pytest
    with pytest.raises(pydantic.ValidationError):
        SampleAudit(size=0)
