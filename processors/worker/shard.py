"""One shard: the engine of the units that hash to it, fed in event-time order.

Every worker reads every event partition (a "source"); a shard takes the events
of its own units and keeps, for every source, how far it has read and the event
time that source has reached. Its clock is the lowest of the sources' marks:

- a source's mark never goes back, and trails the latest event time read from it
  by `lateness`;
- a source that is caught up and quiet may raise its mark to the wall clock less
  `allowed_lateness`; one with unread messages always holds the clock where it is.

Events wait in a heap until the clock passes them, then reach the engine in
(time, topic, partition, offset) order: a total order of the events themselves,
so the verdicts never depend on how messages of different partitions happened
to interleave. An event earlier than its source's mark arrived too late for
that promise and becomes a dead letter, never a wrong verdict.

The whole shard (engine, marks, offsets read, waiting events) is one value that
`standards.snapshot` turns into a checkpoint; restoring it and reading on from
its offsets gives the verdicts an uninterrupted run would have given.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from events.envelope import Envelope
from processors.worker.config import WorkerConfig
from processors.worker.intake import DeadLetter, Message
from standards.engine import Engine
from standards.verdicts import Verdict

Source = tuple[str, int]
NEVER = float("-inf")  # no evidence yet: holds every clock


@dataclass(slots=True)
class SourceView:
    """How far a shard has read one source, and the event time it has reached.

    Times are POSIX seconds: compared for every message, and aware datetimes
    compare an order of magnitude slower."""

    next_offset: int | None = None  # None: from the beginning of the log
    high: float = NEVER
    mark: float = NEVER


@dataclass
class Shard:
    index: int
    engine: Engine
    views: dict[Source, SourceView] = field(default_factory=dict)
    clock: float = NEVER
    pending: list[tuple[float, str, int, int, Envelope]] = field(default_factory=list)

    @property
    def clock_time(self) -> datetime | None:
        return None if self.clock == NEVER else datetime.fromtimestamp(self.clock, UTC)

    def track(self, sources: Iterable[Source]) -> None:
        """Sources this shard must hear from before its clock may move (new ones included)."""
        for source in sources:
            self.views.setdefault(source, SourceView())

    def wants(self, source: Source, offset: int) -> bool:
        start = self.views[source].next_offset
        return start is None or offset >= start

    def take(self, message: Message, config: WorkerConfig) -> DeadLetter | None:
        """Account one message read from a source; returns a dead letter when this shard
        owns a message that cannot be evaluated (invalid, or too late)."""
        view = self.views[(message.topic, message.partition)]
        view.next_offset = message.offset + 1
        event = message.event
        if event is None:
            return message.letter() if message.shard == self.index else None
        moment, high = message.moment, view.high
        bound = max(view.mark, high - config.lateness.total_seconds())
        if moment > high:
            view.high = moment
        if message.shard != self.index:
            return None
        if moment < bound:
            return message.letter(
                f"late: time {event.time.isoformat()} is before "
                f"{datetime.fromtimestamp(bound, UTC).isoformat()}, how far its partition's "
                f"clock had gone (lateness {config.lateness}, allowed lateness "
                f"{config.allowed_lateness})"
            )
        heapq.heappush(
            self.pending, (moment, message.topic, message.partition, message.offset, event)
        )
        return None

    def settle(
        self, config: WorkerConfig, now: datetime, quiet: Callable[[Source, int | None], bool]
    ) -> list[Verdict]:
        """Move the marks and the clock; evaluate, in order, every waiting event the clock
        has passed, and fire the deadlines it passes. `quiet(source, next_offset)` says
        whether the source is caught up and silent."""
        floor = (now - config.allowed_lateness).timestamp()
        lateness = config.lateness.total_seconds()
        clock = float("inf")
        for source, view in self.views.items():
            mark = max(view.mark, view.high - lateness)
            if floor > mark and quiet(source, view.next_offset):
                mark = floor
            view.mark = mark
            clock = min(clock, mark)
        if clock == float("inf") or clock <= self.clock:
            return []
        self.clock = clock
        verdicts: list[Verdict] = []
        pending, engine = self.pending, self.engine
        while pending and pending[0][0] < clock:
            event = heapq.heappop(pending)[4]
            verdicts.extend(engine.process(event))
            verdicts.extend(engine.advance(event.time))
        verdicts.extend(engine.advance(datetime.fromtimestamp(clock, UTC)))
        return verdicts

    def holds_back(self, source: Source) -> bool:
        """Whether this source's mark is what keeps the clock where it is."""
        return self.views[source].mark <= self.clock
