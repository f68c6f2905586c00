"""The producer SDK without a broker: config, keys, topics, errors raised, flush on close.

The publisher appends into kafka-python's own accumulator; how those batches look
is pinned in test_publisher_batches.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from kafka.partitioner.default import DefaultPartitioner
from kafka.record.memory_records import MemoryRecords

from events.envelope import Envelope
from events.publisher import KeyPlacement, Publisher, PublishError
from standards.testing import event

# No broker listens here; api_version given so the producer does not ask one.
NOWHERE = "127.0.0.1:9"


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    publisher = Publisher(NOWHERE, api_version=(3, 9))
    publisher._producer.partitions_for = lambda topic: set(range(6))
    yield publisher
    shut(publisher)


def shut(publisher: Publisher) -> None:
    """Close without a broker: what is still queued is dropped first."""
    publisher._producer._accumulator.abort_incomplete_batches()
    publisher._producer.close(0)


def _event() -> Envelope:
    return event(
        "repair.visit.arrived",
        datetime(2026, 3, 2, 1, tzinfo=UTC),
        "GD-RT1:20260302:t0001",
        unit="GD-RT1",
        id="e1",
        source="/provinces/GD/repair/GD-RT1",
    )


def _queued(publisher: Publisher) -> list[tuple[str, int, bytes, bytes]]:
    """Every record waiting in the accumulator: (topic, partition, key, value)."""
    out = []
    for tp, queue in publisher._producer._accumulator._batches.items():
        for batch in queue:
            batch.records.close()
            for records in MemoryRecords(bytes(batch.records.buffer())):
                out += [(tp.topic, tp.partition, r.key, r.value) for r in records]
    return out


def test_acks_all_idempotence_batching_and_compression() -> None:
    publisher = Publisher(f"{NOWHERE},127.0.0.1:10", api_version=(3, 9))
    try:
        producer = publisher._producer
        assert producer.config["bootstrap_servers"] == ["127.0.0.1:9", "127.0.0.1:10"]
        assert producer.config["acks"] in ("all", -1)
        assert producer.config["enable_idempotence"] is True
        assert producer._transaction_manager is not None  # sequence numbers per partition
        assert producer.config["linger_ms"] > 0 and producer.config["batch_size"] >= 64 * 1024
        assert producer.config["compression_type"] == "lz4"
    finally:
        shut(publisher)


def test_an_event_goes_to_its_channel_topic_keyed_by_subject(publisher: Publisher) -> None:
    publisher.publish(_event())
    [(topic, _partition, key, value)] = _queued(publisher)
    assert (topic, key) == ("svc.events.repair", b"GD-RT1:20260302:t0001")
    assert b'"type":"repair.visit.arrived"' in value


def test_close_flushes_and_closes(publisher: Publisher, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float | None] = []
    monkeypatch.setattr(publisher._producer, "flush", lambda timeout=None: calls.append(timeout))
    with publisher:
        pass
    assert calls[0] is None and publisher._producer._closed  # the first flush waits for all


def _fail_open_batches(publisher: Publisher, error: Exception) -> None:
    accumulator = publisher._producer._accumulator
    for queue in accumulator._batches.values():
        while queue:
            batch = queue.popleft()
            batch.abort(error)
            accumulator.deallocate(batch)  # as the sender does with a finished batch


def test_a_delivery_error_is_raised_on_the_next_call(publisher: Publisher) -> None:
    publisher.send("svc.events.hall", "k", b"{}")
    _fail_open_batches(publisher, KafkaTimeoutError("broker gone"))
    with pytest.raises(PublishError, match=r"broker gone.*1 events to svc.events.hall"):
        publisher.send("svc.events.hall", "k", b"{}")


def test_a_delivery_error_is_raised_on_close(
    publisher: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    def flush(timeout: float | None = None) -> None:  # the broker never answers
        _fail_open_batches(publisher, KafkaTimeoutError("broker gone"))

    monkeypatch.setattr(publisher._producer, "flush", flush)
    with pytest.raises(PublishError, match="broker gone"), publisher:
        publisher.send("svc.events.hall", "k", b"{}")
    assert publisher._producer._closed


def test_an_event_over_max_request_size_is_refused_at_once(publisher: Publisher) -> None:
    with pytest.raises(MessageSizeTooLargeError):
        publisher.send("svc.events.hall", "k", b"x" * (4 * 1024 * 1024))


class _Cluster:
    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(6))

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return {1, 2}  # placement of a keyed record must not depend on availability

    def topics(self) -> set[str]:
        return {"t"}


def test_keys_land_where_kafkas_default_partitioner_puts_them(publisher: Publisher) -> None:
    ours, theirs, cluster = KeyPlacement(), DefaultPartitioner(), _Cluster()
    keys = [f"GD-H0001:20260302:v{i:04d}" for i in range(2000)]
    placed = [ours.partition(key, 6) for key in keys * 2]
    expected = [theirs.partition("t", None, k.encode(), None, None, cluster) for k in keys * 2]
    assert placed == expected
    assert len(set(placed)) == 6
    for key in keys[:300]:
        publisher.send("t", key, key.encode())
    queued = _queued(publisher)
    assert len(queued) == 300
    assert all(partition == ours.partition(key.decode(), 6) for _, partition, key, _ in queued)


def test_metadata_changes_make_the_partitions_looked_up_again(publisher: Publisher) -> None:
    publisher.send("t", "k", b"1")
    publisher._producer.partitions_for = lambda topic: set(range(12))
    publisher._metadata_changed(None)
    publisher.send("t", "k", b"2")
    partitions = {partition for _, partition, _, _ in _queued(publisher)}
    assert partitions == {KeyPlacement().partition("k", 6), KeyPlacement().partition("k", 12)}


def test_the_producer_must_not_be_transactional() -> None:
    with pytest.raises(Exception, match="transactions"):
        Publisher(NOWHERE, transactional_id="x")
