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


class Publisher:
    """A Kafka producer for contract events. Use it as a context manager."""

    def __init__(self, bootstrap: str | None = None, **overrides: Any) -> None:
        config = {**DEFAULTS, **overrides}
        servers = bootstrap or load_settings().kafka_bootstrap
        self._producer = KafkaProducer(bootstrap_servers=servers.split(","), **config)
        self._error: BaseException | None = None
        self._closed = False

    def publish(self, event: Envelope) -> None:
        """Send one event to its channel's topic, keyed by its subject."""
        self.send(topic_for(event.type), event.subject, event.model_dump_json().encode())

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Send an already serialised event (the fast path for bulk producers)."""
        self._raise_pending()
        future = self._producer.send(topic, value=value, key=key.encode())
        future.add_errback(self._failed)

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
