"""The span between two instants carried by one event: a transfer's pause, a briefing's lead time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field, field_validator

from events.envelope import Envelope
from standards.emit import RuleContext, duration_detail
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.kinds.limits import PositiveDuration, Segmented, check_limits
from standards.match import EventMatch, instant, match_test
from standards.verdicts import Verdict


class IntervalParams(Segmented):
    """`to − from` on one event, bounded; `time` names the event time, anything else a data field."""

    event: EventMatch
    from_: str = Field(alias="from")
    to: str
    bound: Literal["min", "max"]
    limits: dict[str, PositiveDuration]
    display: Literal["seconds", "minutes", "hours"] = "seconds"

    @field_validator("limits")
    @classmethod
    def _limits_positive(cls, limits: dict[str, timedelta]) -> dict[str, timedelta]:
        return check_limits(limits)


class IntervalRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: IntervalParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._applies = match_test(params.event)

    def handlers(self) -> dict[str, Handler]:
        return {self.p.event.type: self._on_event}

    def _instant(self, event: Envelope, name: str) -> datetime | None:
        return event.time if name == "time" else instant(event.data.get(name))

    def _on_event(self, event: Envelope) -> Sequence[Verdict]:
        p = self.p
        if self._applies is not None and not self._applies(event.data):
            return NOTHING
        begin, end = self._instant(event, p.from_), self._instant(event, p.to)
        if begin is None or end is None:
            return NOTHING
        limit = p.limits.get(
            p.segment_of(event.data, event.unit, self.env.profiles), p.limits["default"]
        )
        span = end - begin
        violated = span < limit if p.bound == "min" else span > limit
        measured, limit_s = span.total_seconds(), limit.total_seconds()
        check = self.ctx.check_of(
            event,
            violated=violated,
            value=measured,
        )
        if not violated:
            return (check,)
        violation = self.ctx.violation_of(
            event,
            measured=measured,
            limit=limit_s,
            evidence=(event.id,),
            detail=duration_detail(measured, limit_s, p.display, minimum=p.bound == "min"),
            measure="seconds",
        )
        return (violation, check)


def build(ctx: RuleContext, env: Env, params: IntervalParams) -> IntervalRuntime:
    return IntervalRuntime(ctx, env, params)
