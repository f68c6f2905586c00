"""No raw customer number at rest, whoever produced the event.

A plain Kafka client publishes events carrying raw mobile and fixed-line numbers
(in `customer`, in a transcript, in an IVR prompt, in binary and structured mode,
and in an event that is dead-lettered); then every ClickHouse table and every
derived topic is searched for them. The one place they may be is the original
bytes `svc.deadletter` keeps for reprocessing (docs/EVENTS.md, "Customer numbers").
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import lz4.frame
import pytest
from clickhouse_connect.driver.client import Client
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from pipeline_support import wait_for_rows
from private_pipeline import broker, closing_events, sink, worker
from scenario_support import PrivateBroker, WorkerProcess

from events.topics import CHECKPOINTS_TOPIC, DEADLETTER_TOPIC, KPIS_TOPIC, VIOLATIONS_TOPIC

pytestmark = pytest.mark.integration
__all__ = ["broker", "sink", "worker"]  # fixtures

DERIVED_TOPICS = (VIOLATIONS_TOPIC, KPIS_TOPIC, CHECKPOINTS_TOPIC, DEADLETTER_TOPIC)


def _numbers() -> dict[str, tuple[str, str]]:
    """Fresh numbers of this run: name -> (as written in the event, digits searched for)."""
    rng = random.Random(uuid.uuid4().int)
    mobile = [f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(4)]
    fixed = f"{rng.randrange(10**8):08d}"
    return {
        "checked_in": (mobile[0], mobile[0]),
        "spaced": (f"+86 {mobile[1][:3]} {mobile[1][3:7]} {mobile[1][7:]}", mobile[1]),
        "said": (mobile[2], mobile[2]),
        "fixed": (f"010-{fixed}", fixed),
        "dead": (mobile[3], mobile[3]),
    }


def _event(
    unit: str, subject: str, kind: str, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"{subject}-{kind}",
        "source": f"/provinces/ZJ/units/{unit}",
        "type": kind,
        "time": at.isoformat(),
        "subject": subject,
        "province": "ZJ",
        "unit": unit,
        "data": data,
    }


def _publish(bootstrap: str, unit: str, numbers: dict[str, tuple[str, str]]) -> set[str]:
    """Valid events (one in binary mode) and one invalid; returns the valid events' ids."""
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    visit = f"{unit}-v1"
    checked_in = _event(
        unit,
        visit,
        "hall.visit.checked_in",
        t0,
        {"brand": "gotone_vip", "customer": numbers["checked_in"][0]},
    )
    started = _event(
        unit,
        visit,
        "hall.visit.service_started",
        t0 + timedelta(minutes=12),
        {"counter": "1", "staff": "s"},
    )
    call = f"{unit}-c1"
    offered = _event(
        unit,
        call,
        "hotline.call.offered",
        t0,
        {"queue": "q", "language": "zh", "customer": numbers["spaced"][0]},
    )
    said = _event(
        unit,
        call,
        "hotline.utterance",
        t0 + timedelta(seconds=5),
        {
            "speaker": "customer",
            "started_at": t0.isoformat(),
            "ended_at": (t0 + timedelta(seconds=5)).isoformat(),
            "text": f"我的号码是{numbers['said'][0]}，家里电话{numbers['fixed'][0]}",
        },
    )
    prompt = _event(
        unit,
        f"{unit}-s1",
        "ivr.prompt.played",
        t0,
        {"prompt": "p1", "text": f"请回拨 {numbers['fixed'][0]}"},
    )
    ticket = _event(
        unit,
        f"{unit}-t1",
        "repair.ticket.opened",
        t0,
        {
            "area": "urban",
            "customer": numbers["fixed"][0],
            "important_customer": False,
            "monthly_fee": "58.00",
        },
    )
    dead = _event(
        unit,
        f"{unit}-x",
        "hall.visit.checked_in",
        t0,
        {"brand": "no-such-brand", "customer": numbers["dead"][0]},
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    attributes = {k: v for k, v in offered.items() if k != "data"}
    headers = [(f"ce_{k}", str(v).encode()) for k, v in attributes.items()]
    headers.append(("content-type", b"application/json"))
    producer.send(  # binary mode, and first: each partition's events in time order
        "svc.events.hotline",
        json.dumps(offered["data"]).encode(),
        offered["subject"].encode(),
        headers,
    )
    for event in (checked_in, started, said, prompt, ticket, dead):
        topic = f"svc.events.{event['type'].split('.')[0]}"
        producer.send(
            topic, json.dumps(event, ensure_ascii=False).encode(), event["subject"].encode()
        )
    for topic, value in closing_events(t0 + timedelta(minutes=30), unit):
        producer.send(topic, value)
    producer.flush()
    producer.close()
    return {e["id"] for e in (checked_in, started, offered, said, prompt, ticket)}  # fmt: skip


def _found(text: str, digits: list[str]) -> list[str]:
    squeezed = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    return [d for d in digits if d in text or d in squeezed]


def _derived_messages(bootstrap: str) -> dict[str, list[bytes]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    found: dict[str, list[bytes]] = {}
    for topic in DERIVED_TOPICS:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        values: list[bytes] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(
            consumer.position(tp) < ends[tp] for tp in partitions
        ):
            for records in consumer.poll(timeout_ms=1000).values():
                values += [r.value or b"" for r in records]
        if topic == CHECKPOINTS_TOPIC:
            values = [lz4.frame.decompress(v) for v in values if v]
        found[topic] = values
    consumer.close()
    return found


def test_no_raw_number_in_any_table_or_derived_topic(
    broker: PrivateBroker, sink: Client, worker: WorkerProcess
) -> None:
    clickhouse, kafka_bootstrap = sink, broker.bootstrap
    unit = f"ZJ-P-{uuid.uuid4().hex[:8]}"
    numbers = _numbers()
    ids = _publish(kafka_bootstrap, unit, numbers)
    worker.start()
    digits = [d for _, d in numbers.values()]

    stored = wait_for_rows(
        clickhouse,
        "SELECT groupArray(id) FROM svc.events WHERE unit = {unit:String} HAVING count() >= 6",
        {"unit": unit},
    )
    assert ids <= set(stored[0][0])  # the invalid one too: the table keeps what was published
    assert wait_for_rows(
        clickhouse,
        "SELECT rule FROM svc.violations WHERE unit = {unit:String}",
        {"unit": unit},
    )
    [(raw, reason)] = wait_for_rows(
        clickhouse,
        "SELECT raw, reason FROM svc.deadletters WHERE position(raw, {unit:String}) > 0",
        {"unit": unit},
    )
    assert "c-" in raw and reason.startswith("invalid")
    time.sleep(6)  # checkpoints every 2 s: the shards' state holds these events now

    tables = [
        name
        for (name,) in clickhouse.query(
            "SELECT name FROM system.tables WHERE database = 'svc' AND engine NOT LIKE '%View%'"
        ).result_rows
    ]
    assert {"events", "violations", "checks", "deadletters"} <= set(tables)
    for table in tables:
        # the rollups' id sets are aggregate states (hashes of ids), not text to look into
        columns = ", ".join(
            f"`{name}`"
            for (name,) in clickhouse.query(
                "SELECT name FROM system.columns WHERE database = 'svc' AND table = {t:String}"
                " AND type NOT LIKE 'AggregateFunction%'",
                parameters={"t": table},
            ).result_rows
        )
        rows = clickhouse.query(f"SELECT {columns} FROM svc.`{table}`").result_rows
        text = "\n".join(repr(row) for row in rows)
        assert _found(text, digits) == [], table

    derived = _derived_messages(kafka_bootstrap)
    assert any(unit.encode() in value for value in derived[CHECKPOINTS_TOPIC])
    assert any(unit.encode() in value for value in derived[VIOLATIONS_TOPIC])
    for topic, values in derived.items():
        if topic == DEADLETTER_TOPIC:
            continue
        text = b"\n".join(values).decode("utf-8", errors="replace")
        assert _found(text, digits) == [], topic
    # the dead-letter topic keeps the original bytes of the refused event, and only those
    letters = [json.loads(v) for v in derived[DEADLETTER_TOPIC]]
    ours = [letter for letter in letters if unit in letter["raw"]]
    assert len(ours) == 1 and numbers["dead"][1] in ours[0]["raw"]
    others = "\n".join(json.dumps(letter) for letter in letters if letter is not ours[0])
    assert _found(others, digits) == []
