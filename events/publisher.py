"""Producer SDK: publish contract events to Kafka the way the platform expects.

Key = `subject`, so one entity's events stay in order on one partition; topic by
channel; acks=all with idempotence (kafka-python keeps it on when the broker
allows), so a retried batch is neither lost nor duplicated. Delivery errors are
asynchronous in Kafka: the first one is kept and raised on the next call, on
`flush` and on `close`, so a caller can never lose events silently.

How it is fast: `KafkaProducer.send` spends ~30 µs of Python per record (a
future per record, size estimates, the partitioner, the accumulator's locks),
and its sender thread then completes one future per record. `Publisher.send`
does the one job those steps exist for: it places the record on its partition
(Kafka's default murmur2 placement, hash remembered per key) and appends it to
that partition's open batch in kafka-python's own `RecordAccumulator`, with
kafka-python's own record-batch builder, under the accumulator's lock, exactly
where `KafkaProducer.send` would have put it. Everything after that is
kafka-python's unchanged sender: linger and batch size, compression, the
producer id and sequence numbers of idempotence (stamped when a batch is
drained), acks=all, retries, delivery timeout, splitting of a batch the broker
finds too large, flush. Outcomes are watched per batch instead of per record:
a failed batch fails all of its records, so one callback per batch loses
nothing. These internals are pinned by tests (tests/unit/test_publisher_batches.py
and the broker round trip in tests/integration/test_publisher.py).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from kafka import KafkaProducer
from kafka.errors import IllegalStateError, KafkaConfigurationError, MessageSizeTooLargeError
from kafka.partitioner.default import murmur2
from kafka.producer.producer_batch import ProducerBatch
from kafka.record.memory_records import MemoryRecordsBuilder
from kafka.structs import TopicPartition

from events.envelope import Envelope
from events.settings import load_settings
from events.topics import topic_for

DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "linger_ms": 20,
    "batch_size": 512 * 1024,
    "compression_type": "lz4",
    "max_request_size": 4 * 1024 * 1024,
}

# A record's framing beyond its key and value (v2 record and batch header), as
# KafkaProducer estimates it before checking max_request_size.
_RECORD_OVERHEAD = 61 + 21


class PublishError(RuntimeError):
    """An event could not be delivered; the cause is the Kafka error."""


class ClosedOnExit:
    """`with` support for anything with a `close()`: leaving the block closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class KeyPlacement:
    """Kafka's default placement of a keyed record: murmur2(key) mod the partition count.

    The same partition as Java's and librdkafka's default partitioners and
    kafka-python's `DefaultPartitioner`. An entity's events share a key and
    murmur2 is pure Python here, so each key's bytes and hash are remembered.
    """

    LIMIT = 1 << 20

    def __init__(self) -> None:
        self._keys: dict[str, tuple[bytes, int]] = {}

    def key(self, key: str) -> tuple[bytes, int]:
        """The key's bytes and its non-negative murmur2 hash."""
        known = self._keys.get(key)
        if known is None:
            if len(self._keys) >= self.LIMIT:
                self._keys.clear()
            raw = key.encode()
            known = self._keys[key] = (raw, murmur2(raw) & 0x7FFFFFFF)
        return known

    def partition(self, key: str, partitions: int) -> int:
        return self.key(key)[1] % partitions


