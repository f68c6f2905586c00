"""Parsing of --start, --duration, --provinces and the simulate command's checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from events.simulator.timefmt import iso, to_ms
from events.simulator.timespec import parse_duration, parse_start
from events.simulator.world import PROVINCES, parse_provinces
from processors.cli import main

CST = timezone(timedelta(hours=8))
NOW = to_ms(datetime(2026, 3, 2, 10, 15, tzinfo=CST))


def test_durations() -> None:
    assert parse_duration("90d") == 90 * 86_400_000
    assert parse_duration("1h30m") == 5_400_000
    for bad in ("", "0s", "1w", "h", "-1h"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_starts() -> None:
    assert parse_start("now", NOW) == NOW
    assert parse_start("now-1h", NOW) == NOW - 3_600_000
    assert iso(parse_start("today", NOW)) == "2026-03-02T00:00:00.000+08:00"
    assert iso(parse_start("today-1d", NOW)) == "2026-03-01T00:00:00.000+08:00"
    assert iso(parse_start("2026-03-01", NOW)) == "2026-03-01T00:00:00.000+08:00"
    assert iso(parse_start("2026-03-01T12:00:00Z", NOW)) == "2026-03-01T20:00:00.000+08:00"
    with pytest.raises(ValueError):
        parse_start("yesterday", NOW)


def test_timestamps_render_in_plus_eight() -> None:
    assert (
        iso(to_ms(datetime(2026, 12, 31, 16, 0, 0, 5000, tzinfo=UTC)))
        == "2027-01-01T00:00:00.005+08:00"
    )


def test_provinces() -> None:
    assert parse_provinces("3") == PROVINCES[:3]
    assert parse_provinces("31") == PROVINCES
    assert parse_provinces("gd, BJ") == ("GD", "BJ")
    for bad in ("0", "32", "XX", ""):
        with pytest.raises(ValueError):
            parse_provinces(bad)


@pytest.mark.parametrize(
    "args",
    [
        ["--provinces", "40", "--out", "-"],
        ["--duration", "forever", "--out", "-"],
        ["--rule-rate", "hall.wait_time", "--out", "-"],
        ["--rule-rate", "hall.wait_time=2", "--out", "-"],
        ["--duration", "1h"],
    ],
)
def test_user_mistakes_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", *args]) == 2
    assert capsys.readouterr().err.startswith("svcstd: ")
