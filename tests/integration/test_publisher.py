"""The producer SDK against the real local broker: 100k events out and back.

All read back once, keys kept, the structured-mode content-type header on each,
each subject on the partition Kafka's default partitioner picks and its events in
the order they were sent; the broker's refusal of an event comes back to the
caller.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic
from kafka.errors import MessageSizeTooLargeError
from kafka.partitioner.default import murmur2

from events.publisher import Publisher, PublishError
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


def _topic(bootstrap: str, partitions: int = PARTITIONS, **configs: str) -> str:
    topic = f"test.publisher.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, partitions, replication_factor=1, topic_configs=configs)])
    admin.close()
    return topic


def _read(bootstrap: str, topic: str, count: int) -> list[tuple[int, bytes, bytes]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=10_000,
    )
    out = []
    for message in consumer:
        assert message.headers == [("content-type", b"application/cloudevents+json")]
        out.append((message.partition, message.key, message.value))
        if len(out) == count:
            break
    consumer.close()
    return out


@pytest.mark.parametrize("processes", [1, 2])
def test_100k_events_read_back_with_keys_and_per_subject_order(
    kafka_bootstrap: str, processes: int
) -> None:
    topic = _topic(kafka_bootstrap)
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

    received: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    messages = _read(kafka_bootstrap, topic, EVENTS)
    for partition, raw_key, value in messages:
        key = raw_key.decode()
        assert f'"subject":"{key}"'.encode() in value
        seq = int(value.rsplit(b'"seq":', 1)[1].rstrip(b"}"))
        received[key].append(seq)
        partitions[key].add(partition)
    assert len(messages) == EVENTS
    assert received == sent
    assert all(
        p == {(murmur2(k.encode()) & 0x7FFFFFFF) % PARTITIONS} for k, p in partitions.items()
    )
    assert len({p for ps in partitions.values() for p in ps}) == PARTITIONS


def test_the_idempotent_producer_delivers_every_event_once(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap)
    with Publisher(kafka_bootstrap) as publisher:
        assert publisher.producer.config["enable_idempotence"] is True
        for i in range(5000):
            publisher.send(topic, f"S{i % 50}", b"%d" % i)
        publisher.flush()
    values = sorted(int(value) for _partition, _key, value in _read(kafka_bootstrap, topic, 5001))
    assert values == list(range(5000))


def test_an_event_over_max_request_size_is_refused_at_once(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, 1)
    with Publisher(kafka_bootstrap) as publisher:
        with pytest.raises(MessageSizeTooLargeError):
            publisher.send(topic, "k", b"x" * (4 * 1024 * 1024))
        publisher.send(topic, "k", b"fits")
    assert [value for _p, _k, value in _read(kafka_bootstrap, topic, 1)] == [b"fits"]


def test_an_event_the_broker_refuses_is_raised_to_the_caller(kafka_bootstrap: str) -> None:
    topic = _topic(kafka_bootstrap, 1, **{"max.message.bytes": "20000"})
    with pytest.raises(PublishError, match="1 events to"), Publisher(kafka_bootstrap) as publisher:
        publisher.send(topic, "k", os.urandom(50_000))
