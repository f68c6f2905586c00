"""A batching sink: buffers rows per (topic, partition), writes each batch once.

Shaped like quix-streams' sinks: rows and offsets move together, the buffer is
cleared in `finally`, and a batch carries a deduplication token built from its
offsets and a digest of its messages, so writing the same batch twice stores it
once, while other messages at the same offsets (a recreated topic, another
cluster writing into the same tables) are never mistaken for a retry.

Nothing raw about a customer is stored: events (in either CloudEvents content
mode) have raw numbers in `customer` and free text replaced by pseudonyms, and a
dead letter's `raw` and `reason` are masked the same way (the `svc.deadletter`
topic keeps the original bytes for reprocessing; the table shows them masked).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from clickhouse_connect.driver.client import Client

from events.binding import Headers, structured_value
from events.privacy import deployment_key, redactor
from events.topics import DEADLETTER_TOPIC, EVENT_TOPICS
from processors.sink.tables import TABLE_OF_TOPIC, TableLayout, describe

_EVENT_TOPICS = frozenset(EVENT_TOPICS.values())

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    first_offset: int
    last_offset: int = -1
    rows: list[list[Any]] = field(default_factory=list)
    digest: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=16))


class ClickHouseSink:
    """Buffers decoded records and inserts them into the topic's table."""

    def __init__(self, client: Client, pseudonym_key: bytes | None = None) -> None:
        self._client = client
        self._redactor = redactor(pseudonym_key or deployment_key())
        self._layouts: dict[str, TableLayout] = {}
        self._batches: dict[tuple[str, int], _Batch] = {}
        self.rows_written = 0
        self.rows_rejected = 0

    def _layout(self, topic: str) -> TableLayout:
        if topic not in self._layouts:
            self._layouts[topic] = describe(self._client, TABLE_OF_TOPIC[topic])
        return self._layouts[topic]

    def add(
        self,
        topic: str,
        partition: int,
        offset: int,
        value: bytes | None,
        headers: Headers | None = None,
    ) -> None:
        """Buffer one message; an undecodable one is counted and skipped, never fatal."""
        batch = self._batches.get((topic, partition))
        if batch is None:
            batch = self._batches[(topic, partition)] = _Batch(first_offset=offset)
        batch.last_offset = offset
        batch.digest.update(value or b"")
        try:
            record = self._record(topic, value, headers)
            batch.rows.append(self._layout(topic).row(record))
        except (ValueError, TypeError, AttributeError) as exc:
            self.rows_rejected += 1
            log.warning("skipping %s[%d]@%d: %s", topic, partition, offset, exc)

    def _record(self, topic: str, value: bytes | None, headers: Headers | None) -> Any:
        """The message as a row's record, with raw customer numbers replaced."""
        if topic in _EVENT_TOPICS:
            return self._redactor.record(json.loads(structured_value(value, headers) or b""))
        record = json.loads(value or b"")
        if topic == DEADLETTER_TOPIC:
            for field_name in ("raw", "reason"):
                if isinstance(record.get(field_name), str):
                    record[field_name] = self._redactor.text(record[field_name])
        return record

    def pending(self) -> int:
        return sum(len(b.rows) for b in self._batches.values())

    def flush(self) -> int:
        """Insert every buffered batch; returns rows written. Raises if ClickHouse fails."""
        written = 0
        try:
            for (topic, partition), batch in self._batches.items():
                if not batch.rows:
                    continue
                layout = self._layout(topic)
                token = (
                    f"{topic}:{partition}:{batch.first_offset}-{batch.last_offset}:"
                    f"{batch.digest.hexdigest()}"
                )
                self._client.insert(
                    layout.table,
                    batch.rows,
                    column_names=list(layout.columns),
                    settings={"insert_deduplication_token": token},
                )
                written += len(batch.rows)
        finally:
            self._batches.clear()
        self.rows_written += written
        return written
