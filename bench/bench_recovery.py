"""Restart-to-caught-up after a SIGKILL, with 1 day and with 30 days of history in the topics.

Not a test: prints the numbers and writes them to var/bench/recovery.json. For
each history length it starts a broker of its own (a fresh data directory under
var/bench/), publishes that much simulated history, runs one `svcstd worker`
until it has read everything and checkpointed, kills it with SIGKILL, starts a
new one at once and measures the time until the new one logs that its shards
have caught up. Recovery should not grow with the history: the new worker
starts from the shards' checkpoints, not from the beginning of the topics.

    .venv/bin/python bench/bench_recovery.py [--days 1,30] [--provinces GD]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from events.settings import load_settings
from processors.stack import kafka_runtime
from processors.stack.processes import free_port_pair

ROOT = Path(__file__).resolve().parents[1]
CAUGHT_UP = "caught up: shards"


def _wait_for(log: Path, marker: str, count: int, timeout_s: float) -> float:
    """Seconds until `marker` has appeared `count` times in `log`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if log.exists() and log.read_text(errors="replace").count(marker) >= count:
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"{marker!r} did not appear {count} times in {log} within {timeout_s} s")


def measure(days: int, provinces: str, var: Path) -> dict[str, object]:
    shutil.rmtree(var, ignore_errors=True)
    env = os.environ | {
        "SVC_VAR_DIR": str(var),
        "SVC_KAFKA_PORT": str(free_port_pair()),
        "SVC_PARTITIONS": "3",
    }
    env.pop("SVC_KAFKA_BOOTSTRAP", None)
    settings = load_settings(env)
    kafka_runtime.ensure_up(settings, report=lambda _line: None)
    try:
        bootstrap = settings.kafka_bootstrap
        env["SVC_KAFKA_BOOTSTRAP"] = bootstrap
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "processors.cli", "simulate", "--provinces", provinces,
             "--duration", f"{days}d", "--to", "kafka", "--bootstrap", bootstrap],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        published = time.perf_counter() - started
        log = var / "worker.log"
        command = [sys.executable, "-m", "processors.cli", "worker"]
        with log.open("ab") as out:
            first = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        first_catch_up = _wait_for(log, CAUGHT_UP, 1, 1800)
        time.sleep(float(env.get("SVC_CHECKPOINT_SECONDS", "5")) + 2)  # one checkpoint more
        first.send_signal(signal.SIGKILL)
        first.wait()
        with log.open("ab") as out:
            second = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        recovery = _wait_for(log, CAUGHT_UP, 2, 300)
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
        return {
            "days_of_history": days,
            "provinces": provinces,
            "publish_seconds": round(published, 1),
            "first_catch_up_seconds": round(first_catch_up, 1),
            "restart_to_caught_up_seconds": round(recovery, 1),
        }
    finally:
        kafka_runtime.stop(replace(settings), report=lambda _line: None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", default="1,30")
    parser.add_argument("--provinces", default="GD")
    args = parser.parse_args()
    results = []
    for days in (int(d) for d in args.days.split(",")):
        result = measure(days, args.provinces, ROOT / "var" / "bench" / f"recovery-{days}d")
        print(json.dumps(result))
        results.append(result)
    recoveries = [float(str(r["restart_to_caught_up_seconds"])) for r in results]
    summary = {
        "runs": results,
        "ratio_longest_to_shortest_history": round(max(recoveries) / min(recoveries), 2),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }
    target = ROOT / "var" / "bench" / "recovery.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(
        f"restart to caught up: {recoveries} s; ratio {summary['ratio_longest_to_shortest_history']}"
    )
    print(f"written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