class Publisher(ClosedOnExit):
    """A Kafka producer for contract events. Use it as a context manager."""

    def __init__(self, bootstrap: str | None = None, **overrides: Any) -> None:
        config = {**DEFAULTS, **overrides}
        if config.get("transactional_id"):
            raise KafkaConfigurationError("Publisher does not run transactions")
        servers = bootstrap or load_settings().kafka_bootstrap
        producer = self._producer = KafkaProducer(bootstrap_servers=servers.split(","), **config)
        self._error: BaseException | None = None
        self._lost = ""
        self._closed = False
        self._placement = KeyPlacement()
        self._key = self._placement.key
        # topic -> its TopicPartitions, in partition order; forgotten when metadata changes
        self._topics: dict[str, list[TopicPartition]] = {}
        self._accumulator = accumulator = producer._accumulator
        self._batches = accumulator._batches
        self._locks: dict[TopicPartition, Any] = {}
        self._new_records = (
            accumulator.config["message_version"],
            accumulator.config["compression_attrs"],
            accumulator.config["batch_size"],
        )
        self._max_size = producer.config["max_request_size"]
        self._wakeup = producer._sender.wakeup
        producer._metadata.add_listener(self._metadata_changed)
        split = accumulator.split_and_reenqueue

        def split_and_watch(batch: ProducerBatch, now: float | None = None) -> int:
            """A batch too large for the broker comes back as smaller ones: watch those."""
            count: int = split(batch, now)
            with accumulator._tp_lock(batch.topic_partition):
                queued = list(self._batches[batch.topic_partition])[:count]
            for piece in queued:
                self._watch(piece)
            return count

        accumulator.split_and_reenqueue = split_and_watch

    def publish(self, event: Envelope) -> None:
        """Send one event to its channel's topic, keyed by its subject."""
        self.send(topic_for(event.type), event.subject, event.model_dump_json().encode())

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Send an already serialised event (the fast path for bulk producers)."""
        if self._error is not None:
            self._raise_pending()
        raw, hashed = self._key(key)
        partitions = self._topics.get(topic) or self._partitions(topic)
        tp = partitions[hashed % len(partitions)]
        if len(value) + len(raw) + _RECORD_OVERHEAD > self._max_size:
            raise MessageSizeTooLargeError(
                f"the event is {len(value)} bytes, over max_request_size {self._max_size}"
            )
        lock = self._locks.get(tp) or self._lock(tp)
        with lock:
            queue = self._batches[tp]
            if queue:
                records = queue[-1].records
                if records.append(None, raw, value) is not None:
                    if len(queue) > 1 or records.is_full():
                        self._wakeup()
                    return
            if self._accumulator._closed:
                raise IllegalStateError("the producer is closed")
            batch = ProducerBatch(tp, MemoryRecordsBuilder(*self._new_records))
            batch.records.append(None, raw, value)  # the first record always fits
            self._watch(batch)
            queue.append(batch)
            self._accumulator._incomplete.add(batch)
        self._wakeup()

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything sent so far is acknowledged; raise the first failure."""
        self._producer.flush(timeout)
        self._raise_pending()

    def close(self, timeout: float | None = None) -> None:
        """Flush, then release the connection; raises if anything was not delivered."""
        if self._closed:
            return
        self._closed = True
        try:
            self._producer.flush(timeout)
        finally:
            self._producer._metadata.remove_listener(self._metadata_changed)
            self._producer.close(timeout)
        self._raise_pending()

    def _partitions(self, topic: str) -> list[TopicPartition]:
        """The topic's partitions, waiting for metadata as KafkaProducer.send does."""
        ids = sorted(self._producer.partitions_for(topic))
        partitions = self._topics[topic] = [TopicPartition(topic, p) for p in ids]
        return partitions

    def _metadata_changed(self, _cluster: Any) -> None:
        self._topics = {}  # partitions may have been added: look them up again

    def _lock(self, tp: TopicPartition) -> Any:
        lock = self._locks[tp] = self._accumulator._tp_lock(tp)
        return lock

    def _watch(self, batch: ProducerBatch) -> None:
        future = batch.produce_future
        future.add_callback(self._batch_done, batch)
        future.add_errback(self._batch_failed, batch)

    def _batch_done(self, batch: ProducerBatch, result: tuple[int, int, Any]) -> None:
        """A batch is over: `record_errors` is None on success, else maps a record to its error."""
        record_errors = result[2]
        if record_errors is not None:
            self._batch_failed(batch, record_errors(0))

    def _batch_failed(self, batch: ProducerBatch, error: BaseException) -> None:
        if self._error is None:
            self._error = error
            self._lost = f"{batch.record_count} events to {batch.topic_partition.topic}"
            self._lost += f" partition {batch.topic_partition.partition}"

    def _raise_pending(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise PublishError(f"event not delivered: {error} ({self._lost})") from error
