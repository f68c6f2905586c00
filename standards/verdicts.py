"""What the engine decides: violations, check outcomes (KPI contributions), and the
deadline clocks it is running (`ClockState`, for the at-risk page).

Both carry the standard id, version and clause that produced them, so every
row in ClickHouse can be traced back to the rule file in force. They are values:
never mutate one (a change is a new revision, see `standards.emit.retraction`);
they are not frozen only because frozen dataclasses cost a microsecond each to build.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


def stable_id(*parts: object) -> str:
    """A deterministic id: redelivery and replay produce the same id, never a new row."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return digest[:32]


@dataclass(slots=True)
class Violation:
    """One breach of one rule by one entity occurrence."""

    violation_id: str
    standard: str
    version: int
    rule: str
    clause: str
    severity: str
    province: str
    unit: str
    subject: str
    detected_at: datetime
    measured: float | None
    limit: float | None
    evidence: tuple[str, ...]
    message_zh: str
    message_en: str
    retracted: bool = False
    revision: int = 0
    measure: str = ""
    calendar_uncovered: bool = False  # counted in working days partly beyond the calendar's years
    # what the id hashes besides standard, version, rule and subject: with it, the same finding
    # under another version has a computable id (a replay's diff matches findings across versions)
    occurrence: str = ""

    def to_record(self) -> dict[str, Any]:
        """Field by field: `dataclasses.asdict` deep-copies and cost the stream a tenth of
        its time (a test keeps this in step with the fields)."""
        return {
            "violation_id": self.violation_id,
            "standard": self.standard,
            "version": self.version,
            "rule": self.rule,
            "clause": self.clause,
            "severity": self.severity,
            "province": self.province,
            "unit": self.unit,
            "subject": self.subject,
            "detected_at": self.detected_at.isoformat(),
            "measured": self.measured,
            "limit": self.limit,
            "evidence": list(self.evidence),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "retracted": self.retracted,
            "revision": self.revision,
            "measure": self.measure,
            "calendar_uncovered": self.calendar_uncovered,
            "occurrence": self.occurrence,
        }


@dataclass(slots=True)
class Check:
    """One evaluation of one rule: the denominator of a compliance rate."""

    check_id: str
    standard: str
    version: int
    rule: str
    province: str
    unit: str
    subject: str
    day: date
    checked_at: datetime
    violated: bool
    value: float | None = None
    calendar_uncovered: bool = False  # counted in working days partly beyond the calendar's years

    def to_record(self) -> dict[str, Any]:
        """Field by field, as `Violation.to_record`."""
        return {
            "check_id": self.check_id,
            "standard": self.standard,
            "version": self.version,
            "rule": self.rule,
            "province": self.province,
            "unit": self.unit,
            "subject": self.subject,
            "day": self.day.isoformat(),
            "checked_at": self.checked_at.isoformat(),
            "violated": self.violated,
            "value": self.value,
            "calendar_uncovered": self.calendar_uncovered,
        }


@dataclass(slots=True)
class ClockState:
    """A deadline clock as the at-risk page sees it: open, then closed once (met, breached…).

    Not a finding: the engine says which long deadlines are running so that someone can
    act before they pass. Published only for clocks that allow at least
    `standards.kinds.deadline.runtime.CLOCK_MINIMUM` (a 10-minute wait in a hall is over
    before anyone reads the page). The closed state is the same `clock_id` at revision 1,
    so a table keyed by the id keeps one row per clock, the latest.
    """

    clock_id: str
    standard: str
    version: int
    rule: str
    clause: str
    severity: str
    province: str
    unit: str
    subject: str
    started_at: datetime
    due_at: datetime
    closed: bool = False
    closed_at: datetime | None = None
    outcome: str = ""
    """How it closed: met, late, breached, excused, cancelled, exempt, expired, replaced."""
    revision: int = 0

    def to_record(self) -> dict[str, Any]:
        """Field by field, as `Violation.to_record`."""
        return {
            "clock_id": self.clock_id,
            "standard": self.standard,
            "version": self.version,
            "rule": self.rule,
            "clause": self.clause,
            "severity": self.severity,
            "province": self.province,
            "unit": self.unit,
            "subject": self.subject,
            "started_at": self.started_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "closed": self.closed,
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
            "outcome": self.outcome,
            "revision": self.revision,
        }


Verdict = Violation | Check | ClockState
