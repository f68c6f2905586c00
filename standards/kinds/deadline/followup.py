"""Mode `followup`: after a late, non-exempt end, a follow-up is owed within `within`
(a fee waiver after a late repair, pro-rated when `prorate` says so).

No timer at the deadline: the end decides. In time, nothing is owed; late, the
follow-up timer starts, and when it passes, a passing check if the follow-up came (before
the end, or after it within the time) and a violation if not. Clocks that never end are
forgotten after the exempt retention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from events.envelope import Envelope
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler
from standards.kinds.deadline.clock import Clock, Phase, TimerKey
from standards.kinds.deadline.params import DeadlineParams, Followup, cents
from standards.kinds.deadline.runtime import DeadlineRuntime
from standards.match import match_test
from standards.verdicts import Verdict


@dataclass(slots=True)
class FollowupClock(Clock):
    followup_seen: bool = False
    early: list[Envelope] = field(default_factory=list)
    """Follow-ups that came before the end: judged once the end is known."""


class FollowupRuntime(DeadlineRuntime):
    clock_type = FollowupClock

    def __init__(self, ctx: RuleContext, env: Env, params: DeadlineParams) -> None:
        super().__init__(ctx, env, params)
        assert params.followup is not None
        self._followup: Followup = params.followup
        self._followup_test = match_test(params.followup.require)

    def _more_handlers(self) -> dict[str, Handler]:
        return {self._followup.require.type: self._on_followup}

    def _opened(self, clock: Clock) -> None:
        self._evict_after(clock, self.env.retain_exempt, clock.deadline)

    def _ended(self, clock: Clock, end: Envelope) -> Sequence[Verdict]:
        assert isinstance(clock, FollowupClock)
        clock.ended = end
        late = end.time > clock.deadline
        for early in clock.early:
            self._on_followup(early)
        if not late or clock.followup_seen:
            del self._clocks[end.subject]
            return [self._check(clock, end.time, False)] if late else NOTHING
        self._timer(end.time + self._followup.within, end.subject, clock.start.id, Phase.FOLLOWUP)
        return NOTHING

    def _on_followup(self, event: Envelope) -> Sequence[Verdict]:
        clock = self._clocks.get(event.subject)
        if clock is None or (
            self._followup_test is not None and not self._followup_test(event.data)
        ):
            return NOTHING
        assert isinstance(clock, FollowupClock)
        if clock.ended is None:
            clock.early.append(event)
            return NOTHING
        if event.time > clock.ended.time + self._followup.within:
            return NOTHING
        prorate = self._followup.prorate
        if prorate is not None:
            owed = prorate.owed_cents(clock.start, clock.ended)
            paid = cents(event.data.get(prorate.amount_field))
            if owed is not None and (paid is None or paid < owed):
                return NOTHING
        clock.followup_seen = True
        return NOTHING

    def _fired(self, key: TimerKey, clock: Clock, when: datetime) -> Sequence[Verdict]:
        assert isinstance(clock, FollowupClock) and clock.ended is not None
        del self._clocks[key.subject]
        if clock.followup_seen:
            return [self._check(clock, when, False)]
        return self._missed(clock, clock.ended, when)

    def _missed(self, clock: Clock, end: Envelope, at: datetime) -> Sequence[Verdict]:
        start = clock.start
        within = self._followup.within.total_seconds()
        hours = within / 3600
        required = self._followup.require.type
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
                f"逾期结束后 {hours:.0f} 小时内未见 {required}",
                f"no {required} within {hours:.0f} h of the late end",
            ),
            measure="seconds",
        )
        if self.measure.uncovered(clock, at):
            violation = replace(violation, calendar_uncovered=True)
        return [violation, self._check(clock, at, True)]
