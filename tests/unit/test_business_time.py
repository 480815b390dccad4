"""Working time in each person's own time zone: nights, weekends and holidays never count."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.business_time import WorkCalendar, split_days, zone
from core.playbook import QuietHours

NY, TOKYO, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London")
CAL = WorkCalendar.from_quiet_hours(QuietHours(start=time(19), end=time(8), holidays=["2026-11-26"]))


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)  # type: ignore[misc]


def test_a_working_day_is_the_time_outside_quiet_hours_in_local_time() -> None:
    (window,) = CAL.windows(datetime(2026, 11, 2).date(), NY)
    assert window == (local(NY, 2026, 11, 2, 8), local(NY, 2026, 11, 2, 19))
    assert CAL.windows(datetime(2026, 11, 7).date(), NY) == []  # Saturday
    assert CAL.windows(datetime(2026, 11, 26).date(), TOKYO) == []  # a holiday, in Tokyo's own date


def test_the_same_moment_is_working_time_in_one_zone_and_night_in_another() -> None:
    tuesday_morning_in_tokyo = local(TOKYO, 2026, 11, 3, 8, 30)  # Monday 18:30 in New York
    assert CAL.is_open(tuesday_morning_in_tokyo, TOKYO) and CAL.is_open(tuesday_morning_in_tokyo, NY)
    tokyo_evening = local(TOKYO, 2026, 11, 3, 20)  # Tuesday 06:00 in New York
    assert not CAL.is_open(tokyo_evening, TOKYO) and not CAL.is_open(tokyo_evening, NY)
    assert CAL.next_open(tokyo_evening, TOKYO) == local(TOKYO, 2026, 11, 4, 8)
    assert CAL.next_open(tokyo_evening, NY) == local(NY, 2026, 11, 3, 8)


def test_friday_night_waits_for_monday_morning_and_a_working_moment_stays_put() -> None:
    assert CAL.next_open(local(NY, 2026, 11, 6, 20), NY) == local(NY, 2026, 11, 9, 8)
    noon = local(NY, 2026, 11, 4, 12)
    assert CAL.next_open(noon, NY) == noon


def test_business_hours_count_only_working_hours_across_nights_and_weekends() -> None:
    assert CAL.add(local(NY, 2026, 11, 2, 17), timedelta(hours=8), NY) == local(NY, 2026, 11, 3, 14)
    assert CAL.add(local(NY, 2026, 11, 6, 17), timedelta(hours=8), NY) == local(NY, 2026, 11, 9, 14)
    assert CAL.add(local(NY, 2026, 11, 7, 10), timedelta(hours=2), NY) == local(NY, 2026, 11, 9, 10)
    # Eight business hours for an AE in Tokyo and for a CSM in New York from the same instant.
    start = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # 23:00 Monday in Tokyo, 09:00 in New York
    assert CAL.add(start, timedelta(hours=8), TOKYO) == local(TOKYO, 2026, 11, 3, 16)
    assert CAL.add(start, timedelta(hours=8), NY) == local(NY, 2026, 11, 2, 17)


def test_business_days_land_on_the_same_local_time_skipping_weekends_and_holidays() -> None:
    accepted = local(NY, 2026, 11, 3, 10)  # Tuesday
    assert CAL.after(accepted, "5d", NY) == local(NY, 2026, 11, 10, 10)
    assert CAL.after(local(NY, 2026, 11, 20, 10), "5d", NY) == local(NY, 2026, 11, 30, 10)  # Thanksgiving skipped
    assert CAL.after(accepted, "1d4h", NY) == local(NY, 2026, 11, 4, 14)
    assert CAL.after(local(NY, 2026, 11, 7, 12), "1d", NY) == local(NY, 2026, 11, 10, 8)  # from Monday 08:00
    assert CAL.after(accepted, "1w", NY) == local(NY, 2026, 11, 10, 10)


def test_counting_back_is_the_mirror_of_counting_forward() -> None:
    due = local(NY, 2026, 11, 9, 10)  # Monday 10:00
    assert CAL.before(due, "4h", NY) == local(NY, 2026, 11, 6, 17)  # Friday 17:00
    assert CAL.before(due, "1d", NY) == local(NY, 2026, 11, 6, 10)
    assert CAL.add(CAL.subtract(due, timedelta(hours=13), NY), timedelta(hours=13), NY) == due


def test_daylight_saving_changes_the_offset_not_the_working_hours() -> None:
    every_day = WorkCalendar.from_quiet_hours(QuietHours(start=time(19), end=time(8), weekends=False))
    before, after = (every_day.windows(datetime(2026, 10, d).date(), LONDON)[0] for d in (24, 25))
    assert before[0] == datetime(2026, 10, 24, 7, tzinfo=UTC)  # 08:00 BST
    assert after[0] == datetime(2026, 10, 25, 8, tzinfo=UTC)  # 08:00 GMT, the day the clocks go back


@pytest.mark.parametrize(("start", "end", "windows"), [
    (time(0), time(0), [(0, 24)]),  # no quiet hours at all
    (time(1), time(6), [(0, 1), (6, 24)]),  # quiet hours inside the day
])
def test_quiet_hours_that_do_not_wrap_midnight(start: time, end: time, windows: list[tuple[int, int]]) -> None:
    cal = WorkCalendar.from_quiet_hours(QuietHours(start=start, end=end, weekends=False))
    day = datetime(2026, 11, 2)
    expected = [(day.replace(tzinfo=UTC) + timedelta(hours=a), day.replace(tzinfo=UTC) + timedelta(hours=b))
                for a, b in windows]
    assert cal.windows(day.date(), ZoneInfo("UTC")) == expected


def test_durations_split_into_working_days_and_working_hours() -> None:
    assert split_days("1w2d4h30m", week=5) == (7, timedelta(hours=4, minutes=30))
    assert split_days("24h", week=5) == (0, timedelta(hours=24))
    with pytest.raises(ValueError):
        split_days("soon", week=5)


def test_an_unknown_time_zone_falls_back_to_the_playbook_default() -> None:
    assert zone("Mars/Olympus_Mons", "Asia/Tokyo") == TOKYO
    assert zone(None, "America/New_York") == NY


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    minutes=st.integers(min_value=1, max_value=60 * 200),
    where=st.sampled_from([NY, TOKYO, LONDON, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata")]),
)
def test_counting_forward_then_back_returns_to_the_first_working_moment(
    start: datetime, minutes: int, where: ZoneInfo,
) -> None:
    span_ = timedelta(minutes=minutes)
    end = CAL.add(start, span_, where)
    assert end > start and CAL.subtract(end, span_, where) == CAL.next_open(start, where)
