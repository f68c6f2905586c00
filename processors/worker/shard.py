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
from typing import Any

from events.envelope import Envelope, parse_event
from processors.worker.config import WorkerConfig
from processors.worker.intake import DeadLetter, Message
from standards.engine import Engine
from standards.verdicts import Verdict

Source = tuple[str, int]
NEVER = float("-inf")  # no evidence yet: holds every clock
# an event waiting for the clock: its place in the total order (time, topic, partition,
# offset), the event, and the JSON it was validated from when that is the event exactly
Waiting = tuple[float, str, int, int, Envelope, bytes | None]


@dataclass(slots=True)
class SourceView:
    """How far a shard has read one source, and the event time it has reached.

    Times are POSIX seconds: compared for every message, and aware datetimes
    compare an order of magnitude slower."""

    next_offset: int | None = None  # None: from the beginning of the log
    high: float = NEVER
    mark: float = NEVER


@dataclass(slots=True)
class SourceBatch:
    """Consecutive messages of one source, judged once and shared by every shard.

    Each shard owns a few of them but must account for all (offsets, the event time
    reached); precomputing the running maximum of event times lets a shard do that
    in one step per batch and look only at its own messages."""

    source: Source
    messages: list[Message]
    highs: list[float]  # highs[i]: the latest valid event time among messages[:i]
    top: float  # the latest valid event time among all of them
    owned: dict[int, list[int]]  # shard index -> positions of the messages it owns

    @classmethod
    def of(cls, source: Source, messages: list[Message]) -> SourceBatch:
        highs: list[float] = []
        owned: dict[int, list[int]] = {}
        top = NEVER
        for position, message in enumerate(messages):
            highs.append(top)
            if message.event is not None and message.moment > top:
                top = message.moment
            owned.setdefault(message.shard, []).append(position)
        return cls(source, messages, highs, top, owned)


@dataclass
class Shard:
    index: int
    engine: Engine
    views: dict[Source, SourceView] = field(default_factory=dict)
    clock: float = NEVER
    pending: list[Waiting] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        """A waiting event is checkpointed as the JSON it was validated from, when there is
        one: a backlog's checkpoints hold tens of thousands, and serialising each again
        cost most of a checkpoint's time."""
        state = dict(self.__dict__)
        state["pending"] = [
            (moment, topic, partition, offset, event if json is None else json)
            for moment, topic, partition, offset, event, json in self.pending
        ]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        stored: list[tuple[float, str, int, int, Envelope | bytes]] = state.pop("pending")
        self.__dict__.update(state)
        self.pending = [_waiting(*entry) for entry in stored]

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
            return self._late(message, event, bound, config)
        heapq.heappush(
            self.pending,
            (moment, message.topic, message.partition, message.offset, event, message.json),
        )
        return None

    def take_batch(self, batch: SourceBatch, config: WorkerConfig) -> list[DeadLetter]:
        """`take` of every message of the batch this shard has not read yet, in one step when
        the shard is at (or before) the batch's first offset."""
        messages = batch.messages
        view = self.views[batch.source]
        start = view.next_offset
        if start is not None and start > messages[0].offset:  # read part of it already
            found = (self.take(m, config) for m in messages if m.offset >= start)
            return [letter for letter in found if letter is not None]
        letters: list[DeadLetter] = []
        lateness = config.lateness.total_seconds()
        high, mark, highs, index = view.high, view.mark, batch.highs, self.index
        topic, partition = batch.source
        push, pending, trailing = heapq.heappush, self.pending, high - lateness
        for position in batch.owned.get(index, ()):
            message = messages[position]
            event = message.event
            if event is None:
                letters.append(message.letter())
                continue
            moment = message.moment
            # on time unless before the mark or too far behind what the source had reached:
            # three comparisons, where most messages are, and the bound only for a late one
            if moment < mark or moment < trailing or moment < highs[position] - lateness:
                bound = max(mark, max(high, highs[position]) - lateness)
                letters.append(self._late(message, event, bound, config))
                continue
            push(pending, (moment, topic, partition, message.offset, event, message.json))
        if batch.top > high:
            view.high = batch.top
        view.next_offset = messages[-1].offset + 1
        return letters

    def settle(
        self,
        config: WorkerConfig,
        now: datetime,
        quiet: Callable[[Source, int | None], bool],
        budget: int | None = None,
    ) -> list[Verdict]:
        """Move the marks and the clock; evaluate, in order, the waiting events the clock
        has passed (at most `budget` of them: a worker must answer its group's heartbeats
        between slices of a large backlog, see `behind`), and once none is left, fire the
        deadlines the clock passes. `quiet(source, next_offset)` says whether the source
        is caught up and silent."""
        floor = (now - config.allowed_lateness).timestamp()
        lateness = config.lateness.total_seconds()
        clock = float("inf")
        for source, view in self.views.items():
            mark = max(view.mark, view.high - lateness)
            if floor > mark and quiet(source, view.next_offset):
                mark = floor
            view.mark = mark
            clock = min(clock, mark)
        if clock != float("inf") and clock > self.clock:
            self.clock = clock
        clock = self.clock
        verdicts: list[Verdict] = []
        pending, engine = self.pending, self.engine
        left = len(pending) if budget is None else budget
        # the loop every event goes through: its lookups are bound once
        advance, process, pop, extend = (
            engine.advance,
            engine.process,
            heapq.heappop,
            verdicts.extend,
        )
        while pending and pending[0][0] < clock and left > 0:
            moment, _, _, _, event, _ = pop(pending)
            # deadlines before the event fire before it, whether or not an earlier settle
            # already moved the engine that far: the order of timers and events is then
            # one of event time alone, never of where the clock stopped between batches
            extend(advance(event.time, moment))
            extend(process(event))
            left -= 1
        if clock != NEVER and not self.behind:
            verdicts.extend(engine.advance(datetime.fromtimestamp(clock, UTC)))
        return verdicts

    def progress(self) -> tuple[object, ...]:
        """What moves whenever the state does: a message taken moves an offset, an event
        evaluated shrinks `pending` or moves the clock, a deadline fired moves the clock, a
        quiet source moves its mark. Equal progress, equal state (a checkpoint need not be
        written again)."""
        views = tuple((v.next_offset, v.high, v.mark) for v in self.views.values())
        return (self.clock, len(self.pending), self.engine.keys, views)

    @property
    def behind(self) -> bool:
        """Events the clock has passed still wait (a `settle` ran out of budget)."""
        return bool(self.pending) and self.pending[0][0] < self.clock

    @staticmethod
    def _late(message: Message, event: Envelope, bound: float, config: WorkerConfig) -> DeadLetter:
        return message.letter(
            f"late: time {event.time.isoformat()} is before "
            f"{datetime.fromtimestamp(bound, UTC).isoformat()}, how far its partition's "
            f"clock had gone (lateness {config.lateness}, allowed lateness "
            f"{config.allowed_lateness})"
        )

    def holds_back(self, source: Source) -> bool:
        """Whether this source's mark is what keeps the clock where it is."""
        return self.views[source].mark <= self.clock


def _waiting(
    moment: float, topic: str, partition: int, offset: int, stored: Envelope | bytes
) -> Waiting:
    """A waiting event as `Shard.__getstate__` stored it: its JSON, validated again, or the
    event itself (one that had a number replaced, or a checkpoint written before)."""
    if isinstance(stored, bytes):
        return (moment, topic, partition, offset, parse_event(stored), stored)
    return (moment, topic, partition, offset, stored, None)
