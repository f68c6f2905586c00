"""Publishing rule packs to the compacted `svc.standards` topic.

One message per standard version, keyed `<standard>@<version>`, carrying the
validated content and its digest. A version, once published, is immutable:
publishing changed content under an unchanged version is refused. The Kafka I/O
is two thin functions; the decision is pure and tested without a broker.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from standards.model import Standard

READ_TIMEOUT_MS = 10_000


def content(standard: Standard) -> dict[str, Any]:
    return standard.model_dump(mode="json", by_alias=True)


def digest(standard: Standard) -> str:
    """Of the validated content: comments and layout of the YAML do not count as changes."""
    canonical = json.dumps(
        content(standard), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def message(standard: Standard) -> tuple[bytes, bytes]:
    value = {
        "standard": standard.standard,
        "version": standard.version,
        "digest": digest(standard),
        "content": content(standard),
    }
    return standard.key.encode(), json.dumps(value, ensure_ascii=False).encode()


@dataclass(frozen=True)
class Plan:
    publish: list[Standard]
    unchanged: list[Standard]
    refused: list[str]


def plan(local: list[Standard], published: dict[str, str]) -> Plan:
    """`published`: key → digest already on the topic."""
    publish, unchanged, refused = [], [], []
    for standard in local:
        known = published.get(standard.key)
        mine = digest(standard)
        if known is None:
            publish.append(standard)
        elif known == mine:
            unchanged.append(standard)
        else:
            refused.append(
                f"{standard.key}: content differs from the published version "
                f"(digest {known[:12]} → {mine[:12]}); bump the version instead"
            )
    return Plan(publish, unchanged, refused)


def read_published(bootstrap: str, topic: str) -> dict[str, str]:
    """Key → digest of every version on the topic (latest value per key)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=READ_TIMEOUT_MS
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return {}
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found: dict[str, str] = {}
        while any(consumer.position(p) < ends[p] for p in partitions):
            batch = consumer.poll(timeout_ms=READ_TIMEOUT_MS)
            if not batch:
                break
            for records in batch.values():
                for record in records:
                    if record.key is not None and record.value is not None:
                        found[record.key.decode()] = json.loads(record.value)["digest"]
        return found
    finally:
        consumer.close()


def send(bootstrap: str, topic: str, standards: list[Standard]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for standard in standards:
            key, value = message(standard)
            producer.send(topic, key=key, value=value)
        producer.flush()
    finally:
        producer.close()
