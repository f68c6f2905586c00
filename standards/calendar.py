"""Working-day calendars and local (China) time: days and months are judged where the halls are.

A limit of N working days ends at the same local clock time on the N-th working
day after the start; a start on a rest day runs from the next working day's
midnight. Weekends, public holidays and make-up working days come from the rule file,
with the years they are complete for: beyond those, a count is weekends and the
holidays listed so far, and its verdict says so (`calendar_uncovered`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from pydantic import BaseModel, ConfigDict, Field

DAY = timedelta(days=1)


class Calendar(BaseModel):
    """Which local dates are working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekend: list[int] = Field(default_factory=lambda: [6, 7], description="ISO weekdays off")
    holidays: list[date] = Field(default_factory=list, description="public holidays (off)")
    workdays: list[date] = Field(
        default_factory=list, description="make-up working days on a weekend (调休上班)"
    )
    years: list[int] | None = Field(
        default=None,
        description=(
            "years whose holidays and make-up working days are complete (the State Council "
            "notice is in); absent: every year with a holiday listed. A working-day deadline "
            "that runs into another year is flagged calendar_uncovered on its verdict"
        ),
    )
    note: str = ""

    def covered_years(self) -> frozenset[int]:
        if self.years is not None:
            return frozenset(self.years)
        return frozenset(day.year for day in self.holidays)


def parse_offset(text: str) -> tzinfo:
    """'+08:00' → a fixed offset; China has no daylight saving time."""
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


@dataclass(frozen=True, slots=True)
class WorkingDays:
    """A compiled calendar in one time zone."""

    tz: tzinfo
    weekend: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    @classmethod
    def of(cls, calendar: Calendar, tz: tzinfo) -> WorkingDays:
        return cls(
            tz,
            frozenset(calendar.weekend),
            frozenset(calendar.holidays),
            frozenset(calendar.workdays),
            calendar.covered_years(),
        )

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether every local day from `start` to `end` lies in a year this calendar knows."""
        years = self.years
        first, last = start.astimezone(self.tz).year, end.astimezone(self.tz).year
        return all(year in years for year in range(min(first, last), max(first, last) + 1))

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.isoweekday() not in self.weekend

    def clock_start(self, moment: datetime) -> datetime:
        """When a working-day clock started at `moment` really starts running."""
        local = moment.astimezone(self.tz)
        day = local.date()
        if self.is_working(day):
            return local
        while not self.is_working(day):
            day += DAY
        return datetime.combine(day, time(0), self.tz)

    def add(self, moment: datetime, days: int) -> datetime:
        """`days` working days after `moment`."""
        start = self.clock_start(moment)
        day = start.date()
        remaining = days
        while remaining:
            day += DAY
            if self.is_working(day):
                remaining -= 1
        return datetime.combine(day, start.timetz())

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Working time between two instants, in working days."""
        begin = self.clock_start(start)
        stop = end.astimezone(self.tz)
        if stop <= begin:
            return 0.0
        total = timedelta(0)
        day = begin.date()
        while True:
            day_start = datetime.combine(day, time(0), self.tz)
            day_end = day_start + DAY
            if self.is_working(day):
                total += min(stop, day_end) - max(begin, day_start)
            if stop <= day_end:
                break
            day += DAY
        return total / DAY


def month_bounds(key: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a 'YYYY-MM' month in local time."""
    year, month = (int(part) for part in key.split("-"))
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tz)
    return start, start + DAY


class LocalClock:
    """Local dates of instants, remembering the last one: every rule reading one event asks alike."""

    __slots__ = ("_date", "_moment", "_offset", "tz")

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._offset = tz.utcoffset(None)
        self._moment: datetime | None = None
        self._date = date.min

    def day(self, moment: datetime) -> date:
        if moment is not self._moment:
            self._moment = moment
            if moment.utcoffset() == self._offset:  # already local: no conversion
                self._date = moment.date()
            else:
                self._date = moment.astimezone(self.tz).date()
        return self._date

    def month(self, moment: datetime) -> str:
        day = self.day(moment)
        return f"{day.year:04d}-{day.month:02d}"
