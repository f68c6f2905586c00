"""The whole pipeline: simulator → Kafka → worker → sink → ClickHouse, sustained rate and
event-to-row latency.

Not a test: prints the numbers and writes them to var/bench/pipeline.json. It starts a
broker of its own and a chDB under var/bench/pipeline/, runs `svcstd worker` as a
child process and the sink (the projector) in this process, which owns chDB, as
the local profile does. Two measurements:

- end to end: `--events` simulated events published at full speed by `svcstd
  simulate --to kafka`; the rate is the events divided by the time from the first
  publish until ClickHouse holds every event and the verdicts have stopped
  changing. The workers run on evidence alone (allowed lateness ten years), as in
  the scenario tests, so the history can be in the past.
- latency: events published at a steady `--rate` per second for `--seconds`, each
  stamped with the wall clock as it is sent. Latency of an event: its row's
  `received_at` in `svc.events` less its time. Latency of a verdict: the check
  row's `inserted_at` less the time of the event that decided it (`checked_at`).
  A verdict waits for its shard's clock, so this run sets the worker's lateness
  to 0.5 s and its allowed lateness to 1 s (defaults: 30 s and 15 min, which are
  the delays a verdict then has by design).

    .venv/bin/python bench/bench_pipeline.py [--events 300000] [--rate 5000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from clickhouse_connect.driver.client import Client

from events.settings import load_settings
from events.topics import topic_for
from processors.sink.projector import start_in_background
from processors.stack import kafka_runtime
from processors.stack.kafka_admin import ensure_platform_topics
from processors.stack.processes import free_port_pair
from processors.storage.client import DATABASE, connect
from processors.storage.schema import create_schema

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench" / "pipeline"


def _count(client: Client, table: str, where: str = "") -> int:
    return int(client.query(f"SELECT count() FROM {DATABASE}.{table} {where}").result_rows[0][0])


def _worker(env: dict[str, str], log: Path, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "processors.cli", "worker"],
            env=env | extra,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def _until_settled(client: Client, events: int, timeout_s: float) -> float:
    """Wait until ClickHouse holds `events` events and the checks stopped changing for 5 s;
    returns the monotonic time the last change was seen."""
    deadline = time.monotonic() + timeout_s
    last_change, last = time.monotonic(), (-1, -1)
    while time.monotonic() < deadline:
        now = (_count(client, "events"), _count(client, "checks"))
        if now != last:
            last, last_change = now, time.monotonic()
        elif now[0] >= events and time.monotonic() - last_change >= 5:
            return last_change
        time.sleep(0.5)
    raise TimeoutError(f"ClickHouse held {last} (events, checks) after {timeout_s} s")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def end_to_end(
    env: dict[str, str], client: Client, events: int, broker_pid: int | None
) -> dict[str, object]:
    """The rate, and the CPU each part of the pipeline spent on it: on a machine of two
    cores, their sum per event is what bounds the rate."""
    worker = _worker(env, VAR / "worker-e2e.log", {"SVC_ALLOWED_LATENESS": "3650d"})
    try:
        time.sleep(10)  # the worker joins its group before the traffic starts
        cpu_before = {
            "worker": _cpu_seconds(worker.pid),
            "broker": _cpu_seconds(broker_pid) if broker_pid else 0.0,
            "sink_and_clickhouse": time.process_time(),
            "publishers": _children_cpu_seconds(),
        }
        began = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "processors.cli", "simulate", "--provinces", "8",
             "--duration", "60d", "--count", str(events), "--to", "kafka",
             "--bootstrap", env["SVC_KAFKA_BOOTSTRAP"], "--publishers", "2"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        published = time.monotonic() - began
        publishers = _children_cpu_seconds() - cpu_before["publishers"]
        landed = _count(client, "events")
        settled = _until_settled(client, landed, 1800) - began
        cpu = {
            "publishers": publishers,
            "worker": _cpu_seconds(worker.pid) - cpu_before["worker"],
            "broker": (_cpu_seconds(broker_pid) if broker_pid else 0.0) - cpu_before["broker"],
            # this process: the projector and chDB (less its idle polling, which the
            # few seconds of settling add)
            "sink_and_clickhouse": time.process_time() - cpu_before["sink_and_clickhouse"],
        }
        stored = _count(client, "events")
        per_event = {name: round(seconds / stored * 1e6, 1) for name, seconds in cpu.items()}
        total = sum(cpu.values()) / stored
        return {
            "events": stored,
            "publish_seconds": round(published, 1),
            "seconds_until_in_clickhouse": round(settled, 1),
            "events_per_s": round(stored / settled),
            "checks_rows": _count(client, "checks"),
            "cpu_seconds": {name: round(seconds, 1) for name, seconds in cpu.items()},
            "cpu_microseconds_per_event": per_event,
            "cpu_bound_events_per_s": round((os.cpu_count() or 1) / total),
        }
    finally:
        _stop(worker)


def _paced_publish(bootstrap: str, rate: int, seconds: float, source: Path) -> None:
    """Run in a child process: re-stamp the file's events with the wall clock and send
    `rate` of them per second."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1)
    lines = source.read_bytes().splitlines()
    began = time.monotonic()
    for sent, line in enumerate(lines):
        due = began + sent / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        if time.monotonic() - began >= seconds:
            break
        event = json.loads(line)
        event["time"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        event["province"] = "XJ"  # apart from the end-to-end run's rows
        producer.send(
            topic_for(event["type"]),
            key=event["subject"].encode(),
            value=json.dumps(event, ensure_ascii=False).encode(),
        )
    producer.flush()
    producer.close()


def latency(env: dict[str, str], client: Client, rate: int, seconds: float) -> dict[str, object]:
    source = VAR / "latency-source.jsonl"
    subprocess.run(
        [sys.executable, "-m", "processors.cli", "simulate", "--provinces", "4",
         "--duration", "30d", "--count", str(int(rate * seconds * 1.2)), "--out", str(source)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    quick = {"SVC_LATENESS": "0.5", "SVC_ALLOWED_LATENESS": "1s", "SVC_QUIET_AFTER": "0.5"}
    worker = _worker(env, VAR / "worker-latency.log", quick)
    try:
        time.sleep(15)  # the worker takes its shards over from the end-to-end run
        started = datetime.now(UTC)
        subprocess.run(
            [sys.executable, __file__, "--publish-paced", env["SVC_KAFKA_BOOTSTRAP"],
             str(rate), str(seconds), str(source)],
            env=env, check=True,
        )  # fmt: skip
        sent_seconds = (datetime.now(UTC) - started).total_seconds()
        published = _count(client, "events", "WHERE province = 'XJ'")
        time.sleep(10)
        since = {"since": started}
        events = client.query(
            f"SELECT count(), quantiles(0.5, 0.99)(dateDiff('millisecond', time, received_at))"
            f" FROM {DATABASE}.events WHERE province = 'XJ' AND time >= {{since:DateTime64(3)}}",
            parameters=since,
        ).result_rows[0]
        checks = client.query(
            "SELECT count(), quantiles(0.5, 0.99)(dateDiff('millisecond', checked_at, inserted_at))"
            f" FROM {DATABASE}.checks WHERE province = 'XJ' AND checked_at >= {{since:DateTime64(3)}}",
            parameters=since,
        ).result_rows[0]
        return {
            "rate_asked_per_s": rate,
            "rate_sent_per_s": round(int(events[0]) / sent_seconds),
            "events_rows": int(events[0]),
            "events_rows_before_the_wait": published,
            "event_to_events_row_ms": {"p50": events[1][0], "p99": events[1][1]},
            "check_rows": int(checks[0]),
            "deciding_event_to_check_row_ms": {"p50": checks[1][0], "p99": checks[1][1]},
            "worker_settings": quick,
        }
    finally:
        _stop(worker)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--publish-paced":
        bootstrap, rate, seconds, source = sys.argv[2:6]
        _paced_publish(bootstrap, int(rate), float(seconds), Path(source))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    dsn = f"chdb://{VAR / 'clickhouse'}"
    env = os.environ | {
        "SVC_VAR_DIR": str(VAR),
        "SVC_KAFKA_PORT": str(free_port_pair()),
        "SVC_PARTITIONS": "6",
        "SVC_CLICKHOUSE_DSN": dsn,
        "SVC_WORKER_METRICS_PORT": "0",
    }
    env.pop("SVC_KAFKA_BOOTSTRAP", None)
    settings = load_settings(env)
    broker = kafka_runtime.ensure_up(settings, report=lambda _line: None)
    client = connect(dsn)
    projector = None
    try:
        env["SVC_KAFKA_BOOTSTRAP"] = settings.kafka_bootstrap
        ensure_platform_topics(settings.kafka_bootstrap)
        create_schema(client)
        projector, _thread = start_in_background(settings.kafka_bootstrap, dsn)
        results: dict[str, object] = {"cpu_count": os.cpu_count()}
        results["end_to_end"] = end_to_end(env, client, args.events, broker.pid)
        print(f"end to end: {results['end_to_end']}")
        results["latency"] = latency(env, client, args.rate, args.seconds)
        print(f"latency: {results['latency']}")
        results["load_average_1m_after"] = round(os.getloadavg()[0], 2)
        target = ROOT / "var" / "bench" / "pipeline.json"
        target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"written to {target}")
        return 0
    finally:
        if projector is not None:
            projector.stop()
        client.close()
        kafka_runtime.stop(replace(settings), report=lambda _line: None)


if __name__ == "__main__":
    sys.exit(main())
