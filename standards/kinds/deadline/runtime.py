"""What every deadline mode shares: clocks opened by start events, end events matched to
them (or kept a while as orphans when they come first), exempt ends, timers, verdicts.

A mode (`due`, `excused`, `followup`, `minimum`) says what a clock sets when it opens,
what an end decides, and what its timers do; see `standards.kinds.deadline`.

The clocks the at-risk page lists are published here too, for every mode at once: a
`ClockState` when a clock that allows at least `CLOCK_MINIMUM` opens, and its closed
state when it stops running (ended, breached at the deadline, cancelled, exempt,
forgotten, or replaced by a later start of the same subject). Which clocks those are is
decided from the clock alone, so the records are as deterministic as the verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from events.envelope import Envelope
from standards.calendar import WorkingDays as Calendar
from standards.emit import RuleContext, Text2, clock_closed, retraction
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.kinds.deadline.clock import Clock, Phase, TimerKey
from standards.kinds.deadline.measure import Ahead, Elapsed, Measure, WorkingDays
from standards.kinds.deadline.params import DeadlineParams
from standards.match import DataTest, EventMatch, instant, match_test
from standards.verdicts import Verdict, Violation

TERMINAL = Text2("原因属于客户终端，依规定除外", "caused by the customer's terminal, exempt")

CLOCK_MINIMUM = timedelta(hours=1)
"""Shorter clocks (a hall's 10-minute wait, a 5-minute cleanup) are not published: they are
over before anyone could act on the at-risk page, and they are most of the stream's
clocks, so publishing them would cost the worker a record per visit for nothing."""


class DeadlineRuntime(Runtime):
    """The shared part; a mode subclasses it."""

    clock_type: type[Clock] = Clock
    publishes_clocks = True
    """Whether its clocks are deadlines someone could miss (not a minimum span)."""

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
        replaced = self._running(event.subject)
        self._clocks[event.subject] = clock
        published: list[Verdict] = []
        if replaced is not None and self._published(replaced):
            published.append(self._closed(replaced, event.time, "replaced"))
        orphan = self._orphans.pop(event.subject, None)
        if orphan is not None and orphan.time >= event.time:
            return [*published, *self._end(orphan)]
        self._opened(clock)
        if self._published(clock):
            published.append(self.ctx.clock_opened(clock.start, clock.deadline))
        return published or NOTHING

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
        running = self._running(event.subject)
        verdicts = self._end(event)
        if running is None or not self._stopped(running):
            return verdicts
        if _matches(self._exempt, event):
            outcome = "exempt"
        else:
            outcome = "met" if event.time <= running.deadline else "late"
        return self._with_closed(verdicts, running, event.time, outcome)

    def _end(self, event: Envelope) -> Sequence[Verdict]:
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
        verdicts = self._cancelled(clock, event)
        if clock.ended is not None or not self._stopped(clock):
            return verdicts
        outcome = "cancelled" if clock.fired is None else "breached"
        return self._with_closed(verdicts, clock, event.time, outcome)

    # -- timers -------------------------------------------------------------
    def _timer(self, when: datetime, subject: str, start_id: str, phase: Phase) -> None:
        self.env.scheduler.schedule(when, self, TimerKey(subject, start_id, phase))

    def _evict_after(self, clock: Clock, keep: timedelta, since: datetime) -> None:
        self._timer(since + keep, clock.start.subject, clock.start.id, Phase.EVICT)

    def on_timer(self, key: TimerKey, when: datetime) -> Sequence[Verdict]:
        if key.phase is Phase.ORPHAN:
            return self._timed(key, when)
        running = self._running(key.subject)
        verdicts = self._timed(key, when)
        if running is None or not self._stopped(running):
            return verdicts
        if running.fired is not None:
            outcome = "breached"
        else:  # an excused deadline passing, or a clock forgotten (FOLLOWUP needs an end)
            outcome = "excused" if key.phase is Phase.DUE else "expired"
        return self._with_closed(verdicts, running, when, outcome)

    def _timed(self, key: TimerKey, when: datetime) -> Sequence[Verdict]:
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

    # -- published clocks ---------------------------------------------------
    def _running(self, subject: str) -> Clock | None:
        """The subject's clock while it runs: no deadline fired, no end seen."""
        clock = self._clocks.get(subject)
        if clock is None or clock.fired is not None or clock.ended is not None:
            return None
        return clock

    def _stopped(self, clock: Clock) -> bool:
        """Whether a clock that was running has stopped (dropped, fired or ended)."""
        return (
            self._clocks.get(clock.start.subject) is not clock
            or clock.fired is not None
            or clock.ended is not None
        )

    def _published(self, clock: Clock) -> bool:
        return self.publishes_clocks and clock.deadline - clock.start.time >= CLOCK_MINIMUM

    def _closed(self, clock: Clock, at: datetime, outcome: str) -> Verdict:
        return clock_closed(self.ctx.clock_opened(clock.start, clock.deadline), at, outcome)

    def _with_closed(
        self, verdicts: Sequence[Verdict], clock: Clock, at: datetime, outcome: str
    ) -> Sequence[Verdict]:
        if not self._published(clock):
            return verdicts
        return [*verdicts, self._closed(clock, at, outcome)]

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
