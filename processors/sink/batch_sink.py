"""A batching sink: buffers rows per (topic, partition), writes each batch once.

Shaped like quix-streams' sinks: rows and offsets move together, the buffer is
cleared in `finally`, and a batch carries a deduplication token built from its
offsets and a digest of its messages, so writing the same batch twice stores it
once, while other messages at the same offsets (a recreated topic, another
cluster writing into the same tables) are never mistaken for a retry.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from clickhouse_connect.driver.client import Client

from processors.sink.tables import TABLE_OF_TOPIC, TableLayout, describe

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    first_offset: int
    last_offset: int = -1
    rows: list[list[Any]] = field(default_factory=list)
    digest: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=16))


class ClickHouseSink:
    """Buffers decoded records and inserts them into the topic's table."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._layouts: dict[str, TableLayout] = {}
        self._batches: dict[tuple[str, int], _Batch] = {}
        self.rows_written = 0
        self.rows_rejected = 0

    def _layout(self, topic: str) -> TableLayout:
        if topic not in self._layouts:
            self._layouts[topic] = describe(self._client, TABLE_OF_TOPIC[topic])
        return self._layouts[topic]

    def add(self, topic: str, partition: int, offset: int, value: bytes) -> None:
        """Buffer one message; an undecodable one is counted and skipped, never fatal."""
        batch = self._batches.get((topic, partition))
        if batch is None:
            batch = self._batches[(topic, partition)] = _Batch(first_offset=offset)
        batch.last_offset = offset
        batch.digest.update(value)
        try:
            record = json.loads(value)
            batch.rows.append(self._layout(topic).row(record))
        except (ValueError, TypeError, AttributeError) as exc:
            self.rows_rejected += 1
            log.warning("skipping %s[%d]@%d: %s", topic, partition, offset, exc)

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
