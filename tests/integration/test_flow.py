"""The walking skeleton end to end: real events → real Kafka → the Faust worker →
svc.violations → the projector → ClickHouse (chDB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from kafka import KafkaProducer

from events.settings import Settings
from processors.sink.projector import Projector, start_in_background

pytestmark = pytest.mark.integration


def _event(run: str, subject: str, kind: str, at: datetime, **data: object) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": f"{run}-{subject}-{kind}",
        "source": f"/provinces/ZJ/halls/ZJ-HZ-{run}",
        "type": f"hall.visit.{kind}",
        "time": at.isoformat(),
        "subject": f"{run}-{subject}",
        "datacontenttype": "application/json",
        "province": "ZJ",
        "unit": f"ZJ-HZ-{run}",
        "data": data,
    }


@pytest.fixture(scope="module")
def worker(stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "processors.cli", "worker", "--lateness", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        print(Path(log).read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def projector(stack_settings: Settings, chdb_dsn: str, clickhouse: Client) -> Iterator[Projector]:
    projector, thread = start_in_background(stack_settings.kafka_bootstrap, chdb_dsn)
    yield projector
    projector.stop()
    thread.join(timeout=30)


def _wait_for(
    client: Client, query: str, params: dict[str, object], timeout_s: float = 120
) -> list:
    deadline = time.monotonic() + timeout_s
    rows: list = []
    while time.monotonic() < deadline:
        rows = client.query(query, parameters=params).result_rows
        if rows:
            return rows
        time.sleep(1.0)
    return rows


def test_late_vip_lands_in_clickhouse_and_bad_event_in_deadletters(
    kafka_bootstrap: str, worker: None, projector: Projector, clickhouse: Client
) -> None:
    run = uuid.uuid4().hex[:8]
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    events = [
        _event(run, "late", "checked_in", t0, brand="gotone_vip", customer="c1"),
        _event(run, "late", "service_started", t0 + timedelta(minutes=12), counter="1", staff="s"),
        _event(run, "ok", "checked_in", t0, brand="gotone_vip", customer="c2"),
        _event(run, "ok", "service_started", t0 + timedelta(minutes=10), counter="2", staff="s"),
    ]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for event in events:
        producer.send(
            "svc.events.hall", key=str(event["subject"]).encode(), value=json.dumps(event).encode()
        )
    producer.send(
        "svc.events.hall",
        key=f"{run}-bad".encode(),
        value=f'{{"id": "{run}-bad", "time": "yesterday"'.encode(),
    )
    producer.flush()
    producer.close()

    rows = _wait_for(
        clickhouse,
        "SELECT subject, rule, clause, measured, `limit`, evidence FROM svc.violations FINAL "
        "WHERE unit = {unit:String}",
        {"unit": f"ZJ-HZ-{run}"},
    )
    assert rows == [
        (f"{run}-late", "hall.wait_time", "CH 1.4.7", 720.0, 600.0,
         [f"{run}-late-checked_in", f"{run}-late-service_started"]),
    ]  # fmt: skip
    letters = _wait_for(
        clickhouse,
        "SELECT reason FROM svc.deadletters WHERE position(raw, {run:String}) > 0",
        {"run": run},
    )
    assert len(letters) == 1 and letters[0][0]
    checks = _wait_for(
        clickhouse,
        "SELECT subject, violated FROM svc.checks FINAL WHERE unit = {unit:String} ORDER BY subject",
        {"unit": f"ZJ-HZ-{run}"},
    )
    assert checks == [(f"{run}-late", True), (f"{run}-ok", False)]
