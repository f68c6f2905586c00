"""Availability from heartbeats: downtime per platform and local day against an allowance.

Silence is downtime. A heartbeat with `available = false` starts down time at
once; after a heartbeat with `available = true`, the platform is down from that
heartbeat plus `max_gap` until the next heartbeat, if none came by then. A
platform that never reports again is down from its last heartbeat plus the gap
onwards: a silent day is a day down. Nothing is assumed before a platform's
first heartbeat.

Two verdicts come from the clock, never from a later heartbeat:

- an alarm: once down time that has not ended (silence, or an unavailable
  heartbeat not followed by another) exceeds the day's allowance, the
  platform-day is flagged at once, provisionally (no measurement yet);
- the day's judgment, when the watermark is `max_gap` past the day's end: its
  down time, with its check; it revises the provisional violation (same id, a
  higher revision), or retracts it if the day turned out within the allowance.

Each judged day leads to the next one being judged, heartbeats or not, so a
silent platform is flagged day after day until the engine forgets it (no
heartbeat for the exempt retention, 30 days). At end of input, days not yet
judged report as they stand: silence counts until the latest event time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from events.envelope import Envelope
from standards.emit import RuleContext, Text2, retraction
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.match import EventMatch, match_test
from standards.verdicts import Verdict, Violation

Beat = tuple[float, bool, str]  # (POSIX seconds, available, event id): cheap to sort and subtract
EVIDENCE_KEPT = 10
DAY_SECONDS = 86_400
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
ALARM = "alarm"
ONE_DAY = timedelta(days=1)


class AvailabilityParams(BaseModel):
    """Heartbeats of `event` carry `field` (bool); down time per day may not exceed `max_down`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: EventMatch
    field: str = "available"
    max_gap: timedelta = Field(
        description="after this long without a heartbeat, the platform is down until the next"
    )
    max_down: timedelta = Field(default=timedelta(0), description="down time allowed per day")

    @field_validator("max_gap")
    @classmethod
    def _positive(cls, gap: timedelta) -> timedelta:
        if gap <= timedelta(0):
            raise ValueError(f"max_gap must be positive, got {gap}")
        return gap

    @field_validator("max_down")
    @classmethod
    def _within_a_day(cls, down: timedelta) -> timedelta:
        if not timedelta(0) <= down < ONE_DAY:
            raise ValueError(f"max_down must be at least 0 and less than a day, got {down}")
        return down


@dataclass(slots=True)
class _Platform:
    province: str
    days: dict[date, list[Beat]] = field(default_factory=dict)
    carry: Beat | None = None  # the last heartbeat of the days judged
    judged: date | None = None  # the latest day judged
    latest: Beat | None = None  # the latest heartbeat seen
    alarm: bool = False  # an alarm timer is pending
    flagged: dict[date, Violation] = field(default_factory=dict)  # provisional, by day


class AvailabilityRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: AvailabilityParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._applies = match_test(params.event)
        self._platforms: dict[str, _Platform] = {}
        offset = env.tz.utcoffset(None)
        self._offset = offset.total_seconds() if offset is not None else 0.0
        self._gap = params.max_gap.total_seconds()
        self._allowed = params.max_down.total_seconds()
        self._last_day = (0, date.min)

    def _day_of(self, seconds: float) -> date:
        """The local date of a POSIX time, remembered: heartbeats come many a day."""
        number = int((seconds + self._offset) // DAY_SECONDS)
        if number != self._last_day[0]:
            self._last_day = (number, date.fromordinal(EPOCH_ORDINAL + number))
        return self._last_day[1]

    def _start_of(self, day: date) -> float:
        return (day.toordinal() - EPOCH_ORDINAL) * DAY_SECONDS - self._offset

    def _moment(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, self.env.tz)

    def _down_from(self, beat: Beat) -> float:
        """When the platform counts as down if no heartbeat follows this one."""
        return beat[0] + self._gap if beat[1] else beat[0]

    def handlers(self) -> dict[str, Handler]:
        return {self.p.event.type: self._on_beat}

    def state_size(self) -> int:
        return sum(len(p.days) + len(p.flagged) for p in self._platforms.values())

    def _on_beat(self, event: Envelope) -> Sequence[Verdict]:
        up = event.data.get(self.p.field)
        if not isinstance(up, bool) or (
            self._applies is not None and not self._applies(event.data)
        ):
            return NOTHING
        unit = event.unit
        platform = self._platforms.get(unit)
        if platform is None:
            platform = self._platforms[unit] = _Platform(event.province)
        seconds = event.time.timestamp()
        day = self._day_of(seconds)
        if platform.judged is not None and day <= platform.judged:
            return NOTHING  # too late: that day is judged
        beat = (seconds, up, event.id)
        beats = platform.days.get(day)
        if beats is None:
            beats = platform.days[day] = []
            self._schedule_judgment(unit, day)
        beats.append(beat)
        latest = platform.latest
        if latest is None or seconds > latest[0]:
            platform.latest = beat
            if not platform.alarm:
                self._arm(unit, platform, None)
        return NOTHING

    # -- timers -------------------------------------------------------------
    def _schedule_judgment(self, unit: str, day: date) -> None:
        end = self._moment(self._start_of(day) + DAY_SECONDS)
        self.env.scheduler.schedule(end + self.p.max_gap, self, (unit, day))

    def _due(self, since: float, day: date) -> float | None:
        """When down time running from `since` exceeds the allowance of `day`, if it does."""
        start = self._start_of(day)
        due = max(since, start) + self._allowed
        return due if due < start + DAY_SECONDS else None

    def _arm(self, unit: str, platform: _Platform, after: date | None) -> None:
        """The alarm for the latest heartbeat's silence, on its first day (after `after`)."""
        assert platform.latest is not None
        since = self._down_from(platform.latest)
        day = self._day_of(since) if after is None else max(after + ONE_DAY, self._day_of(since))
        due = self._due(since, day)
        while due is None:
            day += ONE_DAY
            due = self._due(since, day)
        platform.alarm = True
        self.env.scheduler.schedule(self._moment(due), self, (unit, ALARM))

    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        unit, what = key
        platform = self._platforms.get(unit)
        if platform is None:
            return NOTHING
        if what == ALARM:
            return self._on_alarm(unit, platform, when)
        if platform.judged is not None and what <= platform.judged:
            return NOTHING
        verdicts = self._judge(unit, platform, what, None, when)
        following = what + ONE_DAY
        if following not in platform.days:
            self._schedule_judgment(unit, following)  # silent so far: judged all the same
        return verdicts

    def _on_alarm(self, unit: str, platform: _Platform, when: datetime) -> Sequence[Verdict]:
        platform.alarm = False
        latest = platform.latest
        assert latest is not None
        moment = when.timestamp()
        if latest[0] > moment:  # a heartbeat after the alarm: the day's judgment decides
            self._arm(unit, platform, None)
            return NOTHING
        day = self._day_of(moment)
        due = self._due(self._down_from(latest), day)
        if due is None or due > moment:  # armed for an earlier heartbeat
            self._arm(unit, platform, None)
            return NOTHING
        self._arm(unit, platform, day)
        if day in platform.flagged or (platform.judged is not None and day <= platform.judged):
            return NOTHING
        since = self._moment(latest[0]).strftime("%H:%M")
        state_zh = "不可用" if not latest[1] else "无心跳"
        state_en = "unavailable" if not latest[1] else "no heartbeat"
        violation = self.ctx.violation(
            subject=f"{unit}:{day.isoformat()}",
            province=platform.province,
            unit=unit,
            occurrence=day.isoformat(),
            at=when,
            measured=None,
            limit=self._allowed,
            evidence=(latest[2],),
            detail=Text2(
                f"{day} 自 {since} 起{state_zh}，仍未恢复",
                f"{day}: {state_en} since {since}, still down",
            ),
            measure="seconds",
        )
        platform.flagged[day] = violation
        return (violation,)

    def sweep(self, cutoff: datetime) -> None:
        """Forget platforms without a heartbeat since `cutoff`: a silent one stops being flagged."""
        limit = cutoff.timestamp()
        stale = [
            unit
            for unit, platform in self._platforms.items()
            if platform.latest is None or platform.latest[0] < limit
        ]
        for unit in stale:
            del self._platforms[unit]

    def flush(self, end: datetime) -> Sequence[Verdict]:
        verdicts: list[Verdict] = []
        horizon = end.timestamp()
        last = self._day_of(horizon)
        for unit, platform in sorted(self._platforms.items()):
            if platform.judged is not None:
                day = platform.judged + ONE_DAY
            elif platform.days:
                day = min(platform.days)
            else:
                continue
            final = max(last, *platform.days) if platform.days else last
            while day <= final:
                if day in platform.days or self._silent_down(platform, day, horizon) > 0:
                    verdicts.extend(self._judge(unit, platform, day, horizon, end))
                day += ONE_DAY
        return verdicts

    # -- verdicts -----------------------------------------------------------
    def _silent_down(self, platform: _Platform, day: date, horizon: float) -> float:
        if platform.carry is None:
            return 0.0
        start = self._start_of(day)
        return max(
            0.0, min(horizon, start + DAY_SECONDS) - max(self._down_from(platform.carry), start)
        )

    def _judge(
        self, unit: str, platform: _Platform, day: date, horizon: float | None, now: datetime
    ) -> Sequence[Verdict]:
        """`horizon`: how far the silence after the day's last heartbeat runs (its end when None)."""
        beats = sorted(platform.days.pop(day, ()))
        start = self._start_of(day)
        end = start + DAY_SECONDS
        points = ([platform.carry] if platform.carry else []) + beats
        down, worst = self._down(points, start, end, end if horizon is None else horizon)
        if beats:
            platform.carry = beats[-1]
        platform.judged = day
        provisional = platform.flagged.pop(day, None)
        violated = down > self.p.max_down
        subject = f"{unit}:{day.isoformat()}"
        at = min(now, self._moment(end))
        check = self.ctx.check(
            subject=subject,
            province=platform.province,
            unit=unit,
            occurrence=day.isoformat(),
            day_of=self._moment(start),
            at=at,
            violated=violated,
            value=down.total_seconds(),
        )
        if not violated:
            if provisional is None:
                return (check,)
            reason = Text2(
                "当日不可用时长在允许范围内", "the day's down time is within the allowance"
            )
            return (retraction(provisional, reason), check)
        minutes = down.total_seconds() / 60
        allowed = self._allowed / 60
        violation = self.ctx.violation(
            subject=subject,
            province=platform.province,
            unit=unit,
            occurrence=day.isoformat(),
            at=at,
            measured=down.total_seconds(),
            limit=self._allowed,
            evidence=worst,
            detail=Text2(
                f"{day} 不可用 {minutes:.1f} 分钟，允许 {allowed:.0f} 分钟",
                f"{day}: down {minutes:.1f} min, {allowed:.0f} min allowed",
            ),
            measure="seconds",
        )
        if provisional is not None:
            violation = replace(violation, revision=provisional.revision + 1)
        return (violation, check)

    def _down(
        self, points: list[Beat], start: float, end: float, horizon: float
    ) -> tuple[timedelta, tuple[str, ...]]:
        """Down time inside [start, end): after each heartbeat until the next one (the last
        one's until `horizon`), from the heartbeat if unavailable, else from it plus the gap."""
        down = 0.0
        evidence: list[str] = []
        following = [p[0] for p in points[1:]] + [horizon]
        for (at, up, event_id), until in zip(points, following, strict=True):
            begin = at + self._gap if up else at
            overlap = min(until, end) - max(begin, start)
            if overlap > 0:
                down += overlap
                if len(evidence) < EVIDENCE_KEPT:
                    evidence.append(event_id)
        return timedelta(seconds=round(down, 6)), tuple(evidence)


def build(ctx: RuleContext, env: Env, params: AvailabilityParams) -> AvailabilityRuntime:
    return AvailabilityRuntime(ctx, env, params)
