"""A restarted worker still fires the clocks its predecessor had started."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from clickhouse_connect.driver.client import Client
from kafka import KafkaConsumer, TopicPartition
from pipeline_support import hall_event, publish, start_worker, stop_worker, wait_for_rows

from processors.sink.projector import Projector
from processors.worker.app import APP_ID

pytestmark = pytest.mark.integration


def _wait_committed(bootstrap: str, tp: TopicPartition, past: int, timeout_s: float = 60) -> None:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=APP_ID, enable_auto_commit=False)
    try:
        deadline = time.monotonic() + timeout_s
        while (consumer.committed(tp) or 0) <= past:
            assert time.monotonic() < deadline, f"the worker never committed past {tp}@{past}"
            time.sleep(0.5)
    finally:
        consumer.close()


def test_a_clock_started_before_a_restart_fires_after_it(
    kafka_bootstrap: str,
    projector: Projector,
    clickhouse: Client,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    run = uuid.uuid4().hex[:8]
    log = tmp_path_factory.mktemp("recovery") / "worker.log"
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)

    first = start_worker(log)
    try:
        [(partition, offset)] = publish(
            kafka_bootstrap,
            [hall_event(run, "waiting", "checked_in", t0, brand="gotone_vip", customer="c1")],
        )
        _wait_committed(kafka_bootstrap, TopicPartition("svc.events.hall", partition), offset)
    finally:
        stop_worker(first)

    second = start_worker(log)
    try:
        later = t0 + timedelta(hours=1)
        publish(
            kafka_bootstrap,
            [
                hall_event(run, f"later-{n}", "checked_in", later, brand="gotone", customer=f"c{n}")
                for n in range(40)
            ],
        )
        rows = wait_for_rows(
            clickhouse,
            "SELECT rule, detected_at FROM svc.violations FINAL WHERE subject = {s:String}",
            {"s": f"{run}-waiting"},
        )
    finally:
        stop_worker(second)
    assert rows == [("hall.wait_time", (t0 + timedelta(minutes=10)).replace(tzinfo=None))], (
        log.read_text()[-3000:]
    )
