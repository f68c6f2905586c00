"""The walking skeleton end to end: real events → real Kafka → the worker →
svc.violations → the projector → ClickHouse (chDB)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from clickhouse_connect.driver.client import Client
from kafka import KafkaProducer
from pipeline_support import hall_event, publish, start_worker, stop_worker, wait_for_rows

from events.settings import Settings
from processors.sink.projector import Projector

pytestmark = pytest.mark.integration


@pytest.fixture
def start_the_worker(
    stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], None]]:
    """Starts the worker when called, once the test has published its hour-old events: a
    worker already running on empty, quiet partitions moves its clocks to the wall clock
    less the allowed lateness (15 min) 2 s after it catches up, and then rightly
    dead-letters them as late. (Started before the publish, this test raced that, and
    lost once: every event a dead letter.)"""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    started: list[subprocess.Popen[bytes]] = []
    yield lambda: started.append(start_worker(log))
    for process in started:
        stop_worker(process)
    if log.exists():
        print(log.read_text(errors="replace")[-3000:])


def test_late_vip_lands_in_clickhouse_and_bad_event_in_deadletters(
    kafka_bootstrap: str,
    start_the_worker: Callable[[], None],
    projector: Projector,
    clickhouse: Client,
) -> None:
    run = uuid.uuid4().hex[:8]
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    publish(  # in time order, as the hall sends them: the two visits' keys share one of the
        # six partitions for one run id in six, and with no lateness an event published
        # after a later one of its partition is late (the ok visit's, after 12 minutes)
        kafka_bootstrap,
        [
            hall_event(run, "late", "checked_in", t0, brand="gotone_vip", customer="c1"),
            hall_event(run, "ok", "checked_in", t0, brand="gotone_vip", customer="c2"),
            hall_event(
                run, "ok", "service_started", t0 + timedelta(minutes=10), counter="2", staff="s"
            ),
            hall_event(
                run, "late", "service_started", t0 + timedelta(minutes=12), counter="1", staff="s"
            ),
        ],
    )
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    producer.send(
        "svc.events.hall",
        key=f"{run}-bad".encode(),
        value=f'{{"id": "{run}-bad", "time": "yesterday"'.encode(),
    )
    producer.flush()
    producer.close()
    start_the_worker()

    expected = [
        (f"{run}-late", "hall.wait_time", "CH 1.4.7", 720.0, 600.0,
         [f"{run}-late-checked_in", f"{run}-late-service_started"]),
    ]  # fmt: skip
    rows = wait_for_rows(
        clickhouse,
        "SELECT subject, rule, clause, measured, `limit`, evidence FROM svc.violations FINAL "
        "WHERE unit = {unit:String}",
        {"unit": f"ZJ-HZ-{run}"},
        expected=expected,
    )
    assert rows == expected
    letters = wait_for_rows(
        clickhouse,
        "SELECT reason FROM svc.deadletters WHERE position(raw, {run:String}) > 0",
        {"run": run},
    )
    assert len(letters) == 1 and letters[0][0]
    checks = wait_for_rows(
        clickhouse,
        "SELECT subject, violated FROM svc.checks FINAL WHERE unit = {unit:String} ORDER BY subject",
        {"unit": f"ZJ-HZ-{run}"},
    )
    assert checks == [(f"{run}-late", True), (f"{run}-ok", False)]
