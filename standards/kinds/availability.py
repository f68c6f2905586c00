"""Availability from heartbeats: downtime per platform and local day against an allowance.

Between two consecutive heartbeats the platform counts as down when the earlier
one said `available = false`, or when the gap is longer than `max_gap` (nobody
could tell it was up). Nothing is assumed before a platform's first heartbeat or
after its last. A day is judged once the watermark is `max_gap` past its end and
a later heartbeat has closed its last gap (or at end of input); heartbeats are
sorted by time first, so moderate disorder does not matter.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from events.envelope import Envelope
from standards.calendar import day_bounds
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.match import EventMatch, match_test
from standards.verdicts import Verdict

Beat = tuple[float, bool, str]  # (POSIX seconds, available, event id): cheap to sort and subtract
EVIDENCE_KEPT = 10
DAY_SECONDS = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class AvailabilityParams(BaseModel):
    """Heartbeats of `event` carry `field` (bool); down time per day may not exceed `max_down`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: EventMatch
    field: str = "available"
    max_gap: timedelta = Field(description="a longer silence between heartbeats counts as down")
    max_down: timedelta = Field(default=timedelta(0), description="down time allowed per day")

    @field_validator("max_gap")
    @classmethod
    def _positive(cls, gap: timedelta) -> timedelta:
        if gap <= timedelta(0):
            raise ValueError(f"max_gap must be positive, got {gap}")
        return gap

    @field_validator("max_down")
    @classmethod
    def _not_negative(cls, down: timedelta) -> timedelta:
        if down < timedelta(0):
            raise ValueError(f"max_down must not be negative, got {down}")
        return down


@dataclass(slots=True)
class _Platform:
    province: str
    days: dict[date, list[Beat]] = field(default_factory=dict)
    carry: Beat | None = None
    waiting: set[date] = field(default_factory=set)


class AvailabilityRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: AvailabilityParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._applies = match_test(params.event)
        self._platforms: dict[str, _Platform] = {}
        offset = env.tz.utcoffset(None)
        self._offset = offset.total_seconds() if offset is not None else 0.0
        self._gap = params.max_gap.total_seconds()
        self._last_day = (0, date.min)

    def _day_of(self, seconds: float) -> date:
        """The local date of a POSIX time, remembered: heartbeats come many a day."""
        number = int((seconds + self._offset) // DAY_SECONDS)
        if number != self._last_day[0]:
            self._last_day = (number, date.fromordinal(EPOCH_ORDINAL + number))
        return self._last_day[1]

    def handlers(self) -> dict[str, Handler]:
        return {self.p.event.type: self._on_beat}

    def state_size(self) -> int:
        return sum(len(p.days) for p in self._platforms.values())

    def _on_beat(self, event: Envelope) -> Sequence[Verdict]:
        up = event.data.get(self.p.field)
        if not isinstance(up, bool) or (
            self._applies is not None and not self._applies(event.data)
        ):
            return NOTHING
        platform = self._platforms.get(event.unit)
        if platform is None:
            platform = self._platforms[event.unit] = _Platform(event.province)
        seconds = event.time.timestamp()
        day = self._day_of(seconds)
        beats = platform.days.get(day)
        if beats is None:
            if platform.carry is not None and seconds <= platform.carry[0]:
                return NOTHING  # too late: that day is judged
            beats = platform.days[day] = []
            _, end = day_bounds(day, self.env.tz)
            self.env.scheduler.schedule(end + self.p.max_gap, self, (event.unit, day))
        beats.append((seconds, up, event.id))
        if not platform.waiting:
            return NOTHING
        verdicts: list[Verdict] = []
        for waiting in sorted(d for d in platform.waiting if d < day):
            platform.waiting.discard(waiting)
            verdicts.extend(self._judge(event.unit, platform, waiting, event.time))
        return verdicts

    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        unit, day = key
        platform = self._platforms.get(unit)
        if platform is None or day not in platform.days:
            return NOTHING
        if any(later > day for later in platform.days):
            return self._judge(unit, platform, day, when)
        platform.waiting.add(day)  # its last gap closes with the next heartbeat
        return NOTHING

    def flush(self, end: datetime) -> Sequence[Verdict]:
        verdicts: list[Verdict] = []
        for unit, platform in sorted(self._platforms.items()):
            for day in sorted(platform.days):
                verdicts.extend(self._judge(unit, platform, day, end))
            platform.waiting.clear()
        return verdicts

    def _judge(self, unit: str, platform: _Platform, day: date, now: datetime) -> Sequence[Verdict]:
        beats = sorted(platform.days.pop(day))
        start, end = day_bounds(day, self.env.tz)
        later = [b for d, bs in platform.days.items() if d > day for b in bs]
        nxt = min(later) if later else None
        points = ([platform.carry] if platform.carry else []) + beats + ([nxt] if nxt else [])
        down, worst = self._down(points, start.timestamp(), end.timestamp())
        platform.carry = beats[-1]
        violated = down > self.p.max_down
        subject = f"{unit}:{day.isoformat()}"
        at = min(now, end)
        check = self.ctx.check(
            subject=subject,
            province=platform.province,
            unit=unit,
            occurrence=day.isoformat(),
            day_of=start,
            at=at,
            violated=violated,
            value=down.total_seconds(),
        )
        if not violated:
            return (check,)
        minutes = down.total_seconds() / 60
        allowed = self.p.max_down.total_seconds() / 60
        violation = self.ctx.violation(
            subject=subject,
            province=platform.province,
            unit=unit,
            occurrence=day.isoformat(),
            at=at,
            measured=down.total_seconds(),
            limit=self.p.max_down.total_seconds(),
            evidence=worst,
            detail=Text2(
                f"{day} 不可用 {minutes:.1f} 分钟，允许 {allowed:.0f} 分钟",
                f"{day}: down {minutes:.1f} min, {allowed:.0f} min allowed",
            ),
            measure="seconds",
        )
        return (violation, check)

    def _down(
        self, points: list[Beat], start: float, end: float
    ) -> tuple[timedelta, tuple[str, ...]]:
        """Down time inside [start, end) between consecutive heartbeats only."""
        down = 0.0
        gap = self._gap
        evidence: list[str] = []
        for (at, up, event_id), (until, _, _) in itertools.pairwise(points):
            if until <= at or (up and until - at <= gap):
                continue
            overlap = min(until, end) - max(at, start)
            if overlap > 0:
                down += overlap
                if len(evidence) < EVIDENCE_KEPT:
                    evidence.append(event_id)
        return timedelta(seconds=round(down, 6)), tuple(evidence)


def build(ctx: RuleContext, env: Env, params: AvailabilityParams) -> AvailabilityRuntime:
    return AvailabilityRuntime(ctx, env, params)
