"""Producer SDK: publish contract events to Kafka the way the platform expects.

Key = `subject`, so one entity's events stay in order on one partition; topic by
channel; acks=all with idempotence (kafka-python keeps it on when the broker
allows), so a retried batch is neither lost nor duplicated. Delivery errors are
asynchronous in Kafka: the first one is kept and raised on the next call, on
`flush` and on `close`, so a caller can never lose events silently.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from kafka import KafkaProducer
from kafka.partitioner.abc import Partitioner
from kafka.partitioner.default import DefaultPartitioner, murmur2

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


class KeyHashPartitioner(Partitioner):
    """Kafka's default placement (murmur2 of the key), with each key's hash remembered.

    An entity's events share a key, and kafka-python hashes in pure Python, so
    remembering the hash saves real time per event. Placement is unchanged:
    Java and librdkafka producers put the same key on the same partition.
    """

    LIMIT = 1 << 20

    def __init__(self) -> None:
        self._hashes: dict[bytes, int] = {}
        self._fallback = DefaultPartitioner()

    def partition(
        self,
        topic: str,
        key: Any,
        serialized_key: Any,
        value: Any,
        serialized_value: Any,
        cluster: Any,
    ) -> int:
        partitions = cluster.partitions_for_topic(topic)
        if serialized_key is None or not partitions:
            return int(
                self._fallback.partition(
                    topic, key, serialized_key, value, serialized_value, cluster
                )
            )
        hashed = self._hashes.get(serialized_key)
        if hashed is None:
            if len(self._hashes) >= self.LIMIT:
                self._hashes.clear()
            hashed = self._hashes[serialized_key] = murmur2(serialized_key) & 0x7FFFFFFF
        return hashed % len(partitions)


class Publisher:
    """A Kafka producer for contract events. Use it as a context manager."""

    def __init__(self, bootstrap: str | None = None, **overrides: Any) -> None:
        config = {"partitioner": KeyHashPartitioner(), **DEFAULTS, **overrides}
        servers = bootstrap or load_settings().kafka_bootstrap
        self._producer = KafkaProducer(bootstrap_servers=servers.split(","), **config)
        self._error: BaseException | None = None
        self._closed = False
        self._send = self._producer.send
        self._on_error = self._failed

    def publish(self, event: Envelope) -> None:
        """Send one event to its channel's topic, keyed by its subject."""
        self.send(topic_for(event.type), event.subject, event.model_dump_json().encode())

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Send an already serialised event (the fast path for bulk producers)."""
        if self._error is not None:
            self._raise_pending()
        self._send(topic, value=value, key=key.encode()).add_errback(self._on_error)

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

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _failed(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error

    def _raise_pending(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise PublishError(f"event not delivered: {error}") from error
