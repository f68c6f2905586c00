"""Where simulated events and ground truth go: a JSONL file, stdout, or Kafka."""

from __future__ import annotations

import time
from typing import Protocol, TextIO

from events.progress import Progress
from events.simulator.group import Event, Truth
from events.simulator.timefmt import iso


class Flushable(Protocol):
    def flush(self) -> None: ...


class Sender(Protocol):
    def send(self, topic: str, key: str, value: bytes) -> None: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class FileSink:
    """JSON lines, one event per line, in the order given.

    Lines are joined and encoded in slices: one huge join per day would spend
    more time faulting in memory than writing.
    """

    SLICE = 2048

    def __init__(self, stream: Writable, progress: Progress) -> None:
        self._stream = stream
        self._progress = progress

    def write(self, events: list[Event]) -> None:
        write, step = self._stream.write, self.SLICE
        for i in range(0, len(events), step):
            write("\n".join([event[3] for event in events[i : i + step]]).encode())
            write(b"\n")
        if events:
            self._progress.advance(len(events), iso(events[-1][0]))


class KafkaSink:
    """Publishes each event to its channel topic keyed by subject."""

    def __init__(self, publisher: Sender, progress: Progress) -> None:
        self._publisher = publisher
        self._progress = progress

    def write(self, events: list[Event]) -> None:
        send = self._publisher.send
        for _, topic, key, line in events:
            send(topic, key, line.encode())
        if events:
            self._progress.advance(len(events), iso(events[-1][0]))


class PacedSink:
    """Holds each event back until the wall clock reaches its event time (live demo)."""

    def __init__(self, inner: KafkaSink | FileSink, flush: Flushable) -> None:
        self._inner = inner
        self._flush = flush

    def write(self, events: list[Event]) -> None:
        i = 0
        while i < len(events):
            now = time.time_ns() // 1_000_000
            j = i
            while j < len(events) and events[j][0] <= now:
                j += 1
            if j > i:
                self._inner.write(events[i:j])
                self._flush.flush()
                i = j
            else:
                time.sleep(min(1.0, (events[i][0] - now) / 1000))


class TruthFile:
    """The ground truth: one JSON object per deliberately built case."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.cases = 0

    def write(self, cases: list[Truth]) -> None:
        for case in cases:
            self._stream.write(case.line())
            self._stream.write("\n")
        self.cases += len(cases)


class NoTruth:
    """Discards the ground truth when nobody asked for it."""

    def write(self, cases: list[Truth]) -> None:
        del cases
