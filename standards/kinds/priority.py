"""Priority overflow: with enough priority customers waiting, nobody else is served first.

CH 1.4.8: when three or more gotone customers wait, they overflow to ordinary
counters. So serving a customer of another brand while that many priority
customers are still waiting breaches it. State is per hall: who is waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from events.envelope import Envelope
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.verdicts import Verdict


class PriorityParams(BaseModel):
    """Visits arrive with a segment; priority segments waiting block other service starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    arrive: str
    segment_field: str
    priority: list[str] = Field(min_length=1)
    served: str
    leave: list[str] = Field(default_factory=list)
    max_waiting: int = Field(
        ge=1, description="priority customers waiting that forbid serving others"
    )


@dataclass(slots=True)
class _Hall:
    waiting: dict[str, Envelope] = field(default_factory=dict)


class PriorityRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: PriorityParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._priority = frozenset(params.priority)
        self._visits: dict[str, tuple[str, bool, str, datetime]] = {}
        self._halls: dict[str, _Hall] = {}

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = dict.fromkeys(self.p.leave, self._on_leave)
        table[self.p.arrive] = self._on_arrive
        table[self.p.served] = self._on_served
        return table

    def state_size(self) -> int:
        return len(self._visits)

    def _on_arrive(self, event: Envelope) -> Sequence[Verdict]:
        priority = event.data.get(self.p.segment_field) in self._priority
        self._visits[event.subject] = (event.unit, priority, event.id, event.time)
        if priority:
            hall = self._halls.get(event.unit)
            if hall is None:
                hall = self._halls[event.unit] = _Hall()
            hall.waiting[event.subject] = event
        return NOTHING

    def _leave(self, subject: str) -> tuple[str, bool, str, datetime] | None:
        visit = self._visits.pop(subject, None)
        if visit is not None and visit[1]:
            hall = self._halls.get(visit[0])
            if hall is not None:
                hall.waiting.pop(subject, None)
                if not hall.waiting:
                    del self._halls[visit[0]]
        return visit

    def _on_leave(self, event: Envelope) -> Sequence[Verdict]:
        self._leave(event.subject)
        return NOTHING

    def sweep(self, cutoff: datetime) -> None:
        """Visits that never ended (no service start, no abandonment) are forgotten."""
        stale = []
        for subject, (_, _, _, since) in self._visits.items():
            if since >= cutoff:
                break
            stale.append(subject)
        for subject in stale:
            self._leave(subject)

    def _on_served(self, event: Envelope) -> Sequence[Verdict]:
        visit = self._leave(event.subject)
        if visit is None or visit[1]:
            return NOTHING
        hall = self._halls.get(event.unit)
        waiting = [w for w in hall.waiting.values() if w.time <= event.time] if hall else []
        if not waiting:
            return NOTHING
        violated = len(waiting) >= self.p.max_waiting
        check = self.ctx.check_of(
            event,
            violated=violated,
            value=float(len(waiting)),
        )
        if not violated:
            return (check,)
        violation = self.ctx.violation_of(
            event,
            measured=float(len(waiting)),
            limit=float(self.p.max_waiting),
            evidence=(event.id, *(w.id for w in waiting)),
            detail=Text2(
                f"{len(waiting)} 位优先客户等候时为其他客户办理（≥ {self.p.max_waiting} 位应外溢）",
                f"served while {len(waiting)} priority customers waited (≥ {self.p.max_waiting} must overflow)",
            ),
            measure="count",
        )
        return (violation, check)


def build(ctx: RuleContext, env: Env, params: PriorityParams) -> PriorityRuntime:
    return PriorityRuntime(ctx, env, params)
