"""Who may dispute what, and a violation's dispute status folded from its dispute events.

Disputes are event-sourced: nothing is updated in place, every step is an event
on `svc.disputes` and the status is derived from them. The fold here and the SQL
in `dashboard.data.disputes` derive the same status: voided once any dispute was
accepted (final), otherwise the latest event decides (filed: disputed,
rejected: rejected, none: none). A rejected violation may be disputed again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dashboard.viewer import Role, Viewer

MAX_REASON_CHARS = 2000


class DisputeAction(StrEnum):
    FILED = "filed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class DisputeStatus(StrEnum):
    NONE = "none"
    DISPUTED = "disputed"
    VOIDED = "voided"
    REJECTED = "rejected"


@dataclass(frozen=True)
class DisputeEvent:
    """One step of a dispute, as it travels on `svc.disputes` and lands in `svc.disputes`."""

    event_id: str
    dispute_id: str
    violation_id: str
    action: DisputeAction
    province: str
    unit: str
    rule: str
    detected_at: datetime
    actor: str
    role: Role
    at: datetime
    reason: str

    def record(self) -> dict[str, object]:
        """The JSON payload (docs/EVENTS.md, "Disputes"); its keys are the table's columns."""
        return {
            "event_id": self.event_id,
            "dispute_id": self.dispute_id,
            "violation_id": self.violation_id,
            "action": self.action.value,
            "province": self.province,
            "unit": self.unit,
            "rule": self.rule,
            "detected_at": self.detected_at.isoformat(),
            "actor": self.actor,
            "role": self.role.value,
            "at": self.at.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DisputeState:
    status: DisputeStatus
    open_dispute: str | None
    """The dispute awaiting HQ's decision, while the status is `disputed`."""


NO_DISPUTE = DisputeState(DisputeStatus.NONE, None)


def fold(events: Iterable[DisputeEvent]) -> DisputeState:
    """The status after these events (any order: they are sorted by time, then id)."""
    ordered = sorted(events, key=lambda e: (e.at, e.event_id))
    if any(e.action is DisputeAction.ACCEPTED for e in ordered):
        return DisputeState(DisputeStatus.VOIDED, None)
    if not ordered:
        return NO_DISPUTE
    latest = ordered[-1]
    if latest.action is DisputeAction.FILED:
        return DisputeState(DisputeStatus.DISPUTED, latest.dispute_id)
    return DisputeState(DisputeStatus.REJECTED, None)


class DisputeRefused(ValueError):
    """A dispute step the rules do not allow; `key` names its message in the strings catalog."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Target:
    """What the rules need to know of the disputed violation."""

    province: str
    retracted: bool
    state: DisputeState


def allowed_actions(viewer: Viewer, target: Target) -> tuple[DisputeAction, ...]:
    """The steps this viewer may take on this violation now (what the page offers)."""
    found = []
    for action in DisputeAction:
        try:
            check(viewer, action, target, reason="-")
        except DisputeRefused:
            continue
        found.append(action)
    return tuple(found)


def check(viewer: Viewer, action: DisputeAction, target: Target, *, reason: str) -> None:
    """Raise `DisputeRefused` unless `viewer` may take `action` on `target` with `reason`.

    Only a manager of the violation's province files, only HQ decides, one dispute
    is open at a time, a voided or retracted violation is not disputed, and a filing
    or a rejection says why.
    """
    if target.retracted:
        raise DisputeRefused("evidence.refused.retracted")
    status = target.state.status
    if status is DisputeStatus.VOIDED:
        raise DisputeRefused("evidence.refused.voided")
    if action is DisputeAction.FILED:
        if viewer.role is not Role.PROVINCE_MANAGER or viewer.province != target.province:
            raise DisputeRefused("evidence.refused.not_manager")
        if status is DisputeStatus.DISPUTED:
            raise DisputeRefused("evidence.refused.already_open")
    else:
        if viewer.role is not Role.HQ_AUDITOR:
            raise DisputeRefused("evidence.refused.not_hq")
        if status is not DisputeStatus.DISPUTED:
            raise DisputeRefused("evidence.refused.none_open")
    needs_reason = action is not DisputeAction.ACCEPTED
    if needs_reason and not reason.strip():
        raise DisputeRefused("evidence.refused.no_reason")
    if len(reason) > MAX_REASON_CHARS:
        raise DisputeRefused("evidence.refused.too_long")
