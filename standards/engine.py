"""The rule engine: events in, verdicts out. Pure: no Kafka, no ClickHouse, no clock.

Event time drives everything. Deadlines are kept in a heap and fire when the
watermark passes them, so a replay of a log gives the verdicts live processing did.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime, timedelta

from events.envelope import Envelope
from standards.model import DeadlineParams, Rule, Standard
from standards.verdicts import Check, Verdict, Violation, stable_id


@dataclass(slots=True)
class _Pending:
    """A started clock: the start event and when its limit runs out."""

    standard: Standard
    rule: Rule
    start: Envelope
    limit: timedelta
    deadline: datetime
    fired: bool = False


class Engine:
    """Applies the standard version in force at each event's time."""

    def __init__(self, standards: list[Standard]) -> None:
        self._standards = sorted(standards, key=lambda s: s.effective_from)
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._deadlines: list[tuple[datetime, str, str]] = []
        self._watermark: datetime | None = None

    @property
    def watermark(self) -> datetime | None:
        return self._watermark

    def _in_force(self, moment: datetime) -> list[Standard]:
        return [s for s in self._standards if s.in_force_at(moment)]

    def process(self, event: Envelope) -> list[Verdict]:
        verdicts: list[Verdict] = []
        for standard in self._in_force(event.time):
            for rule in standard.rules:
                if rule.kind == "deadline":
                    verdicts.extend(self._deadline(standard, rule, event))
        return verdicts

    def advance(self, watermark: datetime) -> list[Verdict]:
        """Move event time forward; every deadline now passed fires."""
        if self._watermark is not None and watermark <= self._watermark:
            return []
        self._watermark = watermark
        verdicts: list[Verdict] = []
        while self._deadlines and self._deadlines[0][0] < watermark:
            _, rule_key, subject = heapq.heappop(self._deadlines)
            pending = self._pending.get((rule_key, subject))
            if pending is None or pending.fired:
                continue
            pending.fired = True
            verdicts.extend(_breach(pending, pending.deadline, pending.limit, (pending.start.id,)))
        return verdicts

    def _deadline(self, standard: Standard, rule: Rule, event: Envelope) -> list[Verdict]:
        params = DeadlineParams.model_validate(rule.params)
        key = (f"{standard.standard}@{standard.version}:{rule.id}", event.subject)
        if event.type == params.start:
            segment = event.data.get(params.segment_field) if params.segment_field else None
            limit = params.limit_for(segment)
            pending = _Pending(standard, rule, event, limit, event.time + limit)
            self._pending[key] = pending
            heapq.heappush(self._deadlines, (pending.deadline, key[0], key[1]))
            return []
        if event.type in params.cancel:
            self._pending.pop(key, None)
            return []
        if event.type in params.end:
            pending = self._pending.pop(key, None)
            if pending is None or pending.fired:
                return []
            elapsed = event.time - pending.start.time
            if elapsed > pending.limit:
                return _breach(pending, event.time, elapsed, (pending.start.id, event.id))
            return [_check(pending, event.time, elapsed, violated=False)]
        return []


def _check(pending: _Pending, at: datetime, measured: timedelta, *, violated: bool) -> Check:
    start = pending.start
    return Check(
        check_id=stable_id(pending.standard.standard, pending.rule.id, start.subject, start.id),
        standard=pending.standard.standard,
        version=pending.standard.version,
        rule=pending.rule.id,
        province=start.province,
        unit=start.unit,
        subject=start.subject,
        day=start.time.date(),
        checked_at=at,
        violated=violated,
        value=measured.total_seconds(),
    )


def _breach(
    pending: _Pending, at: datetime, measured: timedelta, evidence: tuple[str, ...]
) -> list[Verdict]:
    start, rule, standard = pending.start, pending.rule, pending.standard
    minutes, limit_minutes = measured.total_seconds() / 60, pending.limit.total_seconds() / 60
    violation = Violation(
        violation_id=stable_id(standard.standard, standard.version, rule.id, start.subject, start.id),
        standard=standard.standard,
        version=standard.version,
        rule=rule.id,
        clause=rule.clause,
        severity=rule.severity,
        province=start.province,
        unit=start.unit,
        subject=start.subject,
        detected_at=at,
        measured=measured.total_seconds(),
        limit=pending.limit.total_seconds(),
        evidence=evidence,
        message_zh=f"{rule.description.zh}（实际 {minutes:.1f} 分钟，上限 {limit_minutes:.0f} 分钟）",
        message_en=f"{rule.description.en} (took {minutes:.1f} min, limit {limit_minutes:.0f} min)",
    )
    return [violation, _check(pending, at, measured, violated=True)]
