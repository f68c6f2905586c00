"""Working days in China time: weekends, public holidays and make-up working days from the rule file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from standards.calendar import LocalClock, WorkingDays
from standards.loader import load_standards

CN = timezone(timedelta(hours=8))
[V1] = load_standards()
DAYS = WorkingDays.of(V1.calendars["cn-workdays"], CN)


def test_weekends_holidays_and_make_up_days() -> None:
    assert DAYS.is_working(date(2026, 3, 2))  # Monday
    assert not DAYS.is_working(date(2026, 3, 7))  # Saturday
    assert not DAYS.is_working(date(2026, 10, 1))  # National Day
    assert DAYS.is_working(date(2026, 9, 20))  # Sunday, 调休上班
    assert not DAYS.is_working(date(2027, 2, 8))  # 2027 Spring Festival (provisional)


def test_adding_working_days_keeps_the_clock_time() -> None:
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=CN)
    assert DAYS.add(friday, 2) == datetime(2026, 3, 10, 15, 0, tzinfo=CN)


def test_a_start_on_a_rest_day_runs_from_the_next_working_midnight() -> None:
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=CN)
    assert DAYS.add(saturday, 1) == datetime(2026, 3, 10, 0, 0, tzinfo=CN)


def test_elapsed_working_days_skip_the_weekend() -> None:
    friday = datetime(2026, 3, 6, 12, 0, tzinfo=CN)
    monday = datetime(2026, 3, 9, 12, 0, tzinfo=CN)
    assert DAYS.elapsed(friday, monday) == 1.0


def test_an_instant_in_utc_is_judged_in_china_time() -> None:
    assert DAYS.add(datetime(2026, 3, 6, 23, 0, tzinfo=UTC), 1) == datetime(
        2026,
        3,
        10,
        0,
        0,
        tzinfo=CN,  # Saturday 07:00 in China: the clock starts Monday
    )
    assert LocalClock(CN).month(datetime(2026, 3, 31, 16, 30, tzinfo=UTC)) == "2026-04"
