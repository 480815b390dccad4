"""Working time in a person's own time zone: quiet hours, weekends and holidays do not count.

A day's working windows are the hours outside the playbook's quiet hours (08:00-19:00 for the
shipped 19:00-08:00), none at all on weekends (when `quiet_hours.weekends` is on) or on a
configured holiday. Holidays are local dates of the person concerned, so Christmas in Tokyo
starts nine hours before Christmas in London. Windows are computed per local day and converted
to UTC, so daylight-saving days simply have a shorter or longer night.

Business durations count working time: "8h" is eight working hours, "5d" five working days
(the same local time five working days on), "1w" a working week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.durations import parse_duration
from core.playbook import QuietHours

MAX_DAYS = 3660  # ten years of holidays in a row would be a broken calendar, not a long SLA
_PART = re.compile(r"(\d+)\s*([smhdw])")
Window = tuple[datetime, datetime]


def zone(name: str | None, default: str) -> ZoneInfo:
    """The IANA zone a chat profile names, or the playbook's default for unknown or bad names."""
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


@dataclass(frozen=True)
class WorkCalendar:
    opens: time
    closes: time
    weekends_off: bool
    holidays: frozenset[date]

    @classmethod
    def from_quiet_hours(cls, quiet: QuietHours) -> WorkCalendar:
        return cls(
            opens=quiet.end, closes=quiet.start, weekends_off=quiet.weekends,
            holidays=frozenset(date.fromisoformat(d) for d in quiet.holidays),
        )

    def is_working_day(self, day: date) -> bool:
        return day not in self.holidays and not (self.weekends_off and day.weekday() >= 5)

    def windows(self, day: date, tz: ZoneInfo) -> list[Window]:
        """The working intervals of one local day, as UTC datetimes, in order."""
        if not self.is_working_day(day):
            return []

        def at(d: date, t: time) -> datetime:
            return datetime.combine(d, t, tzinfo=tz).astimezone(UTC)

        midnight, next_midnight = at(day, time(0)), at(day + timedelta(days=1), time(0))
        if self.opens == self.closes:  # no quiet hours at all
            return [(midnight, next_midnight)]
        if self.opens < self.closes:  # quiet hours wrap midnight (19:00-08:00)
            return [(at(day, self.opens), at(day, self.closes))]
        # quiet hours inside one day (01:00-06:00): work before and after them
        spans = [(midnight, at(day, self.closes)), (at(day, self.opens), next_midnight)]
        return [(start, end) for start, end in spans if start < end]

    def is_open(self, moment: datetime, tz: ZoneInfo) -> bool:
        local = moment.astimezone(tz).date()
        return any(start <= moment < end for start, end in self.windows(local, tz))

    def next_open(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """`moment` itself when it is working time, else the start of the next working window."""
        day = moment.astimezone(tz).date()
        for _ in range(MAX_DAYS):
            for start, end in self.windows(day, tz):
                if moment < end:
                    return max(start, moment)
            day += timedelta(days=1)
        raise ValueError("the working calendar has no working time in the next ten years")

    def add(self, start: datetime, span: timedelta, tz: ZoneInfo) -> datetime:
        """The moment `span` of working time after `start`."""
        left, day = span, start.astimezone(tz).date()
        for _ in range(MAX_DAYS):
            for w_start, w_end in self.windows(day, tz):
                if w_end <= start:
                    continue
                begin = max(w_start, start)
                if w_end - begin >= left:
                    return begin + left
                left -= w_end - begin
            day += timedelta(days=1)
        raise ValueError("the working calendar has no working time in the next ten years")

    def subtract(self, end: datetime, span: timedelta, tz: ZoneInfo) -> datetime:
        """The moment `span` of working time before `end`."""
        left, day = span, end.astimezone(tz).date()
        for _ in range(MAX_DAYS):
            for w_start, w_end in reversed(self.windows(day, tz)):
                if w_start >= end:
                    continue
                finish = min(w_end, end)
                if finish - w_start >= left:
                    return finish - left
                left -= finish - w_start
            day -= timedelta(days=1)
        raise ValueError("the working calendar has no working time in the last ten years")

    def add_days(self, start: datetime, days: int, tz: ZoneInfo) -> datetime:
        """The same local time `days` working days on (from the next working moment)."""
        begin = self.next_open(start, tz)
        local = begin.astimezone(tz)
        day, counted = local.date(), 0
        for _ in range(MAX_DAYS):
            if counted == days:
                return self.next_open(datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC), tz)
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        raise ValueError("the working calendar has no working days in the next ten years")

    def after(self, start: datetime, duration: str, tz: ZoneInfo) -> datetime:
        """`start` plus a business duration as written in app.yaml ("8h", "5d", "1d4h", "1w")."""
        days, rest = split_days(duration, week=5 if self.weekends_off else 7)
        moment = self.add_days(start, days, tz) if days else start
        return self.add(moment, rest, tz) if rest else self.next_open(moment, tz)

    def before(self, end: datetime, duration: str, tz: ZoneInfo) -> datetime:
        """`end` minus a business duration (working days count back as 24h of working time
        each way would not: "1d" before Monday 10:00 is Friday 10:00)."""
        days, rest = split_days(duration, week=5 if self.weekends_off else 7)
        moment = self.subtract(end, rest, tz) if rest else end
        local = moment.astimezone(tz)
        day, counted = local.date(), 0
        for _ in range(MAX_DAYS):
            if counted == days:
                return datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)
            day -= timedelta(days=1)
            counted += self.is_working_day(day)
        raise ValueError("the working calendar has no working days in the last ten years")


def split_days(duration: str, *, week: int) -> tuple[int, timedelta]:
    """("1w2d4h", week=5) -> (7 working days, 4h): days and weeks apart from the clock part."""
    parse_duration(duration)  # the same validation app.yaml gets
    days, rest = 0, timedelta()
    for amount, unit in _PART.findall(duration.lower()):
        n = int(amount)
        if unit == "w":
            days += n * week
        elif unit == "d":
            days += n
        else:
            rest += timedelta(seconds=n * {"s": 1, "m": 60, "h": 3600}[unit])
    return days, rest
