"""Satisfaction ratios per unit and calendar month (local time) against a target.

Each survey answer is a check (checked = surveyed, violated = not satisfied);
a unit-month below target is one violation with subject "<unit>:<YYYY-MM>",
judged when the watermark leaves the month, or as it stands at end of input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from events.envelope import Envelope
from standards.calendar import month_bounds
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.match import EventMatch, match_test
from standards.verdicts import Verdict

EVIDENCE_KEPT = 20


class RatioParams(BaseModel):
    """`field` (a bool: satisfied or not; absent = not asked) over a unit's month ≥ target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: EventMatch
    field: str
    target: float = Field(gt=0, le=1)
    min_samples: int = Field(default=1, ge=1, description="fewer answers in a month: not judged")


@dataclass(slots=True)
class _Month:
    province: str
    surveyed: int = 0
    satisfied: int = 0
    unhappy: list[str] = field(default_factory=list)


class RatioRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: RatioParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._applies = match_test(params.event)
        self._months: dict[tuple[str, str], _Month] = {}

    def handlers(self) -> dict[str, Handler]:
        return {self.p.event.type: self._on_survey}

    def state_size(self) -> int:
        return len(self._months)

    def _on_survey(self, event: Envelope) -> Sequence[Verdict]:
        data = event.data
        answer = data.get(self.p.field)
        if not isinstance(answer, bool) or (self._applies is not None and not self._applies(data)):
            return NOTHING
        key = (event.unit, self.env.clock.month(event.time))
        month = self._months.get(key)
        if month is None:
            month = self._months[key] = _Month(event.province)
            _, end = month_bounds(key[1], self.env.tz)
            self.env.scheduler.schedule(end, self, key)
        month.surveyed += 1
        if answer:
            month.satisfied += 1
        elif len(month.unhappy) < EVIDENCE_KEPT:
            month.unhappy.append(event.id)
        check = self.ctx.check_of(
            event,
            violated=not answer,
            value=1.0 if answer else 0.0,
        )
        return (check,)

    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        month = self._months.pop(key, None)
        return NOTHING if month is None else self._judge(key, month, when)

    def flush(self, end: datetime) -> Sequence[Verdict]:
        verdicts: list[Verdict] = []
        for key, month in sorted(self._months.items()):
            verdicts.extend(self._judge(key, month, end))
        self._months.clear()
        return verdicts

    def _judge(self, key: tuple[str, str], month: _Month, at: datetime) -> Sequence[Verdict]:
        if month.surveyed < self.p.min_samples:
            return NOTHING
        ratio = month.satisfied / month.surveyed
        if ratio >= self.p.target - 1e-9:
            return NOTHING
        unit, period = key
        violation = self.ctx.violation(
            subject=f"{unit}:{period}",
            province=month.province,
            unit=unit,
            occurrence=period,
            at=at,
            measured=ratio,
            limit=self.p.target,
            evidence=tuple(month.unhappy),
            detail=Text2(
                f"{period} 满意 {month.satisfied}/{month.surveyed} = {ratio:.1%}，目标 ≥ {self.p.target:.0%}",
                f"{period}: {month.satisfied}/{month.surveyed} satisfied = {ratio:.1%}, target ≥ {self.p.target:.0%}",
            ),
            measure="ratio",
        )
        return (violation,)


def build(ctx: RuleContext, env: Env, params: RatioParams) -> RatioRuntime:
    return RatioRuntime(ctx, env, params)
