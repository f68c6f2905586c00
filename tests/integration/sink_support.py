"""Helpers for the sink's runtime tests: records of each derived topic, groups, metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client import CollectorRegistry


def check_record(run: str, n: int) -> bytes:
    """A KPI check as the worker publishes it to svc.kpis."""
    return json.dumps(
        {
            "check_id": f"{run}-{n}",
            "standard": "cmcc-service",
            "version": 1,
            "rule": "hotline.answer_time",
            "province": "SC",
            "unit": f"SC-{run}",
            "subject": f"call-{n}",
            "day": "2026-03-02",
            "checked_at": "2026-03-02T09:10:00+08:00",
            "violated": n % 7 == 0,
            "value": float(n % 30),
        }
    ).encode()


def violation_record(run: str, n: int) -> bytes:
    return json.dumps(
        {
            "violation_id": f"{run}-{n}",
            "standard": "cmcc-service",
            "version": 1,
            "rule": "hall.wait_time",
            "clause": "CH 1.4.7",
            "severity": "major",
            "province": "SC",
            "unit": f"SC-{run}",
            "subject": f"visit-{n}",
            "detected_at": "2026-03-02T09:10:00+08:00",
            "measured": 700.0,
            "limit": 600.0,
            "measure": "wait_seconds",
            "evidence": [f"{run}-e{n}"],
            "message_zh": "超时",
            "message_en": "too long",
            "retracted": False,
            "revision": 0,
        }
    ).encode()


def event_record(run: str, n: int) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"{run}-e{n}",
            "source": "/provinces/SC",
            "type": "hall.visit.checked_in",
            "time": "2026-03-02T09:00:00+08:00",
            "subject": f"visit-{n}",
            "province": "SC",
            "unit": f"SC-{run}",
            "data": {"brand": "gotone", "customer": f"c-{n}"},
        }
    ).encode()


def send(bootstrap: str, topic: str, values: Sequence[bytes]) -> None:
    """Publish to `topic`, keys spread over its partitions; returns once all are acknowledged."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    try:
        futures = [
            producer.send(topic, key=str(n).encode(), value=value) for n, value in enumerate(values)
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=60)
    finally:
        producer.close()


def start_group_at_end(bootstrap: str, group: str, topics: Sequence[str]) -> None:
    """Commit the group at the topics' current ends, so it reads only what comes next."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = consumer.end_offsets(partitions)
        consumer.assign(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()


def committed_behind(bootstrap: str, group: str, topic: str) -> int:
    """Records of `topic` past the group's committed offsets (all of them if none)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        return sum(end - (consumer.committed(tp) or 0) for tp, end in ends.items())
    finally:
        consumer.close()


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s:.0f} s: {what}")
