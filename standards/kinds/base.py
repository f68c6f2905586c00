"""What every kind's runtime offers the engine, and what the engine offers back."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from events.envelope import Envelope
from standards.calendar import LocalClock, WorkingDays
from standards.emit import RuleContext
from standards.verdicts import Verdict

NOTHING: Sequence[Verdict] = ()

Handler = Callable[[Envelope], Sequence[Verdict]]


class Scheduler(Protocol):
    def schedule(
        self, when: datetime, runtime: Runtime, key: Hashable, *, final: bool = False
    ) -> None:
        """Call `runtime.on_timer(key, when)` once the watermark passes `when`.

        `final` timers also fire at end of input, due or not: they settle
        entities that have already closed.
        """


@dataclass(frozen=True, slots=True)
class Env:
    """The engine's services for one standard version."""

    tz: tzinfo
    clock: LocalClock
    calendars: Mapping[str, WorkingDays]
    profiles: Mapping[str, Mapping[str, Any]]
    scheduler: Scheduler
    retain: timedelta
    retain_exempt: timedelta
    shared: dict[Hashable, Any]


class Runtime:
    """One rule of one standard version, applied to events; holds that rule's state."""

    def __init__(self, ctx: RuleContext, env: Env) -> None:
        self.ctx = ctx
        self.env = env

    def handlers(self) -> dict[str, Handler]:
        """Event type → handler; the engine indexes these once per standard version."""
        raise NotImplementedError

    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        return NOTHING

    def sweep(self, cutoff: datetime) -> None:
        """Forget entities first seen before `cutoff` that never closed (bounded memory)."""

    def flush(self, end: datetime) -> Sequence[Verdict]:
        """End of input: report windows that stand as of `end`."""
        return NOTHING

    def state_size(self) -> int:
        """Entities held, for the memory tests and benchmarks."""
        return 0


def sweep_oldest(
    entities: dict[Any, Any], since: Callable[[Any], datetime], cutoff: datetime
) -> None:
    """Drop entities from the front of an insertion-ordered dict while first seen before `cutoff`.

    Entities arrive roughly in event-time order, so the walk stops at the first
    young one: the cost is proportional to what is forgotten.
    """
    stale = []
    for key, entity in entities.items():
        if since(entity) >= cutoff:
            break
        stale.append(key)
    for key in stale:
        del entities[key]
