"""The sink's rate: rows per second from Kafka into chDB, for a backlog it starts behind.

Not a test: prints the numbers and writes them to var/bench/sink.json. It
starts a broker of its own (a fresh data directory under var/bench/sink/),
publishes a day of simulated events for some provinces and synthetic KPI checks
and violations, then runs the projector (the sink's own code, in this process,
on a fresh chDB directory) until every row is in, and reports the rate end to
end (from the start, consumer group join included, and from the first record
read) and the rate of the inserts alone (rows over the time spent in inserts).

    .venv/bin/python bench/bench_sink.py [--provinces GD] [--days 1] [--checks 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from events.settings import load_settings
from processors.sink.config import SinkConfig
from processors.sink.metrics import SinkMetrics
from processors.sink.projector import Projector
from processors.sink.tables import TABLE_OF_TOPIC
from processors.stack import kafka_runtime
from processors.stack.processes import free_port_pair

ROOT = Path(__file__).resolve().parents[1]


def _synthetic(bootstrap: str, checks: int) -> None:
    """KPI checks and one violation per 20 checks, shaped as the worker publishes them."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=50)
    for n in range(checks):
        subject = f"call-{n}"
        check = {
            "check_id": f"bench-{n}",
            "standard": "cmcc-service",
            "version": 1,
            "rule": "hotline.answer_time",
            "province": "GD",
            "unit": f"GD-HL-{n % 50}",
            "subject": subject,
            "day": "2026-03-02",
            "checked_at": "2026-03-02T09:10:00+08:00",
            "violated": n % 20 == 0,
            "value": float(n % 30),
        }
        producer.send("svc.kpis", key=subject.encode(), value=json.dumps(check).encode())
        if n % 20 == 0:
            violation = {
                "violation_id": f"bench-v{n}",
                "standard": "cmcc-service",
                "version": 1,
                "rule": "hotline.answer_time",
                "clause": "10086 2.1",
                "severity": "minor",
                "province": "GD",
                "unit": f"GD-HL-{n % 50}",
                "subject": subject,
                "detected_at": "2026-03-02T09:10:00+08:00",
                "measured": 25.0,
                "limit": 15.0,
                "measure": "answer_seconds",
                "evidence": [f"call-{n}-offered", f"call-{n}-answered"],
                "message_zh": "接通超时",
                "message_en": "answered too late",
                "retracted": False,
                "revision": 0,
            }
            producer.send(
                "svc.violations",
                key=subject.encode(),
                value=json.dumps(violation).encode(),
            )
    producer.flush()
    producer.close()


def _backlog(bootstrap: str) -> dict[str, int]:
    """Records waiting in each table's topics."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in TABLE_OF_TOPIC
            for p in consumer.partitions_for_topic(topic) or ()
        ]
        counts: dict[str, int] = {}
        for tp, end in consumer.end_offsets(partitions).items():
            table = TABLE_OF_TOPIC[tp.topic]
            counts[table] = counts.get(table, 0) + end
        return counts
    finally:
        consumer.close()


def _value(registry: CollectorRegistry, name: str, table: str) -> float:
    return registry.get_sample_value(name, {"table": table}) or 0.0


def measure(provinces: str, days: int, checks: int, var: Path) -> dict[str, object]:
    shutil.rmtree(var, ignore_errors=True)
    env = os.environ | {
        "SVC_VAR_DIR": str(var),
        "SVC_KAFKA_PORT": str(free_port_pair()),
        "SVC_PARTITIONS": "6",
    }
    env.pop("SVC_KAFKA_BOOTSTRAP", None)
    settings = load_settings(env)
    kafka_runtime.ensure_up(settings, report=lambda _line: None)
    try:
        bootstrap = settings.kafka_bootstrap
        subprocess.run(
            [sys.executable, "-m", "processors.cli", "simulate", "--provinces", provinces,
             "--duration", f"{days}d", "--to", "kafka", "--bootstrap", bootstrap],
            env=env | {"SVC_KAFKA_BOOTSTRAP": bootstrap}, check=True, capture_output=True,
        )  # fmt: skip
        _synthetic(bootstrap, checks)
        expected = {table: n for table, n in _backlog(bootstrap).items() if n}
        registry = CollectorRegistry()
        config = SinkConfig()
        projector = Projector(
            bootstrap,
            f"chdb://{var / 'clickhouse'}",
            group_id="bench-sink",
            config=config,
            metrics=SinkMetrics(registry),
        )
        thread = threading.Thread(target=projector.run_forever, daemon=True)
        started = time.perf_counter()
        first_read: float | None = None
        thread.start()
        while any(
            _value(registry, "svc_sink_rows_inserted_total", t) < n for t, n in expected.items()
        ):
            if time.perf_counter() - started > 1800:
                raise TimeoutError(f"the sink did not insert {expected} within 30 min")
            if first_read is None and any(
                registry.get_sample_value("svc_sink_records_total", {"topic": topic})
                for topic in TABLE_OF_TOPIC
            ):
                first_read = time.perf_counter()
            time.sleep(0.01)
        finished = time.perf_counter()
        elapsed = finished - started
        reading = finished - (first_read or started)
        projector.stop()
        thread.join(timeout=60)
        rows = sum(expected.values())
        insert_seconds = sum(_value(registry, "svc_sink_insert_seconds_sum", t) for t in expected)
        inserts = sum(_value(registry, "svc_sink_batch_rows_count", t) for t in expected)
        return {
            "provinces": provinces,
            "days": days,
            "rows_by_table": expected,
            "rows": rows,
            "seconds_to_all_rows_in": round(elapsed, 2),
            "rows_per_second_kafka_to_chdb": round(rows / elapsed),
            "seconds_from_first_record_read": round(reading, 2),
            "rows_per_second_once_reading": round(rows / reading),
            "seconds_in_inserts": round(insert_seconds, 2),
            "rows_per_second_of_insert": round(rows / insert_seconds),
            "inserts": int(inserts),
            "mean_rows_per_insert": round(rows / inserts),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "config": asdict(config),
        }
    finally:
        kafka_runtime.stop(settings, report=lambda _line: None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", default="GD")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--checks", type=int, default=200_000)
    args = parser.parse_args()
    result = measure(args.provinces, args.days, args.checks, ROOT / "var" / "bench" / "sink")
    result["cpu_count"] = os.cpu_count()
    result["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    target = ROOT / "var" / "bench" / "sink.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(
        f"sink: {result['rows']} rows in {result['seconds_to_all_rows_in']} s, "
        f"{result['rows_per_second_kafka_to_chdb']} rows/s Kafka to chDB, "
        f"{result['rows_per_second_of_insert']} rows/s of insert time"
    )
    print(f"written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
