"""What every deadline mode shares: clocks opened by start events, end events matched to
them (or kept a while as orphans when they come first), exempt ends, timers, verdicts.

A mode (`due`, `excused`, `followup`, `minimum`) says what a clock sets when it opens,
what an end decides, and what its timers do; see `standards.kinds.deadline`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from events.envelope import Envelope
from standards.calendar import WorkingDays as Calendar
from standards.emit import RuleContext, Text2, retraction
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.kinds.deadline.clock import Clock, Phase, TimerKey
from standards.kinds.deadline.measure import Ahead, Elapsed, Measure, WorkingDays
from standards.kinds.deadline.params import DeadlineParams
from standards.match import DataTest, EventMatch, instant, match_test
from standards.verdicts import Verdict, Violation

TERMINAL = Text2("原因属于客户终端，依规定除外", "caused by the customer's terminal, exempt")


class DeadlineRuntime(Runtime):
    """The shared part; a mode subclasses it."""

    clock_type: type[Clock] = Clock

    def __init__(self, ctx: RuleContext, env: Env, params: DeadlineParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._clocks: dict[str, Clock] = {}
        self._orphans: dict[str, Envelope] = {}
        self._start_test = match_test(params.start)
        self._ends = _tests(params.end)
        self._cancels = _tests(params.cancel)
        self._exempt = _tests(params.exempt)
        self._calendar = env.calendars[params.calendar] if params.calendar else None
        self.measure = _measure(params, self._calendar)

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {}
        for match in self.p.end:
            table[match.type] = self._on_end
        for match in self.p.cancel:
            table[match.type] = self._on_cancel
        table.update(self._more_handlers())
        table[self.p.start.type] = self._on_start
        return table

    def _more_handlers(self) -> dict[str, Handler]:
        """A mode's own event types (an excuse, a follow-up)."""
        return {}

    def state_size(self) -> int:
        return len(self._clocks) + len(self._orphans)

    # -- what a mode decides ------------------------------------------------
    def _opened(self, clock: Clock) -> None:
        """Set the timer the new clock needs."""
        raise NotImplementedError

    def _ended(self, clock: Clock, end: Envelope) -> Sequence[Verdict]:
        """A matching, non-exempt end event after the start."""
        raise NotImplementedError

    def _cancelled(self, clock: Clock, event: Envelope) -> Sequence[Verdict]:
        """A cancel event before any violation was raised: the clock stops."""
        del self._clocks[clock.start.subject]
        return NOTHING

    def _fired(self, key: TimerKey, clock: Clock, when: datetime) -> Sequence[Verdict]:
        """A DUE or FOLLOWUP timer of the live clock it was set for."""
        raise NotImplementedError

    # -- events -------------------------------------------------------------
    def _on_start(self, event: Envelope) -> Sequence[Verdict]:
        if self._start_test is not None and not self._start_test(event.data):
            return NOTHING
        clock = self._open(event)
        if clock is None:
            return NOTHING
        self._clocks[event.subject] = clock
        orphan = self._orphans.pop(event.subject, None)
        if orphan is not None and orphan.time >= event.time:
            return self._on_end(orphan)
        self._opened(clock)
        return NOTHING

    def _open(self, event: Envelope) -> Clock | None:
        """A clock from the rule's anchor (none when the start event lacks it) or limits."""
        p = self.p
        if p.anchor is not None:
            origin = instant(event.data.get(p.anchor.field))
            if origin is None:
                return None
            offset = p.anchor.offset
            return self.clock_type(event, origin, abs(offset), origin + offset)
        limit = p.limit_for(p.segment_of(event.data, event.unit, self.env.profiles))
        if self._calendar is not None:
            deadline = self._calendar.add(event.time, limit.days)
        else:
            deadline = event.time + limit
        return self.clock_type(event, event.time, limit, deadline)

    def _on_end(self, event: Envelope) -> Sequence[Verdict]:
        if not _matches(self._ends, event):
            return NOTHING
        clock = self._clocks.get(event.subject)
        if clock is None:
            self._orphans[event.subject] = event
            self._timer(event.time + self.env.retain, event.subject, event.id, Phase.ORPHAN)
            return NOTHING
        if clock.ended is not None or event.time < clock.start.time:
            return NOTHING
        if _matches(self._exempt, event):
            del self._clocks[event.subject]
            if clock.fired is None:
                return NOTHING
            return [retraction(clock.fired, TERMINAL), self._check(clock, event.time, False)]
        return self._ended(clock, event)

    def _on_cancel(self, event: Envelope) -> Sequence[Verdict]:
        if not _matches(self._cancels, event):
            return NOTHING
        clock = self._clocks.get(event.subject)
        if clock is None or clock.fired is not None or event.time < clock.start.time:
            return NOTHING
        return self._cancelled(clock, event)

    # -- timers -------------------------------------------------------------
    def _timer(self, when: datetime, subject: str, start_id: str, phase: Phase) -> None:
        self.env.scheduler.schedule(when, self, TimerKey(subject, start_id, phase))

    def _evict_after(self, clock: Clock, keep: timedelta, since: datetime) -> None:
        self._timer(since + keep, clock.start.subject, clock.start.id, Phase.EVICT)

    def on_timer(self, key: TimerKey, when: datetime) -> Sequence[Verdict]:
        if key.phase is Phase.ORPHAN:
            orphan = self._orphans.get(key.subject)
            if orphan is not None and orphan.id == key.start_id:
                del self._orphans[key.subject]
            return NOTHING
        clock = self._clocks.get(key.subject)
        if clock is None or clock.start.id != key.start_id:
            return NOTHING
        if key.phase is Phase.EVICT:
            if clock.ended is None:
                del self._clocks[key.subject]
            return NOTHING
        return self._fired(key, clock, when)

    # -- verdicts -----------------------------------------------------------
    def _finish(self, clock: Clock, end: Envelope, *, violated: bool) -> Sequence[Verdict]:
        check = self._check(clock, end.time, violated)
        if not violated:
            return [check]
        return [self._violation(clock, end.time, end), check]

    def _violation(self, clock: Clock, at: datetime, end: Envelope | None) -> Violation:
        measure = self.measure
        start = clock.start
        evidence = (start.id,) if end is None else (start.id, end.id)
        measured = measure.of(clock, at) if end is not None else measure.unended(clock, at)
        limit = measure.limit(clock)
        detail = measure.detail(measured, limit)
        uncovered = measure.uncovered(clock, at)
        if uncovered:
            detail = Text2(
                f"{detail.zh}；工作日历未覆盖所涉年份，仅按周末及已列节假日计",
                f"{detail.en}; the working-day calendar does not cover the year: "
                "weekends and the holidays listed so far only",
            )
        violation = self.ctx.violation_of(
            start,
            at=at,
            measured=measured,
            limit=limit,
            evidence=evidence,
            detail=detail,
            measure=measure.name,
        )
        return replace(violation, calendar_uncovered=True) if uncovered else violation

    def _check(self, clock: Clock, at: datetime, violated: bool) -> Verdict:
        check = self.ctx.check_of(
            clock.start, at=at, violated=violated, value=self.measure.checked(clock, at)
        )
        return (
            replace(check, calendar_uncovered=True) if self.measure.uncovered(clock, at) else check
        )


def _measure(params: DeadlineParams, calendar: Calendar | None) -> Measure:
    if calendar is not None:
        return WorkingDays(calendar)
    if params.anchor is not None and params.anchor.offset < timedelta(0):
        return Ahead()
    return Elapsed(params.display, minimum=params.bound == "min")


def _tests(matches: list[EventMatch]) -> dict[str, DataTest | None]:
    return {m.type: match_test(m) for m in matches}


def _matches(tests: dict[str, DataTest | None], event: Envelope) -> bool:
    if event.type not in tests:
        return False
    test = tests[event.type]
    return test is None or test(event.data)
