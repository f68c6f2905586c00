"""`svcstd replay`: what it refuses before touching ClickHouse, and how a diff reads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from events.errors import UserError
from processors.cli import main
from processors.replay.cli import table
from processors.replay.diff import Row
from processors.replay.run import Request
from standards.loader import RULES_DIR, find, load_standards

V1 = RULES_DIR / "cmcc-service" / "v1.yaml"
PERIOD = ["--from", "2026-03-01T00:00:00+08:00", "--to", "2026-03-02T00:00:00+08:00"]


def test_replay_names_what_it_lacks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", *PERIOD, "--standard", "cmcc-service@1"]) == 2
    assert "replay needs --into" in capsys.readouterr().err


def test_a_draft_must_hold_the_version_named(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["replay", *PERIOD, "--standard", "cmcc-service@2", "--draft", str(V1), "--into", "x"]
    assert main(args) == 2
    assert "holds cmcc-service@1, not cmcc-service@2" in capsys.readouterr().err


def test_an_unknown_version_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", *PERIOD, "--standard", "cmcc-service@9", "--into", "x"]) == 2
    assert "no standard cmcc-service@9" in capsys.readouterr().err


def test_times_need_an_offset(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["replay", "--from", "2026-03-01T00:00:00", "--to", "2026-03-02T00:00:00Z"])
    assert "has no offset" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "start", "end", "message"),
    [
        ("a b", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "replay name"),
        ("ok", "2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", "is not after"),
    ],
)
def test_a_request_is_checked(name: str, start: str, end: str, message: str) -> None:
    v1 = find(load_standards(), "cmcc-service@1")
    with pytest.raises(UserError, match=message):
        Request(name, v1, datetime.fromisoformat(start), datetime.fromisoformat(end), Path("x"))


def test_the_diff_table_signs_additions_and_removals() -> None:
    rows = [Row("hall.wait_time", "GD", 10, 13, 4, 1), Row("repair.deadline", "BJ", 5, 3, 0, 2)]
    lines = list(table(rows))
    assert lines[1].split() == ["hall.wait_time", "GD", "10", "13", "+4", "-1"]
    assert lines[2].split() == ["repair.deadline", "BJ", "5", "3", "+0", "-2"]
    assert lines[-1].split() == ["total", "15", "16", "+4", "-3"]
