"""The producer SDK against the real local broker: 100k events out and back.

All read back, keys kept, and each subject's events in the order they were sent.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

from events.publisher import Publisher
from events.sharded import ShardedPublisher

pytestmark = pytest.mark.integration

EVENTS = 100_000
SUBJECTS = 997
PARTITIONS = 6


def _value(subject: str, seq: int) -> bytes:
    return (
        f'{{"specversion":"1.0","id":"{subject}.{seq}","source":"/test","type":"hall.stain.reported",'
        f'"time":"2026-03-02T09:00:00.000+08:00","subject":"{subject}","province":"GD","unit":"T",'
        f'"data":{{"area":"entrance","seq":{seq}}}}}'
    ).encode()


@pytest.mark.parametrize("processes", [1, 2])
def test_100k_events_read_back_with_keys_and_per_subject_order(
    kafka_bootstrap: str, processes: int
) -> None:
    topic = f"test.publisher.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    admin.close()
    sent: dict[str, list[int]] = defaultdict(list)
    publisher = (
        ShardedPublisher(kafka_bootstrap, processes)
        if processes > 1
        else Publisher(kafka_bootstrap)
    )
    with publisher:
        for i in range(EVENTS):
            subject = f"S{i % SUBJECTS:04d}"
            publisher.send(topic, subject, _value(subject, i))
            sent[subject].append(i)

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=10_000,
    )
    received: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    count = 0
    for message in consumer:
        key = message.key.decode()
        assert f'"subject":"{key}"'.encode() in message.value
        seq = int(message.value.rsplit(b'"seq":', 1)[1].rstrip(b"}"))
        received[key].append(seq)
        partitions[key].add(message.partition)
        count += 1
        if count == EVENTS:
            break
    consumer.close()
    assert count == EVENTS
    assert received == sent
    assert all(len(p) == 1 for p in partitions.values())
    assert len({p for ps in partitions.values() for p in ps}) > 1
