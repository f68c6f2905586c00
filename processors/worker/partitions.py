"""One engine per input partition, each on its own event-time watermark.

A partition is one ordered log, and an entity's events all sit on one
partition (key = subject), so a per-partition watermark is exact: replaying a
partition gives the verdicts live processing did, however far other partitions
have run ahead. A partition that falls silent follows the furthest partition
after `idle_after` seconds of wall time, so its last clocks still fire.

An event stamped later than the wall clock (beyond `max_future`, for skew) is
a dead letter: it would drag the watermark ahead and fire every clock early.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from events.envelope import parse_event
from standards.engine import Engine
from standards.verdicts import Verdict

EngineFactory = Callable[[], Engine]


@dataclass(frozen=True)
class DeadLetter:
    """An input that could not be evaluated, kept with its reason and original bytes."""

    topic: str
    partition: int
    offset: int
    reason: str
    raw: bytes

    def to_record(self, received_at: datetime) -> dict[str, object]:
        return {
            "letter_id": f"{self.topic}:{self.partition}:{self.offset}",
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "reason": self.reason,
            "raw": self.raw.decode("utf-8", errors="replace"),
            "received_at": received_at.isoformat(),
        }


@dataclass
class _Lane:
    engine: Engine
    high: datetime | None = None
    last_seen: float = 0.0


@dataclass
class PartitionedEvaluator:
    """Routes each message to its partition's engine and keeps the watermarks."""

    engine_factory: EngineFactory
    lateness: timedelta = timedelta(seconds=30)
    idle_after: float = 10.0
    max_future: timedelta = timedelta(minutes=5)
    clock: Callable[[], datetime] = field(default=lambda: utc_now())
    _lanes: dict[tuple[str, int], _Lane] = field(default_factory=dict)

    def handle(
        self, topic: str, partition: int, offset: int, raw: bytes, wall: float
    ) -> tuple[list[Verdict], DeadLetter | None]:
        """Evaluate one message; a bad one becomes a dead letter, never an exception."""
        lane = self._lanes.get((topic, partition))
        if lane is None:
            lane = self._lanes[(topic, partition)] = _Lane(self.engine_factory())
        lane.last_seen = wall
        try:
            event = parse_event(raw)
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            return [], DeadLetter(topic, partition, offset, _reason(exc), raw)
        horizon = self.clock() + self.max_future
        if event.time > horizon:
            reason = f"time: {event.time.isoformat()} is in the future (wall clock {horizon.isoformat()} incl. skew)"
            return [], DeadLetter(topic, partition, offset, reason, raw)
        verdicts = lane.engine.process(event)
        if lane.high is None or event.time > lane.high:
            lane.high = event.time
            verdicts.extend(lane.engine.advance(event.time - self.lateness))
        return verdicts, None

    def tick(self, wall: float) -> list[Verdict]:
        """Let idle partitions catch up with the furthest watermark."""
        highs = [lane.high for lane in self._lanes.values() if lane.high is not None]
        if not highs:
            return []
        target = max(highs) - self.lateness
        verdicts: list[Verdict] = []
        for lane in self._lanes.values():
            if wall - lane.last_seen >= self.idle_after:
                verdicts.extend(lane.engine.advance(target))
        return verdicts

    def revoke(self, topic: str, partition: int) -> None:
        """Forget a partition handed to another worker."""
        self._lanes.pop((topic, partition), None)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(p) for p in error["loc"]) or "event"
            parts.append(f"{where}: {error['msg']}")
        return "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"


def utc_now() -> datetime:
    return datetime.now(UTC)


def verdict_json(verdict: Verdict) -> bytes:
    return json.dumps(verdict.to_record(), ensure_ascii=False).encode()
