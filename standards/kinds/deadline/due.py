"""Mode `due`: end by the deadline (`bound: max`, no excuse, no follow-up).

The deadline timer raises the violation the moment the clock passes it, provisionally:
an end event timed within the limit after all (it arrived late) retracts it, as does an
exempt end; a late end revises it with the real measure. An end that comes before the timer fired is judged at once. A cancel before
the deadline stops the clock; one after it is judged as the deadline would have been.

Used by waiting times, cleanups, repairs in working days, appointments and notices
(anchored deadlines), complaint replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from events.envelope import Envelope
from standards.emit import Text2, retraction
from standards.kinds.base import NOTHING
from standards.kinds.deadline.clock import Clock, Phase, TimerKey
from standards.kinds.deadline.runtime import DeadlineRuntime
from standards.verdicts import Verdict, Violation

IN_TIME = Text2("结束时间实际在时限内", "the end came within the limit after all")


class DueRuntime(DeadlineRuntime):
    def _opened(self, clock: Clock) -> None:
        self._timer(clock.deadline, clock.start.subject, clock.start.id, Phase.DUE)

    def _ended(self, clock: Clock, end: Envelope) -> Sequence[Verdict]:
        del self._clocks[end.subject]
        late = end.time > clock.deadline
        if clock.fired is None:
            return self._finish(clock, end, violated=late)
        if late:
            return [self._settled(clock.fired, clock, end)]
        return [retraction(clock.fired, IN_TIME), self._check(clock, end.time, False)]

    def _settled(self, fired: Violation, clock: Clock, end: Envelope) -> Violation:
        """The late end's measure, as a revision of the violation the deadline raised: the
        same finding, now with how long it really took (12 minutes, not "10 at least"),
        whether the deadline fired before the end was read or not."""
        final = self._violation(clock, end.time, end)
        return replace(final, detected_at=fired.detected_at, revision=fired.revision + 1)

    def _cancelled(self, clock: Clock, event: Envelope) -> Sequence[Verdict]:
        if event.time > clock.deadline:
            return self._due(clock, clock.deadline)
        return super()._cancelled(clock, event)

    def _fired(self, key: TimerKey, clock: Clock, when: datetime) -> Sequence[Verdict]:
        return self._due(clock, when)

    def _due(self, clock: Clock, when: datetime) -> Sequence[Verdict]:
        """The deadline passed with the clock open: a violation, provisional while an end
        within the limit or an exempt end may still come (kept that long to retract)."""
        if clock.fired is not None:
            return NOTHING
        clock.fired = self._violation(clock, when, None)
        keep = self.env.retain_exempt if self.p.exempt else self.env.retain
        self._evict_after(clock, keep, when)
        return [clock.fired, self._check(clock, when, True)]
