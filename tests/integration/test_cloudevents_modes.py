"""The CloudEvents Kafka binding through the real pipeline: the `cloudevents` SDK's
binary and structured messages of the same events give the same verdicts and the
same stored events, in ClickHouse."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent
from kafka import KafkaProducer
from private_pipeline import broker, closing_events, sink, worker
from scenario_support import PrivateBroker, WorkerProcess, wait_until_equal

pytestmark = pytest.mark.integration
__all__ = ["broker", "sink", "worker"]  # fixtures


def _events(unit: str, t0: datetime) -> list[CloudEvent]:
    """A VIP never served (a wait-time violation when the clock passes the 10-minute limit,
    whatever the batches the worker reads), and a repair ticket with its fee as a decimal
    string."""

    def event(subject: str, kind: str, at: datetime, data: dict[str, Any]) -> CloudEvent:
        return CloudEvent(
            attributes={
                "id": f"{subject}-{kind}",
                "source": f"/provinces/ZJ/halls/{unit}",
                "type": kind,
                "time": at,
                "subject": subject,
                "datacontenttype": "application/json",
                "province": "ZJ",
                "unit": unit,
                "partitionkey": subject,
            },
            data=data,
        )

    visit = f"{unit}-v1"
    return [
        event(visit, "hall.visit.checked_in", t0, {"brand": "gotone_vip", "customer": "c-1"}),
        event(
            f"{unit}-t1",
            "repair.ticket.opened",
            t0 + timedelta(minutes=13),
            {
                "area": "urban",
                "customer": "c-2",
                "important_customer": False,
                "monthly_fee": "58.00",
            },
        ),
    ]


def _send(
    bootstrap: str,
    messages: list[tuple[str, ce_kafka.KafkaMessage]],
    closing: list[tuple[str, bytes]],
) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for topic, message in messages:
        key = message.key.encode() if isinstance(message.key, str) else message.key
        producer.send(topic, message.value, key, list(message.headers.items()))
    for topic, value in closing:
        producer.send(topic, value)
    producer.flush()
    producer.close()


def test_binary_and_structured_modes_give_the_same_verdicts_and_rows(
    broker: PrivateBroker, sink: Client, worker: WorkerProcess
) -> None:
    clickhouse = sink
    run = uuid.uuid4().hex[:8]
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    convert = {"binary": ce_kafka.to_binary_event, "structured": ce_kafka.to_structured_event}
    messages = []
    pairs = zip(_events(f"ZJ-binary-{run}", t0), _events(f"ZJ-structured-{run}", t0), strict=True)
    for binary_event, structured_event in pairs:  # in time order on every partition
        for mode, event in (("binary", binary_event), ("structured", structured_event)):
            message = convert[mode](event)
            if mode == "binary":
                assert "ce_id" in message.headers and not message.value.startswith(b'{"id"')
            else:
                assert message.headers == {"content-type": b"application/cloudevents+json"}
            messages.append((f"svc.events.{event.get_type().split('.')[0]}", message))
    _send(broker.bootstrap, messages, closing_events(t0 + timedelta(minutes=30), run))
    worker.start()

    def rows(query: str, mode: str) -> list[tuple[Any, ...]]:
        params = {"unit": f"ZJ-{mode}-{run}", "mode": mode}
        return [tuple(r) for r in clickhouse.query(query, parameters=params).result_rows]

    def verdicts(mode: str) -> set[str]:
        """The final verdicts (a deadline's provisional row is replaced by its revision)."""
        found = rows(
            "SELECT rule, clause, measured, `limit`, replaceAll(subject, {mode:String}, '') "
            "FROM svc.violations FINAL WHERE unit = {unit:String}",
            mode,
        )
        return {repr(row) for row in found}

    expected = {repr(("hall.wait_time", "CH 1.4.7", 600.0, 600.0, f"ZJ--{run}-v1"))}
    assert wait_until_equal(lambda: verdicts("binary"), expected, 120) == expected
    assert wait_until_equal(lambda: verdicts("structured"), expected, 60) == expected

    query = (
        "SELECT type, time, province, replaceAll(subject, {mode:String}, ''), data "
        "FROM svc.events FINAL WHERE unit = {unit:String} ORDER BY time"
    )
    counts = {"binary: 2", "structured: 2"}
    both = ("binary", "structured")
    assert wait_until_equal(lambda: {f"{m}: {len(rows(query, m))}" for m in both}, counts, 60)
    binary_rows, structured_rows = rows(query, "binary"), rows(query, "structured")
    assert len(binary_rows) == len(structured_rows) == 2
    assert binary_rows == structured_rows
    assert '"monthly_fee": "58.00"' in binary_rows[1][4]
    letters = clickhouse.query(
        "SELECT count() FROM svc.deadletters WHERE position(raw, {run:String}) > 0",
        parameters={"run": run},
    ).result_rows
    assert letters == [(0,)]
