"""The rule engine: events in, verdicts out. Pure: no Kafka, no ClickHouse, no clock.

Event time drives everything. Deadlines are kept in a heap and fire when the
watermark passes them, so a replay of a log gives the verdicts live processing
did. Each standard version is compiled once into an index from event type to
the handlers of the rules that read it; an event reaches only those.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from events.envelope import Envelope
from standards.calendar import LocalClock, WorkingDays, parse_offset
from standards.emit import RuleContext
from standards.kinds.base import Env, Handler, Runtime
from standards.kinds.registry import BUILDERS
from standards.model import Standard
from standards.verdicts import Verdict

DEDUPE_WINDOW = timedelta(hours=1)
RETAIN = timedelta(hours=1)
RETAIN_EXEMPT = timedelta(days=30)
SWEEP_EVERY = timedelta(hours=1)

NEVER = float("-inf")
_Timer = tuple[float, int, datetime, Runtime, Hashable, bool]


@dataclass(frozen=True, slots=True)
class _Version:
    """One standard version, compiled: its validity and its event-type index."""

    standard: Standard
    start: datetime
    end: datetime | None
    handlers: Mapping[str, tuple[Handler, ...]]
    runtimes: tuple[Runtime, ...]
    shared: tuple[object, ...]
    profile_types: frozenset[str]

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)


def _superseded(version: _Version, later: list[_Version]) -> datetime | None:
    """Where a version stops applying: its own end, or the start of the next version (a
    later version supersedes an open-ended one from its effective date)."""
    end = version.standard.effective_to
    if later and (end is None or later[0].start < end):
        return later[0].start
    return end


class Engine:
    """Applies the standard version in force at each event's time."""

    def __init__(
        self,
        standards: list[Standard],
        *,
        dedupe_window: timedelta = DEDUPE_WINDOW,
        retain: timedelta = RETAIN,
        retain_exempt: timedelta = RETAIN_EXEMPT,
    ) -> None:
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._profiles: dict[str, Mapping[str, Any]] = {}
        self._retain = retain
        self._versions: list[_Version] = []
        self._current: _Version | None = None
        self._tail: _Version | None = None
        self._read: frozenset[str] = frozenset()
        self._seen: set[str] = set()
        self._seen_before: set[str] = set()
        self._rotate_mark = NEVER  # POSIX seconds of the next rotation of `_seen`
        self._dedupe_window = dedupe_window
        self._watermark: datetime | None = None
        self._mark = NEVER  # the watermark in POSIX seconds
        self._latest: datetime | None = None
        self._retain_exempt = retain_exempt
        self._sweep_mark = NEVER  # POSIX seconds of the next sweep
        for standard in standards:
            self.add(standard)

    def add(self, standard: Standard) -> bool:
        """Put one more standard version in force (from its `effective_from`, for events
        evaluated from now on); False when the engine has it already."""
        if any(v.standard.key == standard.key for v in self._versions):
            return False
        compiled = self._compile(standard, self._retain, self._retain_exempt)
        ordered = sorted([*self._versions, compiled], key=lambda v: v.start)
        self._versions = [
            replace(version, end=_superseded(version, ordered[i + 1 :]))
            for i, version in enumerate(ordered)
        ]
        self._current = self._tail = None
        self._read = frozenset(t for v in self._versions for t in (*v.handlers, *v.profile_types))
        return True

    @property
    def keys(self) -> frozenset[str]:
        """`standard@version` of every version this engine applies."""
        return frozenset(v.standard.key for v in self._versions)

    @property
    def watermark(self) -> datetime | None:
        return self._watermark

    @property
    def latest(self) -> datetime | None:
        """The latest event time seen: the watermark at end of input."""
        return self._latest

    def _compile(self, standard: Standard, retain: timedelta, retain_exempt: timedelta) -> _Version:
        tz = parse_offset(standard.timezone)
        clock = LocalClock(tz)
        env = Env(
            tz=tz,
            clock=clock,
            calendars={name: WorkingDays.of(c, tz) for name, c in standard.calendars.items()},
            profiles=self._profiles,
            scheduler=self,
            retain=retain,
            retain_exempt=retain_exempt,
            shared={},
        )
        runtimes: list[Runtime] = []
        index: dict[str, list[Handler]] = {}
        for rule in standard.rules:
            ctx = RuleContext(
                standard=standard.standard,
                version=standard.version,
                rule=rule.id,
                clause=rule.clause,
                severity=rule.severity,
                description_zh=rule.description.zh,
                description_en=rule.description.en,
                tz=tz,
                clock=clock,
            )
            runtimes.append(BUILDERS[rule.kind](ctx, env, rule.params))
        for runtime in runtimes:  # after every rule subscribed to shared collectors
            for event_type, handler in runtime.handlers().items():
                handlers = index.setdefault(event_type, [])
                if handler not in handlers:
                    handlers.append(handler)
        return _Version(
            standard=standard,
            start=standard.effective_from,
            end=standard.effective_to,
            handlers={t: tuple(h) for t, h in index.items()},
            runtimes=tuple(runtimes),
            shared=tuple(env.shared.values()),
            profile_types=frozenset(standard.profiles),
        )

    def _version_at(self, moment: datetime) -> _Version | None:
        current = self._current
        if current is not None and current.covers(moment):
            return current
        for version in reversed(self._versions):
            if version.covers(moment):
                self._current = version
                return version
        return None

    def schedule(
        self, when: datetime, runtime: Runtime, key: Hashable, *, final: bool = False
    ) -> None:
        heapq.heappush(self._timers, (when.timestamp(), next(self._seq), when, runtime, key, final))

    def process(self, event: Envelope) -> list[Verdict]:
        """Apply the rules that read this event's type; a repeated event id counts once."""
        if event.type not in self._read:  # no rule reads it: only its time matters
            latest = self._latest
            if latest is None or event.time > latest:
                self._latest = event.time
            return []
        event_id = event.id
        seen = self._seen
        if event_id in seen or event_id in self._seen_before:
            return []
        moment = event.time
        seen.add(event_id)
        latest = self._latest
        tail = self._tail
        if tail is not None and moment > latest:  # type: ignore[operator]
            # in order, and the open-ended version covering the latest event covers this one
            version = tail
            self._latest = moment
        else:
            if latest is None or moment > latest:
                self._latest = latest = moment
            found = self._version_at(moment)
            if found is None:
                return []
            version = found
            self._tail = version if version.end is None and moment == latest else None
        if event.type in version.profile_types:
            self._profiles[event.unit] = event.data
        handlers = version.handlers.get(event.type)
        if handlers is None:
            return []
        if len(handlers) == 1:
            return list(handlers[0](event))
        verdicts: list[Verdict] = []
        for handler in handlers:
            verdicts.extend(handler(event))
        return verdicts

    def advance(self, watermark: datetime, mark: float | None = None) -> list[Verdict]:
        """Move event time forward; every deadline now passed fires.

        Called after every event: the comparisons run on POSIX seconds, which order
        instants exactly as aware datetimes do at a fraction of the cost. A caller that
        has the watermark's POSIX seconds already passes them as `mark`."""
        if mark is None:
            mark = watermark.timestamp()
        if mark <= self._mark:
            return []
        self._mark = mark
        self._watermark = watermark
        verdicts: list[Verdict] = []
        timers = self._timers
        while timers and timers[0][0] < mark:
            _, _, when, runtime, key, _ = heapq.heappop(timers)
            verdicts.extend(runtime.on_timer(key, when))
        if mark >= self._rotate_mark:
            self._forget_seen(mark)
        if mark >= self._sweep_mark:
            step = SWEEP_EVERY.total_seconds()
            boundary = mark - mark % step
            self._sweep(datetime.fromtimestamp(boundary, UTC) - self._retain_exempt)
            self._sweep_mark = boundary + step
        return verdicts

    def _sweep(self, cutoff: datetime) -> None:
        for version in self._versions:
            for runtime in version.runtimes:
                runtime.sweep(cutoff)
            for shared in version.shared:
                if isinstance(shared, Runtime):
                    shared.sweep(cutoff)

    def flush(self) -> list[Verdict]:
        """End of input: the watermark becomes the latest event time, closed entities settle,
        and windows still open (months, days) report as they stand."""
        end = self._latest
        if end is None:
            return []
        verdicts = self.advance(end)
        pending, self._timers = self._timers, []
        pending.sort()
        for entry in pending:
            _, _, when, runtime, key, final = entry
            if final:
                verdicts.extend(runtime.on_timer(key, when))
            else:
                self._timers.append(entry)
        heapq.heapify(self._timers)
        for version in self._versions:
            for runtime in version.runtimes:
                verdicts.extend(runtime.flush(end))
        return verdicts

    def _forget_seen(self, mark: float) -> None:
        """Ids are remembered for one to two dedupe windows of event time: two generations.

        Generations (and sweeps) turn on a fixed grid of event time, not at the watermark
        that happened to cross it: a stream whose clock stops between batches at other
        places than offline evaluation's must forget the same ids at the same point."""
        window = self._dedupe_window.total_seconds()
        if self._rotate_mark != NEVER:
            self._seen_before, self._seen = self._seen, set()
        self._rotate_mark = mark - mark % window + window

    def entities(self) -> int:
        """Entities (visits, calls, tickets, unit-months …) held by all rules now."""
        held = sum(r.state_size() for v in self._versions for r in v.runtimes)
        return held + sum(
            s.state_size() for v in self._versions for s in v.shared if isinstance(s, Runtime)
        )

    def state_size(self) -> int:
        """Entities held, plus pending timers and remembered event ids."""
        return self.entities() + len(self._timers) + len(self._seen) + len(self._seen_before)
