"""One engine over all of a worker's partitions, fed in event-time order.

Rules about a whole unit (satisfaction ratios, the hall's tier, queue overflow)
need every event of the unit, and a unit's events are spread over partitions
(the key is the entity), so one engine sees them all, and sees them in the
order they happened: accepted events wait in a buffer until the watermark (the
lowest of the partitions' event times, less `lateness`) passes them. A
partition running ahead therefore never fires another partition's clocks, and
a replay gives the verdicts live processing did. A partition silent for
`idle_after` seconds of wall time stops holding the watermark back; when all
are silent it follows the furthest, so the last events and clocks still go.

An event stamped later than the wall clock (beyond `max_future`, for skew) is
a dead letter: it would drag the watermark ahead and fire every clock early.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from events.envelope import Envelope, parse_event
from standards.engine import Engine
from standards.verdicts import Verdict


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
class StreamEvaluator:
    """Feeds every message to the engine and keeps the per-partition event times."""

    engine: Engine
    lateness: timedelta = timedelta(seconds=30)
    idle_after: float = 10.0
    max_future: timedelta = timedelta(minutes=5)
    clock: Callable[[], datetime] = field(default=lambda: utc_now())
    _highs: dict[tuple[str, int], datetime] = field(default_factory=dict)
    _last_seen: dict[tuple[str, int], float] = field(default_factory=dict)
    _advanced_to: datetime | None = None
    _pending: list[tuple[datetime, int, Envelope]] = field(default_factory=list)
    _arrival: Iterator[int] = field(default_factory=itertools.count)

    def accept(
        self, topic: str, partition: int, offset: int, raw: bytes, wall: float
    ) -> DeadLetter | None:
        """Validate one message and buffer it; a bad one becomes a dead letter, never an exception."""
        key = (topic, partition)
        self._last_seen[key] = wall
        try:
            event = parse_event(raw)
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            return DeadLetter(topic, partition, offset, _reason(exc), raw)
        horizon = self.clock() + self.max_future
        if event.time > horizon:
            reason = f"time: {event.time.isoformat()} is in the future (wall clock {horizon.isoformat()} incl. skew)"
            return DeadLetter(topic, partition, offset, reason, raw)
        high = self._highs.get(key)
        if high is None or event.time > high:
            self._highs[key] = event.time
        heapq.heappush(self._pending, (event.time, next(self._arrival), event))
        return None

    @property
    def buffered(self) -> int:
        return len(self._pending)

    def watermark(self, wall: float) -> datetime | None:
        """The slowest live partition's event time; the furthest when all are idle."""
        if not self._highs:
            return None
        live = [
            high
            for key, high in self._highs.items()
            if wall - self._last_seen[key] < self.idle_after
        ]
        return min(live) if live else max(self._highs.values())

    def settle(self, wall: float) -> list[Verdict]:
        """Evaluate, in time order, every buffered event the watermark has passed; fire the
        clocks it passes. Call once per batch and on a timer."""
        mark = self.watermark(wall)
        if mark is None:
            return []
        target = mark - self.lateness
        verdicts: list[Verdict] = []
        pending, process = self._pending, self.engine.process
        while pending and pending[0][0] <= target:
            moment, _, event = heapq.heappop(pending)
            verdicts.extend(process(event))
            verdicts.extend(self._advance(moment))
        verdicts.extend(self._advance(target))
        return verdicts

    def _advance(self, moment: datetime) -> list[Verdict]:
        if self._advanced_to is not None and moment <= self._advanced_to:
            return []
        self._advanced_to = moment
        return self.engine.advance(moment)


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
