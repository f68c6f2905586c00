"""`svcstd events validate`: one line per bad line, with its number, field and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.simulator.context import SimConfig
from events.simulator.memory import simulate_in_memory
from events.simulator.timespec import parse_start
from processors.cli import main

GOOD = json.dumps(
    {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/provinces/GD/halls/GD-H0001",
        "type": "hall.stain.reported",
        "time": "2026-03-02T09:30:00+08:00",
        "subject": "GD-H0001:20260302:s0",
        "province": "GD",
        "unit": "GD-H0001",
        "data": {"area": "entrance"},
    }
)


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["events", "validate", str(path)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_reports_each_bad_line_with_its_number_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        GOOD,
        "{not json",
        GOOD.replace("+08:00", ""),
        GOOD.replace("hall.stain.reported", "hall.stain.admired"),
        "",
        GOOD.replace('"area": "entrance"', '"zone": "entrance"'),
        GOOD.replace('"type": "hall.stain.reported"', '"type": "hotline.call.ended"').replace(
            '{"area": "entrance"}', '{"ended_by": "nobody"}'
        ),
        GOOD,
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = _run(path, capsys)
    assert code == 1
    assert out == [
        "line 2: -: unparseable JSON (key must be a string at line 1 column 2)",
        "line 3: time: Input should have timezone info",
        "line 4: type: unknown event type 'hall.stain.admired'",
        "line 6: data.area: Field required",
        "line 7: data.ended_by: Input should be 'agent', 'customer' or 'system'",
    ]
    assert "7 events checked, 2 valid, 5 invalid" in err


def test_simulator_output_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start = parse_start("2026-03-02", 0)
    simulated = simulate_in_memory(
        SimConfig(("GD",), start, start + 86_400_000, violation_rate=0.2)
    )
    path = tmp_path / "sim.jsonl"
    path.write_text("\n".join(simulated.events) + "\n", encoding="utf-8")
    code, out, err = _run(path, capsys)
    assert (code, out) == (0, [])
    assert (
        f"{len(simulated.events)} events checked, {len(simulated.events)} valid, 0 invalid" in err
    )


def test_a_missing_file_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "validate", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
