"""Deadlines between two events: a clock starts, an end event stops it, the watermark fires it.

One kind covers every "X within N" clause: limits by segment, working-day
calendars, deadlines anchored on a timestamp in the data (an appointment, a
maintenance start), minimum durations (opening hours), exemptions that retract
a provisional violation (a terminal fault), a breach excused by a timely notice
(delay notice), and a follow-up owed after a late end (fee waiver).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from events.envelope import Envelope
from standards.emit import RuleContext, Text2, duration_detail, retraction
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.kinds.limits import PositiveDuration, Segmented, check_limits
from standards.match import DataTest, EventMatch, instant, match_test
from standards.verdicts import Verdict, Violation

Display = Literal["seconds", "minutes", "hours"]


class Anchor(BaseModel):
    """The deadline is a timestamp in the start event's data, shifted by `offset`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    offset: timedelta = Field(
        default=timedelta(0), description="negative: the end event is due that long before"
    )


class Prorate(BaseModel):
    """The follow-up must carry at least `fee_field` (of the start event) × outage ÷ `per`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount_field: str
    fee_field: str
    per: timedelta

    @field_validator("per")
    @classmethod
    def _positive(cls, per: timedelta) -> timedelta:
        if per <= timedelta(0):
            raise ValueError(f"per must be positive, got {per}")
        return per

    def owed_cents(self, start: Envelope, end: Envelope) -> int | None:
        """Rounded up to the cent; the outage runs from the start event to the end event."""
        fee = cents(start.data.get(self.fee_field))
        if fee is None:
            return None
        outage = (end.time - start.time) // timedelta(milliseconds=1)
        return -(-fee * outage // (self.per // timedelta(milliseconds=1)))


def cents(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return int((Decimal(str(value)) * 100).to_integral_value())
    except InvalidOperation:
        return None


class Followup(BaseModel):
    """After a late, non-exempt end, `require` must follow within `within`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    require: EventMatch
    within: timedelta
    prorate: Prorate | None = None

    @field_validator("within")
    @classmethod
    def _positive(cls, within: timedelta) -> timedelta:
        if within <= timedelta(0):
            raise ValueError(f"within must be positive, got {within}")
        return within


class DeadlineParams(Segmented):
    """Time from a start event to one of the end events, limited by segment."""

    start: EventMatch
    end: list[EventMatch] = Field(min_length=1)
    cancel: list[EventMatch] = Field(default_factory=list)
    limits: dict[str, PositiveDuration] | None = None
    bound: Literal["max", "min"] = Field(
        default="max", description="max: end by the limit; min: the span must last the limit"
    )
    calendar: str | None = Field(
        default=None, description="limits count working days of this calendar"
    )
    anchor: Anchor | None = None
    exempt: list[EventMatch] = Field(
        default_factory=list, description="end events that void the breach (retracting it)"
    )
    excused_by: EventMatch | None = Field(
        default=None, description="a breach is no violation if this event came by the deadline"
    )
    followup: Followup | None = None
    display: Display = "minutes"

    @field_validator("limits")
    @classmethod
    def _limits_positive(cls, limits: dict[str, timedelta] | None) -> dict[str, timedelta] | None:
        return None if limits is None else check_limits(limits)

    @model_validator(mode="after")
    def _consistent(self) -> DeadlineParams:
        if (self.anchor is None) == (self.limits is None):
            raise ValueError("give either limits or an anchor")
        if self.calendar is not None and self.limits is not None:
            for segment, limit in self.limits.items():
                if limit % timedelta(days=1):
                    raise ValueError(f"limit for {segment!r} must be whole working days")
        if self.bound == "min" and (
            self.anchor or self.excused_by or self.followup or self.calendar
        ):
            raise ValueError("a minimum duration takes only limits")
        if self.excused_by is not None and self.followup is not None:
            raise ValueError("excused_by and followup are separate rules")
        return self

    def limit_for(self, segment: str | None) -> timedelta:
        assert self.limits is not None
        return self.limits.get(segment or "default", self.limits["default"])


