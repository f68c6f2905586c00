"""The report's arithmetic: stars from a compliance rate, voided violations back as passes."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.data.report import compliance_rate, month_period, report_months, star_rating
from events.errors import UserError


@pytest.mark.parametrize(
    ("rate", "stars"),
    [(1.0, 5), (0.98, 5), (0.9799, 4), (0.95, 4), (0.90, 3), (0.85, 2), (0.80, 2), (0.5, 1),
     (0.0, 1), (None, None)],
)  # fmt: skip
def test_stars_step_down_at_each_threshold(rate: float | None, stars: int | None) -> None:
    assert star_rating(rate) == stars


def test_a_voided_violation_counts_its_check_as_passed() -> None:
    assert compliance_rate(10, 3, 0) == pytest.approx(0.7)
    assert compliance_rate(10, 3, 1) == pytest.approx(0.8)
    assert compliance_rate(10, 1, 4) == 1.0
    assert compliance_rate(0, 0, 0) is None


def test_a_month_is_china_time_and_malformed_months_are_refused() -> None:
    start, end = month_period("2026-12")
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-01T00:00:00+08:00",
        "2027-01-01T00:00:00+08:00",
    )
    for bad in ("2026-13", "2026-1", "Nov 2026", "2026-11-01"):
        with pytest.raises(UserError, match="YYYY-MM"):
            month_period(bad)


def test_the_page_offers_the_last_months_newest_first() -> None:
    assert report_months(date(2026, 2, 14), 3) == ["2026-02", "2026-01", "2025-12"]
