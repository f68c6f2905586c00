"""Benchmark of `svcstd replay` against the offline engine, on the same events.

Not a timed test: it prints its numbers and writes them to var/bench/replay.json.

    .venv/bin/python bench/bench_replay.py              # the ~1M-event file of bench_evaluate, ×3
    .venv/bin/python bench/bench_replay.py --runs 5

The simulator file of `bench_evaluate.py` (made if missing) is archived once
into a private chDB (`var/bench/replay-chdb`) the way the projector stores
events (`ClickHouseSink`). Then, alternately, the offline engine evaluates the
file (`standards.evaluate.evaluate`, parsing included) and `replay` re-evaluates
the same events from ClickHouse, both under cmcc-service@1 pinned and as of the
same end. Rates are events per second of wall time and of this process's CPU
time (chDB runs inside this process, so its threads count: the fairer number on
a shared machine); the replay's are given for its evaluation (reading from
ClickHouse included) and end to end (the count for the progress bar and the
writing of its results too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from clickhouse_connect.driver.client import Client

from events.topics import topic_for
from processors.replay.run import Request, replay
from processors.sink.batch_sink import ClickHouseSink
from processors.storage.client import connect
from processors.storage.schema import create_schema
from standards.evaluate import evaluate, read_lines
from standards.loader import find, load_standards
from standards.suites import pinned

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "replay.json"
CHDB = ROOT / "var" / "bench" / "replay-chdb"
STANDARD = "cmcc-service@1"
SIMULATE = [sys.executable, "-m", "processors.cli", "simulate", "--start", "2026-03-01"]


def _simulate_file(path: Path, days: int) -> None:
    """The file bench_evaluate.py uses, made the same way when missing."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*SIMULATE, "--duration", f"{days}d", "--out", str(path)], check=True, cwd=ROOT)


def _period(path: Path) -> tuple[datetime, datetime, int]:
    """First event time, just after the last, and the number of lines."""
    first: datetime | None = None
    last: datetime | None = None
    lines = 0
    for line in read_lines(path):
        moment = datetime.fromisoformat(json.loads(line)["time"])
        first = moment if first is None or moment < first else first
        last = moment if last is None or moment > last else last
        lines += 1
    assert first is not None and last is not None
    return first.astimezone(UTC), last.astimezone(UTC) + timedelta(milliseconds=1), lines


def _archive(client: Client, path: Path, lines: int) -> float:
    """The file into svc.events once (seconds it took; 0 when it was already there)."""
    stored = int(client.query("SELECT count() FROM svc.events FINAL").result_rows[0][0])
    if stored == lines:
        return 0.0
    client.command("TRUNCATE TABLE svc.events")
    started = time.perf_counter()
    sink = ClickHouseSink(client)
    for offset, line in enumerate(read_lines(path)):
        sink.add(topic_for(json.loads(line)["type"]), 0, offset, line)
        if sink.pending() >= 50_000:
            sink.flush()
    sink.flush()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each, alternating")
    parser.add_argument("--days", type=int, default=30, help="simulated days if the file is made")
    parser.add_argument("--file", type=Path, default=ROOT / "var" / "bench" / "events-1m.jsonl")
    args = parser.parse_args()

    _simulate_file(args.file, args.days)
    start, end, lines = _period(args.file)
    standard = find(load_standards(), STANDARD)
    client = connect(f"chdb://{CHDB}")
    create_schema(client)
    archived_in = _archive(client, args.file, lines)
    print(f"{lines:,} events of {args.file} in {CHDB} (archived in {archived_in:.1f} s)")

    offline: list[tuple[float, float]] = []
    replayed: list[tuple[float, float]] = []
    whole: list[tuple[float, float]] = []
    events = violations = 0
    load_before = [round(x, 2) for x in os.getloadavg()]
    for n in range(args.runs):
        outcome = evaluate(read_lines(args.file), [pinned(standard)], until=end)
        offline.append((outcome.per_second, outcome.per_cpu_second))
        wall, cpu = time.perf_counter(), time.process_time()
        run = replay(client, Request("bench", standard, start, end), replace=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        replayed.append((run.per_second, run.events / run.cpu_seconds))
        whole.append((run.events / wall, run.events / cpu))
        assert run.events == outcome.events and run.violations == len(outcome.violations)
        events, violations = run.events, run.violations
        print(
            f"  run {n + 1}: offline {offline[-1][0]:,.0f} events/s ({offline[-1][1]:,.0f}/CPU-s); "
            f"replay {replayed[-1][0]:,.0f} events/s ({replayed[-1][1]:,.0f}/CPU-s), "
            f"end to end {whole[-1][0]:,.0f} events/s ({whole[-1][1]:,.0f}/CPU-s)"
        )
    client.close()

    def rates(pairs: list[tuple[float, float]]) -> dict[str, object]:
        return {
            "runs_events_per_second": [round(w) for w, _ in pairs],
            "best_events_per_second": round(max(w for w, _ in pairs)),
            "median_events_per_second": round(statistics.median(w for w, _ in pairs)),
            "runs_events_per_cpu_second": [round(c) for _, c in pairs],
            "median_events_per_cpu_second": round(statistics.median(c for _, c in pairs)),
        }

    median = statistics.median
    result: dict[str, object] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "events": events,
        "violations": violations,
        "standard": STANDARD,
        "archive_seconds": round(archived_in, 1),
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "offline": rates(offline),
        "replay": rates(replayed),
        "replay_end_to_end": rates(whole),
        "replay_over_offline_median_cpu": round(
            median(c for _, c in replayed) / median(c for _, c in offline), 2
        ),
        "replay_over_offline_median_wall": round(
            median(w for w, _ in replayed) / median(w for w, _ in offline), 2
        ),
        "replay_over_offline_best_wall": round(
            max(w for w, _ in replayed) / max(w for w, _ in offline), 2
        ),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
