"""Rebuilding the engine's state after a restart, by replaying from a safe point.

The worker keeps its per-entity clocks in memory. Before it joins the group,
each event partition's committed offset is moved back to the first event of the
month before the last one processed (in China time, where months are judged),
so a restarted worker sees again the start of every entity still open and every
survey of the months being rated. Replayed verdicts keep their deterministic
ids, and ClickHouse keeps one row per id, so a replay adds nothing twice.

The search reads event times, not Kafka timestamps: channel systems set those
to when they sent, which says nothing about when a thing happened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

log = logging.getLogger(__name__)

CHINA = timezone(timedelta(hours=8))
POLL_MS = 2_000


def replay_from(last_processed: datetime) -> datetime:
    """The first instant of the month before the last processed event's month."""
    local = last_processed.astimezone(CHINA)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return datetime(year, month, 1, tzinfo=CHINA)


def _event_time(consumer: KafkaConsumer, tp: TopicPartition, offset: int) -> datetime | None:
    """The event time at `offset`, or None when the message is missing or unreadable."""
    consumer.seek(tp, offset)
    for record in consumer.poll(timeout_ms=POLL_MS, max_records=1).get(tp, []):
        try:
            moment = datetime.fromisoformat(json.loads(record.value)["time"])
        except (ValueError, KeyError, TypeError):
            return None
        return moment if moment.tzinfo is not None else None
    return None


def first_offset_at_or_after(
    consumer: KafkaConsumer, tp: TopicPartition, moment: datetime, low: int, high: int
) -> int:
    """Binary search in [low, high) for the first event at or after `moment`.

    Events of a partition come roughly in time order; an unreadable message is
    taken as "later", which only widens the replay.
    """
    while low < high:
        middle = (low + high) // 2
        at = _event_time(consumer, tp, middle)
        if at is not None and at < moment:
            low = middle + 1
        else:
            high = middle
    return low


def rewind(bootstrap: str, group_id: str, topics: Iterable[str]) -> dict[TopicPartition, int]:
    """Move the group's committed offsets back to the replay point; returns the moves made."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
    )
    moves: dict[TopicPartition, int] = {}
    try:
        for topic in topics:
            for partition in sorted(consumer.partitions_for_topic(topic) or ()):
                tp = TopicPartition(topic, partition)
                committed = consumer.committed(tp)
                if not committed:
                    continue
                consumer.assign([tp])
                last = _event_time(consumer, tp, committed - 1)
                if last is None:
                    continue
                beginning = consumer.beginning_offsets([tp])[tp]
                start = first_offset_at_or_after(
                    consumer, tp, replay_from(last), beginning, committed
                )
                if start < committed:
                    moves[tp] = start
        if moves:
            consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in moves.items()})
            log.info("replaying %d partitions from their safe points to rebuild state", len(moves))
    finally:
        consumer.close()
    return moves
