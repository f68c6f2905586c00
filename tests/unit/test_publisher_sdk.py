"""The producer SDK without a broker: keys, topics, config, errors raised, flush on close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from kafka.partitioner.default import DefaultPartitioner

import events.publisher as publisher_module
from events.envelope import Envelope
from events.publisher import KeyHashPartitioner, Publisher, PublishError


class _Future:
    def __init__(self) -> None:
        self.errbacks: list[Callable[[BaseException], None]] = []

    def add_errback(self, fn: Callable[[BaseException], None]) -> None:
        self.errbacks.append(fn)


class _FakeProducer:
    instances: ClassVar[list[_FakeProducer]] = []

    def __init__(self, **config: Any) -> None:
        self.config = config
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.futures: list[_Future] = []
        self.flushed = 0
        self.closed = False
        _FakeProducer.instances.append(self)

    def send(self, topic: str, value: bytes, key: bytes) -> _Future:
        self.sent.append((topic, key, value))
        future = _Future()
        self.futures.append(future)
        return future

    def flush(self, timeout: float | None = None) -> None:
        self.flushed += 1

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> type[_FakeProducer]:
    _FakeProducer.instances = []
    monkeypatch.setattr(publisher_module, "KafkaProducer", _FakeProducer)
    return _FakeProducer


def _event() -> Envelope:
    return Envelope(
        specversion="1.0",
        id="e1",
        source="/provinces/GD/repair/GD-RT1",
        type="repair.visit.arrived",
        time=datetime(2026, 3, 2, 1, tzinfo=UTC),
        subject="GD-RT1:20260302:t0001",
        province="GD",
        unit="GD-RT1",
    )


def test_acks_all_idempotence_batching_and_compression(fake: type[_FakeProducer]) -> None:
    Publisher("b1:9092,b2:9092")
    config = fake.instances[0].config
    assert config["bootstrap_servers"] == ["b1:9092", "b2:9092"]
    assert config["acks"] == "all"
    assert (
        config.get("enable_idempotence", True) is True
    )  # kafka-python's default: on where the broker allows
    assert config["linger_ms"] > 0 and config["batch_size"] >= 64 * 1024
    assert config["compression_type"] == "lz4"


def test_an_event_goes_to_its_channel_topic_keyed_by_subject(fake: type[_FakeProducer]) -> None:
    with Publisher("b:9092") as publisher:
        publisher.publish(_event())
    [(topic, key, value)] = fake.instances[0].sent
    assert (topic, key) == ("svc.events.repair", b"GD-RT1:20260302:t0001")
    assert b'"type":"repair.visit.arrived"' in value


def test_close_flushes_and_closes(fake: type[_FakeProducer]) -> None:
    with Publisher("b:9092") as publisher:
        publisher.send("svc.events.hall", "k", b"{}")
    producer = fake.instances[0]
    assert producer.flushed == 1 and producer.closed


def test_a_delivery_error_is_raised_on_the_next_call(fake: type[_FakeProducer]) -> None:
    publisher = Publisher("b:9092")
    publisher.send("svc.events.hall", "k", b"{}")
    fake.instances[0].futures[0].errbacks[0](TimeoutError("broker gone"))
    with pytest.raises(PublishError, match="broker gone"):
        publisher.send("svc.events.hall", "k", b"{}")


def test_a_delivery_error_is_raised_on_close(fake: type[_FakeProducer]) -> None:
    with pytest.raises(PublishError), Publisher("b:9092") as publisher:
        publisher.send("svc.events.hall", "k", b"{}")
        fake.instances[0].futures[0].errbacks[0](TimeoutError("broker gone"))
    assert fake.instances[0].closed


class _Cluster:
    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(6))

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(6))

    def topics(self) -> set[str]:
        return {"t"}


def test_keys_land_where_kafkas_default_partitioner_puts_them() -> None:
    ours, theirs, cluster = KeyHashPartitioner(), DefaultPartitioner(), _Cluster()
    keys = [f"GD-H0001:20260302:v{i:04d}".encode() for i in range(2000)]
    placed = [ours.partition("t", None, key, None, None, cluster) for key in keys * 2]
    assert placed == [theirs.partition("t", None, key, None, None, cluster) for key in keys * 2]
    assert len(set(placed)) == 6
