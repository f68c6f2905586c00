"""Calendars you can trust: the rule file's holidays against the maintained chinesecalendar
package, the simulator reading the same file, and working-day deadlines beyond the calendar's
years reported (a validate warning, a flag on the verdict), never passed off as exact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from chinese_calendar import constants

from events.envelope import Envelope
from events.simulator import calendar as simulator_calendar
from standards.calendar import Calendar
from standards.calendar_coverage import calendar_warnings
from standards.testing import checks, event, installed, run, violations
from standards.verdicts import Check, Violation

[V1] = installed()
RULE_FILE_CALENDAR = V1.calendars["cn-workdays"]
LISTED = {d.year for d in (*RULE_FILE_CALENDAR.holidays, *RULE_FILE_CALENDAR.workdays)}
PACKAGE = {d.year for d in constants.holidays}
BOTH = sorted((LISTED | RULE_FILE_CALENDAR.covered_years()) & PACKAGE)


def test_the_package_and_the_rule_file_share_the_years_in_force() -> None:
    assert {2025, 2026} <= set(BOTH), chinese_calendar.__version__


@pytest.mark.parametrize("year", BOTH)
def test_public_holidays_agree_with_chinesecalendar(year: int) -> None:
    mine = {d for d in RULE_FILE_CALENDAR.holidays if d.year == year}
    theirs = {d for d in constants.holidays if d.year == year}
    assert sorted(mine ^ theirs) == []


@pytest.mark.parametrize("year", BOTH)
def test_make_up_working_days_agree_with_chinesecalendar(year: int) -> None:
    mine = {d for d in RULE_FILE_CALENDAR.workdays if d.year == year}
    theirs = {d for d in constants.workdays if d.year == year}
    assert sorted(mine ^ theirs) == []


def test_the_simulator_reads_the_rule_file_calendar() -> None:
    special, covered = simulator_calendar.special_days()
    assert covered == RULE_FILE_CALENDAR.covered_years() == {2025, 2026}
    assert special == set(RULE_FILE_CALENDAR.holidays) | set(RULE_FILE_CALENDAR.workdays)
    assert not simulator_calendar.plain_span(date(2026, 9, 28), date(2026, 9, 30))  # 10-01
    assert simulator_calendar.plain_span(date(2026, 3, 9), date(2026, 3, 11))
    assert not simulator_calendar.plain_span(date(2026, 12, 28), date(2026, 12, 30))  # 2027


def test_covered_years_default_to_the_years_with_holidays() -> None:
    calendar = Calendar(holidays=[date(2030, 1, 1)])
    assert calendar.covered_years() == {2030}
    assert Calendar(holidays=[date(2030, 1, 1)], years=[2030, 2031]).covered_years() == {
        2030,
        2031,
    }


def test_validate_warns_when_the_standard_outlives_its_calendar() -> None:
    [warning] = calendar_warnings(V1)
    assert "hall.device_repair" in warning and "from 2027 on" in warning
    assert "calendar_uncovered" in warning
    bounded = V1.model_copy(update={"effective_to": datetime(2026, 6, 1, tzinfo=UTC)})
    assert calendar_warnings(bounded) == []
    late = V1.model_copy(update={"effective_to": datetime(2026, 12, 31, 12, tzinfo=UTC)})
    assert "2027" in calendar_warnings(late)[0]


def _device(kind: str, at: datetime, **data: object) -> Envelope:
    return event(kind, at, "GD-SZ-0001-D1:x", **data)


def _repair(reported: datetime, resolved: datetime) -> tuple[list[Violation], list[Check]]:
    opened = _device(
        "hall.day.opened",
        reported - timedelta(hours=1),
        tier="city1",
        counters=6,
        has_rest_area=True,
        queue_system=True,
        self_service=[],
    )
    reported_event = _device("hall.device.fault_reported", reported, device="D1", device_type="atm")
    resolved_event = _device("hall.device.fault_resolved", resolved, device="D1")
    verdicts = run([opened, reported_event, resolved_event], [V1], flush=True)
    return violations(verdicts, "hall.device_repair"), checks(verdicts, "hall.device_repair")


def test_a_working_day_deadline_inside_the_calendar_is_not_flagged() -> None:
    reported = datetime(2026, 3, 2, 2, tzinfo=UTC)  # Monday 10:00 in China
    [violation], [check] = _repair(reported, reported + timedelta(days=5))
    assert not violation.calendar_uncovered and not check.calendar_uncovered
    assert "calendar" not in violation.message_en


def test_a_working_day_deadline_that_runs_into_an_uncovered_year_is_flagged() -> None:
    reported = datetime(2026, 12, 31, 2, tzinfo=UTC)  # Thursday 10:00 in China; 2 days → 2027
    [violation], [check] = _repair(reported, reported + timedelta(days=12))
    assert violation.calendar_uncovered and check.calendar_uncovered
    assert violation.to_record()["calendar_uncovered"] is True
    assert "does not cover the year" in violation.message_en
    [], [compliant] = _repair(reported, reported + timedelta(hours=3))
    assert compliant.calendar_uncovered and not compliant.violated