@dataclass(slots=True)
class _Clock:
    start: Envelope
    origin: datetime
    limit: timedelta
    deadline: datetime
    lead: bool
    fired: Violation | None = None
    excused: bool = False
    followup_seen: bool = False
    ended: Envelope | None = None
    early: list[Envelope] = field(default_factory=list)


class DeadlineRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: DeadlineParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._clocks: dict[str, _Clock] = {}
        self._orphans: dict[str, Envelope] = {}
        self._start_test = match_test(params.start)
        self._ends = _tests(params.end)
        self._cancels = _tests(params.cancel)
        self._exempt = _tests(params.exempt)
        self._calendar = env.calendars[params.calendar] if params.calendar else None
        self._excuse_test = match_test(params.excused_by) if params.excused_by else None
        self._followup_test = match_test(params.followup.require) if params.followup else None

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {}
        for match in self.p.end:
            table[match.type] = self._on_end
        for match in self.p.cancel:
            table[match.type] = self._on_cancel
        if self.p.excused_by is not None:
            table[self.p.excused_by.type] = self._on_excuse
        if self.p.followup is not None:
            table[self.p.followup.require.type] = self._on_followup
        table[self.p.start.type] = self._on_start
        return table

    def state_size(self) -> int:
        return len(self._clocks) + len(self._orphans)

    # -- events -------------------------------------------------------------
    def _on_start(self, event: Envelope) -> Sequence[Verdict]:
        if self._start_test is not None and not self._start_test(event.data):
            return NOTHING
        clock = self._clock_for(event)
        if clock is None:
            return NOTHING
        self._clocks[event.subject] = clock
        orphan = self._orphans.pop(event.subject, None)
        if orphan is not None and orphan.time >= event.time:
            return self._on_end(orphan)
        if self.p.bound == "max" and self.p.followup is None:
            self.env.scheduler.schedule(clock.deadline, self, (event.subject, event.id, "due"))
        else:
            keep = clock.deadline + self.env.retain_exempt
            self.env.scheduler.schedule(keep, self, (event.subject, event.id, "evict"))
        return NOTHING

    def _clock_for(self, event: Envelope) -> _Clock | None:
        p = self.p
        if p.anchor is not None:
            origin = instant(event.data.get(p.anchor.field))
            if origin is None:
                return None
            offset = p.anchor.offset
            lead = offset < timedelta(0)
            return _Clock(event, origin, abs(offset), origin + offset, lead)
        limit = p.limit_for(p.segment_of(event.data, event.unit, self.env.profiles))
        if self._calendar is not None:
            deadline = self._calendar.add(event.time, limit.days)
        else:
            deadline = event.time + limit
        return _Clock(event, event.time, limit, deadline, lead=False)

    def _on_end(self, event: Envelope) -> Sequence[Verdict]:
        if not _matches(self._ends, event):
            return NOTHING
        clock = self._clocks.get(event.subject)
        if clock is None or clock.ended is not None or event.time < clock.start.time:
            if clock is None:
                self._orphans[event.subject] = event
                self.env.scheduler.schedule(
                    event.time + self.env.retain, self, (event.subject, event.id, "orphan")
                )
            return NOTHING
        clock.ended = event
        if _matches(self._exempt, event):
            del self._clocks[event.subject]
            if clock.fired is not None:
                reason = Text2(
                    "原因属于客户终端，依规定除外", "caused by the customer's terminal, exempt"
                )
                return [
                    retraction(clock.fired, reason),
                    self._check(clock, event.time, violated=False),
                ]
            return NOTHING
        if self.p.bound == "min":
            del self._clocks[event.subject]
            short = event.time - clock.origin < clock.limit
            return self._finish(clock, event, violated=short)
        late = event.time > clock.deadline
        if self.p.followup is not None:
            for early in clock.early:
                self._on_followup(early)
            if not late or clock.followup_seen:
                del self._clocks[event.subject]
                return [self._check(clock, event.time, violated=False)] if late else NOTHING
            self.env.scheduler.schedule(
                event.time + self.p.followup.within,
                self,
                (event.subject, clock.start.id, "followup"),
            )
            return NOTHING
        if self.p.excused_by is not None:
            if clock.fired is None:
                del self._clocks[event.subject]
                if late and not clock.excused:
                    return self._finish(clock, event, violated=True)
                return [self._check(clock, event.time, violated=False)] if late else NOTHING
            del self._clocks[event.subject]
            return NOTHING
        del self._clocks[event.subject]
        if clock.fired is not None:
            if late:
                return NOTHING
            reason = Text2("结束时间实际在时限内", "the end came within the limit after all")
            return [retraction(clock.fired, reason), self._check(clock, event.time, violated=False)]
        return self._finish(clock, event, violated=late)

    def _on_cancel(self, event: Envelope) -> Sequence[Verdict]:
        if not _matches(self._cancels, event):
            return NOTHING
        clock = self._clocks.get(event.subject)
        if clock is None or clock.fired is not None or event.time < clock.start.time:
            return NOTHING
        if self.p.bound == "max" and event.time > clock.deadline and self.p.followup is None:
            return self.on_timer((event.subject, clock.start.id, "due"), clock.deadline)
        del self._clocks[event.subject]
        return NOTHING

    def _on_excuse(self, event: Envelope) -> Sequence[Verdict]:
        assert self.p.excused_by is not None
        clock = self._clocks.get(event.subject)
        if clock is None or (self._excuse_test is not None and not self._excuse_test(event.data)):
            return NOTHING
        if clock.start.time <= event.time <= clock.deadline:
            clock.excused = True
        return NOTHING

    def _on_followup(self, event: Envelope) -> Sequence[Verdict]:
        assert self.p.followup is not None
        clock = self._clocks.get(event.subject)
        if clock is None or (
            self._followup_test is not None and not self._followup_test(event.data)
        ):
            return NOTHING
        if clock.ended is None:
            clock.early.append(event)
            return NOTHING
        followup = self.p.followup
        if event.time > clock.ended.time + followup.within:
            return NOTHING
        if followup.prorate is not None:
            owed = followup.prorate.owed_cents(clock.start, clock.ended)
            paid = cents(event.data.get(followup.prorate.amount_field))
            if owed is not None and (paid is None or paid < owed):
                return NOTHING
        clock.followup_seen = True
        return NOTHING

    # -- timers -------------------------------------------------------------
    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        subject, start_id, phase = key
        if phase == "orphan":
            orphan = self._orphans.get(subject)
            if orphan is not None and orphan.id == start_id:
                del self._orphans[subject]
            return NOTHING
        clock = self._clocks.get(subject)
        if clock is None or clock.start.id != start_id:
            return NOTHING
        if phase == "evict":
            if clock.ended is None:
                del self._clocks[subject]
            return NOTHING
        if phase == "followup":
            del self._clocks[subject]
            assert clock.ended is not None
            if clock.followup_seen:
                return [self._check(clock, when, violated=False)]
            return self._followup_missed(clock, clock.ended, when)
        if clock.fired is not None or clock.ended is not None:
            return NOTHING
        if clock.excused:
            del self._clocks[subject]
            return [self._check(clock, when, violated=False)]
        clock.fired = self._violation(clock, when, None)
        keep = self.env.retain if not self.p.exempt else self.env.retain_exempt
        self.env.scheduler.schedule(when + keep, self, (subject, start_id, "evict"))
        return [clock.fired, self._check(clock, when, violated=True)]

    # -- verdicts -----------------------------------------------------------
    def _finish(self, clock: _Clock, end: Envelope, *, violated: bool) -> Sequence[Verdict]:
        check = self._check(clock, end.time, violated=violated)
        if not violated:
            return [check]
        return [self._violation(clock, end.time, end), check]

    def _measured(self, clock: _Clock, at: datetime) -> float:
        if self._calendar is not None:
            return self._calendar.elapsed(clock.origin, at)
        span = clock.origin - at if clock.lead else at - clock.origin
        return span.total_seconds()

    def _limit(self, clock: _Clock) -> float:
        return clock.limit.days if self._calendar is not None else clock.limit.total_seconds()

    def _violation(self, clock: _Clock, at: datetime, end: Envelope | None) -> Violation:
        start = clock.start
        evidence = (start.id,) if end is None else (start.id, end.id)
        measured = self._measured(clock, at) if end is not None or not clock.lead else None
        limit = self._limit(clock)
        detail = self._detail(measured, limit, clock)
        uncovered = self._uncovered(clock, at)
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
            measure=self._measure(clock),
        )
        return replace(violation, calendar_uncovered=True) if uncovered else violation

    def _uncovered(self, clock: _Clock, at: datetime) -> bool:
        """A working-day count that reaches a year the calendar does not know is flagged,
        never passed off as exact."""
        calendar = self._calendar
        return calendar is not None and not calendar.covers(clock.origin, max(clock.deadline, at))

    def _followup_missed(self, clock: _Clock, end: Envelope, at: datetime) -> Sequence[Verdict]:
        assert self.p.followup is not None
        start = clock.start
        within = self.p.followup.within.total_seconds()
        hours = within / 3600
        violation = self.ctx.violation(
            subject=start.subject,
            province=start.province,
            unit=start.unit,
            occurrence=start.id,
            at=at,
            measured=None,
            limit=within,
            evidence=(start.id, end.id),
            detail=Text2(
                f"逾期结束后 {hours:.0f} 小时内未见 {self.p.followup.require.type}",
                f"no {self.p.followup.require.type} within {hours:.0f} h of the late end",
            ),
            measure="seconds",
        )
        if self._uncovered(clock, at):
            violation = replace(violation, calendar_uncovered=True)
        return [violation, self._check(clock, at, violated=True)]

    def _measure(self, clock: _Clock) -> str:
        if self._calendar is not None:
            return "working_days"
        return "lead_seconds" if clock.lead else "seconds"

    def _detail(self, measured: float | None, limit: float, clock: _Clock) -> Text2:
        if self._calendar is not None:
            shown = "未结束" if measured is None else f"{measured:.2f} 个工作日"
            shown_en = "still open" if measured is None else f"{measured:.2f} working days"
            return Text2(
                f"实际 {shown}，上限 {limit:.0f} 个工作日",
                f"took {shown_en}, limit {limit:.0f} working days",
            )
        if clock.lead:
            if measured is None:
                return Text2(
                    f"截止前未发生，要求提前 {limit / 3600:.0f} 小时",
                    f"never happened, due {limit / 3600:.0f} h ahead",
                )
            return Text2(
                f"提前 {measured / 3600:.1f} 小时，要求不少于 {limit / 3600:.0f} 小时",
                f"{measured / 3600:.1f} h ahead, at least {limit / 3600:.0f} h required",
            )
        value = self._measured(clock, clock.deadline) if measured is None else measured
        return duration_detail(value, limit, self.p.display, minimum=self.p.bound == "min")

    def _check(self, clock: _Clock, at: datetime, *, violated: bool) -> Verdict:
        start = clock.start
        check = self.ctx.check_of(
            start,
            at=at,
            violated=violated,
            value=self._measured(clock, at) if not clock.lead else None,
        )
        return replace(check, calendar_uncovered=True) if self._uncovered(clock, at) else check


def _tests(matches: list[EventMatch]) -> dict[str, DataTest | None]:
    return {m.type: match_test(m) for m in matches}


def _matches(tests: dict[str, DataTest | None], event: Envelope) -> bool:
    if event.type not in tests:
        return False
    test = tests[event.type]
    return test is None or test(event.data)


def build(ctx: RuleContext, env: Env, params: DeadlineParams) -> DeadlineRuntime:
    return DeadlineRuntime(ctx, env, params)
