"""A batching sink: buffers rows per table, inserts each batch once, keeps it until it is in.

Shaped like quix-streams' sinks: rows and offsets move together. A table's
batch gathers the messages of every partition whose topic lands in that table
(one segment per partition: its offset range and a digest of its messages).
An insert carries a deduplication token built from those segments, so writing
the same batch twice stores it once, while other messages at the same offsets
(a recreated topic, another cluster writing into the same tables) are never
mistaken for a retry. A batch ClickHouse refuses stays as it is, for a retry
with the same token; only a partition taken away (`drop`) leaves it.

Nothing raw about a customer is stored: events (in either CloudEvents content
mode) have raw numbers in `customer` and free text replaced by pseudonyms, and a
dead letter's `raw` and `reason` are masked the same way (the `svc.deadletter`
topic keeps the original bytes for reprocessing; the table shows them masked).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from clickhouse_connect.driver.client import Client

from events.binding import Headers, structured_value
from events.privacy import deployment_key, redactor
from events.topics import DEADLETTER_TOPIC, EVENT_TOPICS
from processors.sink.config import SinkConfig
from processors.sink.metrics import SinkMetrics, shared_metrics
from processors.sink.tables import TABLE_OF_TOPIC, TableLayout, describe

_EVENT_TOPICS = frozenset(EVENT_TOPICS.values())

log = logging.getLogger(__name__)

Partition = tuple[str, int]
Message = tuple[int, bytes | None, Headers | None]


@dataclass
class _Segment:
    """One partition's messages in a batch."""

    first_offset: int
    last_offset: int = -1
    nbytes: int = 0
    rows: list[list[Any]] = field(default_factory=list)
    digest: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=16))

    def token(self, partition: Partition) -> str:
        topic, number = partition
        return f"{topic}:{number}:{self.first_offset}-{self.last_offset}:{self.digest.hexdigest()}"


@dataclass
class _Batch:
    started: float
    segments: dict[Partition, _Segment] = field(default_factory=dict)
    rows: int = 0
    nbytes: int = 0

    def token(self, table: str) -> str:
        segments = "\n".join(s.token(p) for p, s in sorted(self.segments.items()))
        return f"{table}:{hashlib.blake2b(segments.encode(), digest_size=16).hexdigest()}"


@dataclass(frozen=True)
class Written:
    """An accepted insert: its table, its rows, and the next offset of each partition in it."""

    table: str
    rows: int
    offsets: dict[Partition, int]


