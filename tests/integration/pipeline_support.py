"""Helpers for tests that run the real pipeline: events to Kafka, the worker, ClickHouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from clickhouse_connect.driver.client import Client
from kafka import KafkaProducer

from standards.testing import as_json, event


def hall_event(run: str, subject: str, kind: str, at: datetime, **data: object) -> dict[str, Any]:
    """A hall visit event of a test run; the run id keeps runs apart on a shared broker."""
    unit = f"ZJ-HZ-{run}"
    visit = event(
        f"hall.visit.{kind}",
        at,
        f"{run}-{subject}",
        unit=unit,
        id=f"{run}-{subject}-{kind}",
        source=f"/provinces/ZJ/halls/{unit}",
        **data,
    )
    return as_json(visit)


def publish(bootstrap: str, events: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Publish to the hall topic keyed by subject; returns (partition, offset) of each."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    futures = [
        producer.send(
            "svc.events.hall", key=str(e["subject"]).encode(), value=json.dumps(e).encode()
        )
        for e in events
    ]
    producer.flush()
    placed = [(f.get().partition, f.get().offset) for f in futures]
    producer.close()
    return placed


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    """`svcstd worker` as a user runs it, with no lateness so tests need not wait."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "processors.cli", "worker", "--lateness", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_for_rows(
    client: Client,
    query: str,
    params: dict[str, object],
    timeout_s: float = 120,
    expected: list[tuple[Any, ...]] | None = None,
) -> list[tuple[Any, ...]]:
    """Poll until the query returns rows, or `expected` when given (a verdict revised
    later lands in a later insert); when the time is up, the last result."""
    deadline = time.monotonic() + timeout_s
    rows: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline:
        rows = [tuple(r) for r in client.query(query, parameters=params).result_rows]
        if rows if expected is None else rows == expected:
            return rows
        time.sleep(1.0)
    return rows
