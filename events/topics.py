"""Topic names of the contract (EVENTS.md) and of the platform (DESIGN.md)."""

from __future__ import annotations

CHANNELS: tuple[str, ...] = ("hall", "hotline", "ivr", "repair", "complaint", "notice")

EVENT_TOPICS: dict[str, str] = {channel: f"svc.events.{channel}" for channel in CHANNELS}
STANDARDS_TOPIC = "svc.standards"
VIOLATIONS_TOPIC = "svc.violations"
KPIS_TOPIC = "svc.kpis"
DEADLETTER_TOPIC = "svc.deadletter"
# Disputes of violations, filed and decided in the dashboard (EVENTS.md, "Disputes").
DISPUTES_TOPIC = "svc.disputes"
# Deadline clocks as they open and close (standards.verdicts.ClockState): the at-risk page.
CLOCKS_TOPIC = "svc.clocks"
# The worker's shards: one partition per shard, holding that shard's latest checkpoint.
CHECKPOINTS_TOPIC = "svc.worker.checkpoints"
CHECKPOINT_MAX_BYTES = 64 * 1024 * 1024

COMPACTED_TOPICS: frozenset[str] = frozenset({STANDARDS_TOPIC, CHECKPOINTS_TOPIC})
ALL_TOPICS: tuple[str, ...] = (
    *EVENT_TOPICS.values(),
    STANDARDS_TOPIC,
    VIOLATIONS_TOPIC,
    KPIS_TOPIC,
    DEADLETTER_TOPIC,
    CHECKPOINTS_TOPIC,
    DISPUTES_TOPIC,
    CLOCKS_TOPIC,
)


def channel_of(event_type: str) -> str:
    """The channel an event type belongs to: the part before the first dot."""
    return event_type.split(".", 1)[0]


def topic_for(event_type: str) -> str:
    """The topic an event of this type is published to."""
    channel = channel_of(event_type)
    try:
        return EVENT_TOPICS[channel]
    except KeyError:
        raise ValueError(f"unknown channel {channel!r} for event type {event_type!r}") from None
