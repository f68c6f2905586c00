"""Standard versions published to `svc.standards`, read at start and followed while running.

`svcstd standards publish` writes one message per version (key `standard@version`,
value: its validated content and digest). The worker reads the whole compacted
topic before it evaluates anything, then polls it between batches: a new version
is put in force in every shard without a restart, for events timed from its
`effective_from`. A message that is not a valid standard is logged with its
reason and skipped; the versions already in force stay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord, TopicPartition
from pydantic import ValidationError

from events.topics import STANDARDS_TOPIC
from standards.model import Standard
from standards.publish import digest

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refused:
    """A message on `svc.standards` that is not a version the worker can apply."""

    key: str
    offset: int
    reason: str


def decode(record: ConsumerRecord[bytes, bytes]) -> Standard | Refused:
    """One published version, checked against its own digest."""
    key = record.key.decode(errors="replace") if record.key is not None else ""
    if record.value is None:
        return Refused(key, record.offset, "a tombstone: versions are never withdrawn")
    try:
        value = orjson.loads(record.value)
        standard = Standard.model_validate(value["content"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValidationError) as exc:
        return Refused(key, record.offset, f"not a standard version: {exc}")
    if value.get("digest") != digest(standard):
        return Refused(key, record.offset, "its digest does not match its content")
    return standard


class StandardsFeed:
    """Follows `svc.standards` with a consumer of its own (no group: every worker reads it
    all)."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer
        self._partitions: list[TopicPartition] = []

    async def read_all(self, partitions: list[int]) -> list[Standard]:
        """Every valid version on the topic now."""
        self._partitions = [TopicPartition(STANDARDS_TOPIC, p) for p in partitions]
        self._consumer.assign(self._partitions)
        await self._consumer.seek_to_beginning(*self._partitions)
        ends = await self._consumer.end_offsets(self._partitions)
        found: list[Standard] = []
        for tp, end in ends.items():
            while await self._consumer.position(tp) < end:
                found += await self.poll(timeout_ms=1000)
        return found

    async def poll(self, timeout_ms: int = 0) -> list[Standard]:
        """Versions published since the last call."""
        if not self._partitions:
            return []
        batch = await self._consumer.getmany(*self._partitions, timeout_ms=timeout_ms)
        found: list[Standard] = []
        for records in batch.values():
            for record in records:
                decoded = decode(record)
                if isinstance(decoded, Refused):
                    log.error(
                        "svc.standards offset %d (%s) skipped: %s",
                        decoded.offset,
                        decoded.key,
                        decoded.reason,
                    )
                else:
                    found.append(decoded)
        return found
