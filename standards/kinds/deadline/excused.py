"""Mode `excused`: a breach is no violation when the excuse came by the deadline
(`excused_by`: a delay notice sent in time).

Like `due`, the deadline timer raises the violation when no excuse came; an excused clock
gets a passing check there instead. An end before the timer is judged at once: late and
not excused, a violation; late and excused, a passing check; in time, nothing (the rule
is about late ends). Once raised, a violation is only retracted by an exempt end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from events.envelope import Envelope
from standards.emit import RuleContext
from standards.kinds.base import NOTHING, Env, Handler
from standards.kinds.deadline.clock import Clock
from standards.kinds.deadline.due import DueRuntime
from standards.kinds.deadline.params import DeadlineParams
from standards.match import match_test
from standards.verdicts import Verdict


@dataclass(slots=True)
class ExcusedClock(Clock):
    excused: bool = False


class ExcusedRuntime(DueRuntime):
    clock_type = ExcusedClock

    def __init__(self, ctx: RuleContext, env: Env, params: DeadlineParams) -> None:
        super().__init__(ctx, env, params)
        assert params.excused_by is not None
        self._excuse = params.excused_by
        self._excuse_test = match_test(params.excused_by)

    def _more_handlers(self) -> dict[str, Handler]:
        return {self._excuse.type: self._on_excuse}

    def _on_excuse(self, event: Envelope) -> Sequence[Verdict]:
        clock = self._clocks.get(event.subject)
        if clock is None or (self._excuse_test is not None and not self._excuse_test(event.data)):
            return NOTHING
        assert isinstance(clock, ExcusedClock)
        if clock.start.time <= event.time <= clock.deadline:
            clock.excused = True
        return NOTHING

    def _ended(self, clock: Clock, end: Envelope) -> Sequence[Verdict]:
        assert isinstance(clock, ExcusedClock)
        del self._clocks[end.subject]
        if clock.fired is not None:
            return NOTHING
        late = end.time > clock.deadline
        if late and not clock.excused:
            return self._finish(clock, end, violated=True)
        return [self._check(clock, end.time, False)] if late else NOTHING

    def _due(self, clock: Clock, when: datetime) -> Sequence[Verdict]:
        assert isinstance(clock, ExcusedClock)
        if clock.fired is None and clock.excused:
            del self._clocks[clock.start.subject]
            return [self._check(clock, when, False)]
        return super()._due(clock, when)
