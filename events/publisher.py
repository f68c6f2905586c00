"""Producer SDK: publish contract events to Kafka the way the platform expects.

Key = `subject`, so one entity's events stay in order on one partition; topic by
channel; acks=all with idempotence (kafka-python keeps it on when the broker
allows), so a retried batch is neither lost nor duplicated. Every record is a
CloudEvents structured-mode message: the header `content-type:
application/cloudevents+json` says so (docs/EVENTS.md). Delivery errors are
asynchronous in Kafka: the first one is kept and raised on the next call, on
`flush` and on `close`, so a caller can never lose events silently.

Only kafka-python's public API: `KafkaProducer.send` with an errback on each
record's future, and the `partitioner` setting. The partitioner is Kafka's
default placement (murmur2 of the key, the same partition as Java's and
librdkafka's defaults) with each key's hash remembered, because murmur2 is pure
Python and an entity's events share a key. The `crc32c` extra gives kafka-python
its C checksum for record batches (pure Python without it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self

from kafka import KafkaProducer
from kafka.errors import KafkaConfigurationError
from kafka.partitioner import DefaultPartitioner, murmur2

from events.binding import STRUCTURED_HEADERS
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


class KeyPlacement(DefaultPartitioner):
    """Kafka's default placement of a keyed record: murmur2(key) mod the partition count.

    The same partition as Java's and librdkafka's default partitioners and
    kafka-python's `DefaultPartitioner`, whose `partition` hook this is (records
    without a key go where it puts them). Each key's hash is remembered.
    """

    LIMIT = 1 << 20

    def __init__(self) -> None:
        self._hashes: dict[bytes, int] = {}

    def hash(self, key: bytes) -> int:
        """The key's non-negative murmur2 hash."""
        known = self._hashes.get(key)
        if known is None:
            if len(self._hashes) >= self.LIMIT:
                self._hashes.clear()
            known = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return known

    def partition(
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,
        serialized_value: Any,
        cluster: Any,
    ) -> int:
        if serialized_key is None:
            placed: int = super().partition(
                topic, key, serialized_key, value, serialized_value, cluster
            )
            return placed
        partitions = cluster.partitions_for_topic(topic)
        if partitions is None:
            raise ValueError(f"topic {topic} not found in the cluster metadata")
        return int(sorted(partitions)[self.hash(serialized_key) % len(partitions)])


class Publisher(ClosedOnExit):
    """A Kafka producer for contract events. Use it as a context manager."""

    def __init__(
        self,
        bootstrap: str | None = None,
        *,
        headers: Sequence[tuple[str, bytes]] = STRUCTURED_HEADERS,
        **overrides: Any,
    ) -> None:
        config = {**DEFAULTS, "partitioner": KeyPlacement(), **overrides}
        if config.get("transactional_id"):
            raise KafkaConfigurationError("Publisher does not run transactions")
        servers = bootstrap or load_settings().kafka_bootstrap
        self._producer = KafkaProducer(bootstrap_servers=servers.split(","), **config)
        self._send = self._producer.send
        self._headers = list(headers)
        self._error: BaseException | None = None
        self._lost: dict[str, int] = {}
        self._errbacks: dict[str, Callable[[BaseException], None]] = {}
        self._closed = False

    @property
    def producer(self) -> KafkaProducer:
        """The kafka-python producer underneath (its `config`, `metrics()`, …)."""
        return self._producer

    def publish(self, event: Envelope) -> None:
        """Send one event to its channel's topic, keyed by its subject."""
        self.send(topic_for(event.type), event.subject, event.model_dump_json().encode())

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Send an already serialised event (the fast path for bulk producers)."""
        if self._error is not None:
            self._raise_pending()
        errback = self._errbacks.get(topic) or self._errback(topic)
        self._send(topic, value, key.encode(), self._headers).add_errback(errback)

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
            self._producer.close(timeout)
        self._raise_pending()

    def _errback(self, topic: str) -> Callable[[BaseException], None]:
        """One errback per topic, made once (a partial per record costs a microsecond)."""
        errback = self._errbacks[topic] = functools.partial(self._failed, topic)
        return errback

    def _failed(self, topic: str, error: BaseException) -> None:
        """An errback, on the producer's sender thread: keep the first error, count losses."""
        if self._error is None:
            self._error = error
        self._lost[topic] = self._lost.get(topic, 0) + 1

    def _raise_pending(self) -> None:
        error, self._error = self._error, None
        lost, self._lost = self._lost, {}
        if error is not None:
            where = ", ".join(f"{count} events to {topic}" for topic, count in lost.items())
            raise PublishError(f"event not delivered: {error} ({where})") from error
