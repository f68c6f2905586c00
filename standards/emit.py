"""Verdict construction for one rule of one standard version.

Every violation and check carries the standard id, version, rule and clause,
so any row can be traced back to the rule file that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from hashlib import sha256

from events.envelope import Envelope
from standards.calendar import LocalClock
from standards.verdicts import Check, ClockState, Violation, stable_id

_SCALE = {
    "seconds": (1.0, "秒", "s"),
    "minutes": (60.0, "分钟", "min"),
    "hours": (3600.0, "小时", "h"),
}


@dataclass(frozen=True, slots=True)
class Text2:
    """A finding in both languages."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What every verdict of one rule shares."""

    standard: str
    version: int
    rule: str
    clause: str
    severity: str
    description_zh: str
    description_en: str
    tz: tzinfo
    clock: LocalClock

    def violation(
        self,
        *,
        subject: str,
        province: str,
        unit: str,
        occurrence: str,
        at: datetime,
        measured: float | None,
        limit: float | None,
        evidence: tuple[str, ...],
        detail: Text2,
        measure: str,
    ) -> Violation:
        return Violation(
            violation_id=stable_id(self.standard, self.version, self.rule, subject, occurrence),
            standard=self.standard,
            version=self.version,
            rule=self.rule,
            clause=self.clause,
            severity=self.severity,
            province=province,
            unit=unit,
            subject=subject,
            detected_at=at,
            measured=measured,
            limit=limit,
            evidence=evidence,
            message_zh=f"{self.description_zh}（{detail.zh}）",
            message_en=f"{self.description_en} ({detail.en})",
            measure=measure,
            occurrence=occurrence,
        )

    def violation_of(
        self,
        event: Envelope,
        *,
        occurrence: str | None = None,
        at: datetime | None = None,
        measured: float | None,
        limit: float | None,
        evidence: tuple[str, ...],
        detail: Text2,
        measure: str,
    ) -> Violation:
        """A violation about `event`'s entity; occurrence and moment default to the event's."""
        return self.violation(
            subject=event.subject,
            province=event.province,
            unit=event.unit,
            occurrence=event.id if occurrence is None else occurrence,
            at=event.time if at is None else at,
            measured=measured,
            limit=limit,
            evidence=evidence,
            detail=detail,
            measure=measure,
        )

    def check_of(
        self,
        event: Envelope,
        *,
        occurrence: str | None = None,
        at: datetime | None = None,
        violated: bool,
        value: float | None,
    ) -> Check:
        """A check about `event`'s entity, on its day; occurrence and moment default to the event's."""
        return self.check(
            subject=event.subject,
            province=event.province,
            unit=event.unit,
            occurrence=event.id if occurrence is None else occurrence,
            day_of=event.time,
            at=event.time if at is None else at,
            violated=violated,
            value=value,
        )

    def check(
        self,
        *,
        subject: str,
        province: str,
        unit: str,
        occurrence: str,
        day_of: datetime,
        at: datetime,
        violated: bool,
        value: float | None,
    ) -> Check:
        key = f"{self.standard}\x1f{self.rule}\x1f{subject}\x1f{occurrence}"
        return Check(  # positional: this runs for every evaluation of every rule
            sha256(key.encode()).hexdigest()[:32],  # = stable_id(standard, rule, subject, …)
            self.standard,
            self.version,
            self.rule,
            province,
            unit,
            subject,
            self.clock.day(day_of),
            at,
            violated,
            value,
        )

    def clock_opened(self, start: Envelope, due: datetime) -> ClockState:
        """The deadline clock `start` opened, due at `due` (the at-risk page's row)."""
        return ClockState(
            stable_id(self.standard, self.version, self.rule, start.subject, start.id),
            self.standard,
            self.version,
            self.rule,
            self.clause,
            self.severity,
            start.province,
            start.unit,
            start.subject,
            start.time,
            due,
        )


def clock_closed(opened: ClockState, at: datetime, outcome: str) -> ClockState:
    """The same clock, closed at `at` (its revision 1): `outcome` says how."""
    return replace(opened, closed=True, closed_at=at, outcome=outcome, revision=1)


def retraction(violation: Violation, reason: Text2) -> Violation:
    """The same violation id at a higher revision, marked retracted: later facts voided it."""
    return replace(
        violation,
        retracted=True,
        revision=violation.revision + 1,
        message_zh=f"{violation.message_zh}；已撤销：{reason.zh}",
        message_en=f"{violation.message_en}; retracted: {reason.en}",
    )


def duration_text(seconds: float, scale: str) -> tuple[str, str]:
    """A duration in the rule's display unit, both languages."""
    factor, zh_unit, en_unit = _SCALE[scale]
    value = seconds / factor
    shown = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    return f"{shown} {zh_unit}", f"{shown} {en_unit}"


def duration_detail(measured: float, limit: float, scale: str, *, minimum: bool) -> Text2:
    m_zh, m_en = duration_text(measured, scale)
    l_zh, l_en = duration_text(limit, scale)
    if minimum:
        return Text2(
            f"实际 {m_zh}，要求不少于 {l_zh}", f"measured {m_en}, at least {l_en} required"
        )
    return Text2(f"实际 {m_zh}，上限 {l_zh}", f"took {m_en}, limit {l_en}")
