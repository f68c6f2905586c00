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
from datetime import datetime

from events.envelope import Envelope
from processors.worker.config import WorkerConfig
from processors.worker.intake import DeadLetter, Message
from standards.engine import Engine
from standards.verdicts import Verdict

Source = tuple[str, int]


@dataclass(slots=True)
class SourceView:
    """How far a shard has read one source, and the event time it has reached."""

    next_offset: int | None = None  # None: from the beginning of the log
    high: datetime | None = None
    mark: datetime | None = None

    def bound(self, lateness_from_high: datetime | None) -> datetime | None:
        if self.mark is None:
            return lateness_from_high
        if lateness_from_high is None:
            return self.mark
        return max(self.mark, lateness_from_high)


@dataclass
class Shard:
    index: int
    engine: Engine
    views: dict[Source, SourceView] = field(default_factory=dict)
    clock: datetime | None = None
    pending: list[tuple[datetime, str, int, int, Envelope]] = field(default_factory=list)

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
        mine = message.shard == self.index
        if event is None:
            return message.letter() if mine else None
        moment, high = event.time, view.high
        bound = view.bound(None if high is None else high - config.lateness)
        if high is None or moment > high:
            view.high = moment
        if not mine:
            return None
        if bound is not None and moment < bound:
            return message.letter(
                f"late: time {moment.isoformat()} is before {bound.isoformat()}, how far its "
                f"partition's clock had gone (lateness {config.lateness}, allowed lateness "
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
        floor = now - config.allowed_lateness
        marks: list[datetime | None] = []
        for source, view in self.views.items():
            mark = view.bound(None if view.high is None else view.high - config.lateness)
            if quiet(source, view.next_offset) and (mark is None or floor > mark):
                mark = floor
            view.mark = mark
            marks.append(mark)
        if not marks or None in marks:
            return []
        clock = min(m for m in marks if m is not None)
        if self.clock is not None and clock <= self.clock:
            return []
        self.clock = clock
        verdicts: list[Verdict] = []
        pending, engine = self.pending, self.engine
        while pending and pending[0][0] < clock:
            moment, *_, event = heapq.heappop(pending)
            verdicts.extend(engine.process(event))
            verdicts.extend(engine.advance(moment))
        verdicts.extend(engine.advance(clock))
        return verdicts

    def holds_back(self, source: Source) -> bool:
        """Whether this source's mark is what keeps the clock where it is."""
        mark = self.views[source].mark
        return mark is None or self.clock is None or mark <= self.clock