class ClickHouseSink:
    """Buffers decoded records per table and inserts a table's batch when asked."""

    def __init__(
        self,
        client: Client,
        *,
        config: SinkConfig | None = None,
        metrics: SinkMetrics | None = None,
        pseudonym_key: bytes | None = None,
    ) -> None:
        self._client = client
        self._config = config or SinkConfig()
        self._metrics = metrics or shared_metrics()
        self._redactor = redactor(pseudonym_key or deployment_key())
        self._layouts: dict[str, TableLayout] = {}
        self._batches: dict[str, _Batch] = {}
        self.rows_written = 0
        self.rows_rejected = 0

    def _layout(self, table: str) -> TableLayout:
        if table not in self._layouts:
            self._layouts[table] = describe(self._client, table)
        return self._layouts[table]

    def add(
        self,
        topic: str,
        partition: int,
        offset: int,
        value: bytes | None,
        headers: Headers | None = None,
    ) -> None:
        """Buffer one message; an undecodable one is counted and skipped, never fatal."""
        self.add_many(topic, partition, [(offset, value, headers)])

    def add_many(self, topic: str, partition: int, messages: Iterable[Message]) -> None:
        """Buffer one partition's messages (offset, value, headers) in offset order, as one
        poll gives them.

        A message that is not a JSON object with the table's columns in the right
        types is counted, logged and skipped: one bad record must never hold up
        the inserts of a whole table.
        """
        messages = list(messages)
        if not messages:
            return
        table = TABLE_OF_TOPIC[topic]
        layout = self._layout(table)
        batch = self._batches.get(table)
        if batch is None:
            batch = self._batches[table] = _Batch(started=time.monotonic())
        segment = batch.segments.get((topic, partition))
        rows = batch.rows
        for offset, value, headers in messages:
            if segment is None:
                segment = batch.segments[(topic, partition)] = _Segment(first_offset=offset)
            raw = value or b""
            segment.last_offset = offset
            segment.digest.update(raw)
            segment.nbytes += len(raw)
            batch.nbytes += len(raw)
            try:
                segment.rows.append(layout.row(self._record(topic, raw, headers)))
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                self.rows_rejected += 1
                self._metrics.records_rejected.labels(topic).inc()
                log.warning("skipping %s[%d]@%d: %s", topic, partition, offset, exc)
                continue
            batch.rows += 1
        if batch.rows != rows:
            self._metrics.buffered_rows.labels(table).set(batch.rows)

    def _record(self, topic: str, value: bytes, headers: Headers | None) -> Any:
        """The message as a row's record, with raw customer numbers replaced."""
        if topic in _EVENT_TOPICS:
            return self._redactor.record(orjson.loads(structured_value(value, headers) or b""))
        record = orjson.loads(value)
        if topic == DEADLETTER_TOPIC and isinstance(record, dict):
            for field_name in ("raw", "reason"):
                if isinstance(record.get(field_name), str):
                    record[field_name] = self._redactor.text(record[field_name])
        return record

    def pending(self) -> int:
        """Rows buffered, all tables together."""
        return sum(b.rows for b in self._batches.values())

    def tables(self) -> list[str]:
        """Tables with something buffered."""
        return list(self._batches)

    def due_at(self, table: str) -> float:
        """When (monotonic) the table's batch should be inserted: now if full, else when old enough."""
        batch = self._batches[table]
        if batch.rows >= self._config.batch_rows or batch.nbytes >= self._config.batch_bytes:
            return batch.started
        return batch.started + self._config.batch_seconds

    def insert(self, table: str) -> Written:
        """Insert the table's batch; on failure it raises and the batch stays for a retry."""
        batch = self._batches[table]
        offsets = {p: s.last_offset + 1 for p, s in batch.segments.items()}
        if batch.rows:
            layout = self._layout(table)
            rows = [row for segment in batch.segments.values() for row in segment.rows]
            began = time.perf_counter()
            try:
                self._client.insert(
                    table,
                    rows,
                    column_names=list(layout.columns),
                    settings={"insert_deduplication_token": batch.token(table)},
                )
            except Exception:
                self._metrics.insert_failures.labels(table).inc()
                raise
            self._metrics.insert_seconds.labels(table).observe(time.perf_counter() - began)
            self._metrics.batch_rows.labels(table).observe(batch.rows)
            self._metrics.rows_inserted.labels(table).inc(batch.rows)
        del self._batches[table]
        self._metrics.buffered_rows.labels(table).set(0)
        self.rows_written += batch.rows
        return Written(table, batch.rows, offsets)

    def flush(self) -> int:
        """Insert every buffered batch now; returns the rows written. Raises if ClickHouse fails."""
        return sum(self.insert(table).rows for table in self.tables())

    def drop(self, partitions: Iterable[Partition]) -> dict[Partition, int]:
        """Forget what was read from `partitions` (revoked in a rebalance).

        Returns the first offset dropped of each: reading must start there again.
        """
        gone = set(partitions)
        first: dict[Partition, int] = {}
        for table in self.tables():
            batch = self._batches[table]
            for partition in gone & batch.segments.keys():
                segment = batch.segments.pop(partition)
                batch.rows -= len(segment.rows)
                batch.nbytes -= segment.nbytes
                first[partition] = segment.first_offset
            if not batch.segments:
                del self._batches[table]
            self._metrics.buffered_rows.labels(table).set(batch.rows)
        return first
