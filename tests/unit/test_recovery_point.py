from __future__ import annotations

from datetime import UTC, datetime

from processors.worker.recovery import CHINA, replay_from


def test_replay_starts_at_the_previous_month_in_china_time() -> None:
    assert replay_from(datetime(2026, 3, 15, 12, tzinfo=UTC)) == datetime(2026, 2, 1, tzinfo=CHINA)


def test_a_utc_evening_already_in_the_next_china_month() -> None:
    assert replay_from(datetime(2026, 3, 31, 17, tzinfo=UTC)) == datetime(2026, 3, 1, tzinfo=CHINA)


def test_january_goes_back_to_december_of_the_year_before() -> None:
    assert replay_from(datetime(2026, 1, 10, tzinfo=UTC)) == datetime(2025, 12, 1, tzinfo=CHINA)
