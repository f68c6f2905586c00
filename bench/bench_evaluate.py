"""Benchmark of offline evaluation: throughput on one core, and peak memory over 10M events.

Not a timed test: it prints its numbers and writes them to var/bench/evaluate.json.

    .venv/bin/python bench/bench_evaluate.py                  # 1M events ×3 runs, then 10M streamed
    .venv/bin/python bench/bench_evaluate.py --big 0          # throughput only
    .venv/bin/python bench/bench_evaluate.py --runs 0         # memory only (keeps earlier numbers)

Throughput: a simulator file of about 1M events (every channel, every rule) is
evaluated in this process, parsing included, over `--runs` runs; events per
second of wall time and of this process's CPU time (the fairer number on a
shared machine). Memory: about
10M events are streamed from `svcstd simulate` (another process) through a pipe
into the evaluator here, and the peak resident size of this process is read
from the kernel afterwards; the file never touches the disk.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from standards.evaluate import evaluate, read_lines
from standards.loader import load_standards
from standards.truth import compare, read_jsonl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "evaluate.json"
SIMULATE = [sys.executable, "-m", "processors.cli", "simulate", "--start", "2026-03-01"]


def _simulate_file(path: Path, days: int) -> None:
    if path.exists() and path.with_suffix(".truth.jsonl").exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*SIMULATE, "--duration", f"{days}d", "--out", str(path)], check=True, cwd=ROOT)


def throughput(path: Path, runs: int) -> dict[str, object]:
    standards = load_standards()
    rates, cpu_rates = [], []
    outcome = None
    for _ in range(runs):
        outcome = evaluate(read_lines(path), standards)
        rates.append(outcome.per_second)
        cpu_rates.append(outcome.per_cpu_second)
        print(
            f"  run: {outcome.events:,} events in {outcome.seconds:.2f} s wall "
            f"({outcome.cpu_seconds:.2f} s CPU) = {outcome.per_second:,.0f} events/s wall, "
            f"{outcome.per_cpu_second:,.0f} events/CPU-s"
        )
    assert outcome is not None
    truth = path.with_suffix(".truth.jsonl")
    scores = compare([v.to_record() for v in outcome.violations.values()], read_jsonl(truth))
    return {
        "events": outcome.events,
        "rules": len(standards[0].rules),
        "runs_events_per_second": [round(r) for r in rates],
        "best_events_per_second": round(max(rates)),
        "runs_events_per_cpu_second": [round(r) for r in cpu_rates],
        "best_events_per_cpu_second": round(max(cpu_rates)),
        "median_events_per_cpu_second": round(statistics.median(cpu_rates)),
        "violations": len(outcome.violations),
        "checks": outcome.checks,
        "truth_cases": sum(s.found + len(s.missed) + s.compliant_cases for s in scores.values()),
        "truth_exact": all(s.exact for s in scores.values()),
    }


def peak_memory(events: int, scale: int) -> dict[str, object]:
    command = [
        *SIMULATE,
        "--duration",
        "400d",
        "--scale",
        str(scale),
        "--count",
        str(events),
        "--out",
        "-",
        "--truth",
        "/dev/null",
    ]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT) as simulator:
        assert simulator.stdout is not None
        outcome = evaluate(simulator.stdout, load_standards())
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "events": outcome.events,
        "seconds_wall": round(seconds, 1),
        "events_per_cpu_second": round(outcome.per_cpu_second),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "rss_before_mib": round(before / 1024, 1),
        "violations_held": len(outcome.violations),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days", type=int, default=30, help="simulated days for the ~1M-event file"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="throughput runs (0: skip; earlier results kept)"
    )
    parser.add_argument(
        "--big", type=int, default=10_000_000, help="events for the memory run (0: skip)"
    )
    parser.add_argument(
        "--scale", type=int, default=10, help="traffic multiplier for the memory run"
    )
    parser.add_argument("--file", type=Path, default=ROOT / "var" / "bench" / "events-1m.jsonl")
    args = parser.parse_args()

    result: dict[str, object] = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    result.update(python=platform.python_version(), machine=platform.machine(), cpus=os.cpu_count())
    if args.runs:
        _simulate_file(args.file, args.days)
        print(f"throughput over {args.file}:")
        result["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        result["throughput"] = throughput(args.file, args.runs)
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.big:
        print(f"peak memory over {args.big:,} streamed events:")
        result["memory"] = peak_memory(args.big, args.scale)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
