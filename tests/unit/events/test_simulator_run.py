"""Simulator runs: reproducible, in event-time order, cut at whole groups, inside the window."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from events.simulator.context import SimConfig
from events.simulator.memory import simulate_in_memory
from events.simulator.timespec import parse_start
from processors.cli import main

START = parse_start("2026-03-02", 0)
DAY = 86_400_000


def _config(**changes: object) -> SimConfig:
    base: dict[str, object] = {
        "provinces": ("GD",),
        "start_ms": START,
        "end_ms": START + DAY,
        "seed": 5,
        "violation_rate": 0.1,
        "scale": 0.3,
    }
    base.update(changes)
    return SimConfig(**base)  # type: ignore[arg-type]


def test_same_seed_same_output_other_seed_other_output() -> None:
    one, again, other = (simulate_in_memory(_config(seed=s)) for s in (5, 5, 6))
    assert one == again
    assert one.events != other.events


def test_events_are_in_time_order_with_unique_ids_and_offsets() -> None:
    events = simulate_in_memory(_config(end_ms=START + 2 * DAY)).parsed()
    times = [datetime.fromisoformat(e["time"]) for e in events]
    assert times == sorted(times)
    assert all(e["time"].endswith("+08:00") for e in events)
    assert len({e["id"] for e in events}) == len(events)


def test_groups_start_inside_the_window() -> None:
    later = START + 10 * 3_600_000
    events = simulate_in_memory(_config(start_ms=later, end_ms=later + 3_600_000)).parsed()
    first_by_subject: dict[str, str] = {}
    for event in events:
        first_by_subject.setdefault(event["subject"], event["time"])
    assert events
    window = ("2026-03-02T10:00:00.000+08:00", "2026-03-02T11:00:00.000+08:00")
    heartbeats = {e["subject"] for e in events if e["type"] == "ivr.availability"}
    assert all(
        window[0] <= t < window[1] for s, t in first_by_subject.items() if s not in heartbeats
    )


def test_overlapping_windows_agree_on_shared_entities() -> None:
    whole = {e["id"]: e for e in simulate_in_memory(_config()).parsed()}
    later = START + 12 * 3_600_000
    part = simulate_in_memory(_config(start_ms=later)).parsed()
    # survey answers are dealt per run so that the run's ratios hold; all else is shared
    shared = [e for e in part if not e["type"].endswith(".survey")]
    assert any(e["type"] == "hall.visit.checked_in" for e in shared)
    assert [e for e in shared if whole.get(e["id"]) != e] == []


def test_count_stops_at_a_group_boundary_and_keeps_truth_consistent() -> None:
    run = simulate_in_memory(_config(end_ms=None, count=5000))
    assert 5000 <= len(run.events) < 5000 + 500
    subjects = {json.loads(line)["subject"] for line in run.events}
    units_months = {json.loads(line)["unit"] for line in run.events}
    for case in run.truth:
        assert case["subject"] in subjects or case["subject"].split(":")[0] in units_months


def test_cli_writes_events_and_truth_beside_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "events.jsonl"
    args = [
        "simulate",
        "--provinces",
        "1",
        "--start",
        "2026-03-02",
        "--duration",
        "6h",
        "--seed",
        "3",
        "--out",
        str(out),
    ]
    assert main([*args, "--violation-rate", "0.2"]) == 0
    truth = [
        json.loads(line)
        for line in (tmp_path / "events.truth.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert truth and set(truth[0]) == {"rule", "subject", "province", "unit", "violation"}
    assert f"{len(out.read_text(encoding='utf-8').splitlines())} events" in capsys.readouterr().err
