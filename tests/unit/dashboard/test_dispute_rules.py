"""Who may dispute what, and the status a violation's dispute events fold to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.dispute_rules import (
    MAX_REASON_CHARS,
    NO_DISPUTE,
    DisputeAction,
    DisputeEvent,
    DisputeRefused,
    DisputeState,
    DisputeStatus,
    Target,
    allowed_actions,
    check,
    fold,
)
from dashboard.viewer import Role, Viewer

HQ = Viewer("hq", Role.HQ_AUDITOR)
GD = Viewer("gd", Role.PROVINCE_MANAGER, "GD")
BJ = Viewer("bj", Role.PROVINCE_MANAGER, "BJ")
OWNER = Viewer("owner", Role.STANDARDS_OWNER)
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
OPEN = DisputeState(DisputeStatus.DISPUTED, "dsp-1")


def _event(n: int, action: DisputeAction, dispute: str = "dsp-1") -> DisputeEvent:
    return DisputeEvent(
        f"e{n}", dispute, "v-1", action, "GD", "GD-1", "hall.wait_time", T0, "someone",
        Role.HQ_AUDITOR, T0 + timedelta(minutes=n), "why",
    )  # fmt: skip


def _refusal(viewer: Viewer, action: DisputeAction, target: Target, reason: str = "why") -> str:
    with pytest.raises(DisputeRefused) as refused:
        check(viewer, action, target, reason=reason)
    return refused.value.key


def test_only_a_manager_of_the_province_files() -> None:
    fresh = Target("GD", False, NO_DISPUTE)
    check(GD, DisputeAction.FILED, fresh, reason="队列机故障")
    for other in (BJ, HQ, OWNER):
        assert _refusal(other, DisputeAction.FILED, fresh) == "evidence.refused.not_manager"


def test_only_hq_decides_and_only_an_open_dispute() -> None:
    disputed = Target("GD", False, OPEN)
    check(HQ, DisputeAction.ACCEPTED, disputed, reason="")
    check(HQ, DisputeAction.REJECTED, disputed, reason="证据充分")
    for other in (GD, OWNER):
        assert _refusal(other, DisputeAction.ACCEPTED, disputed) == "evidence.refused.not_hq"
    for state in (NO_DISPUTE, DisputeState(DisputeStatus.REJECTED, None)):
        target = Target("GD", False, state)
        assert _refusal(HQ, DisputeAction.REJECTED, target) == "evidence.refused.none_open"


def test_one_open_dispute_per_violation_and_none_once_voided_or_retracted() -> None:
    assert _refusal(GD, DisputeAction.FILED, Target("GD", False, OPEN)) == (
        "evidence.refused.already_open"
    )
    voided = Target("GD", False, DisputeState(DisputeStatus.VOIDED, None))
    assert _refusal(GD, DisputeAction.FILED, voided) == "evidence.refused.voided"
    assert _refusal(HQ, DisputeAction.ACCEPTED, voided) == "evidence.refused.voided"
    retracted = Target("GD", True, NO_DISPUTE)
    assert _refusal(GD, DisputeAction.FILED, retracted) == "evidence.refused.retracted"
    again = Target("GD", False, DisputeState(DisputeStatus.REJECTED, None))
    check(GD, DisputeAction.FILED, again, reason="新证据")


def test_filing_and_rejecting_say_why_accepting_need_not() -> None:
    fresh, disputed = Target("GD", False, NO_DISPUTE), Target("GD", False, OPEN)
    assert _refusal(GD, DisputeAction.FILED, fresh, "  ") == "evidence.refused.no_reason"
    assert _refusal(HQ, DisputeAction.REJECTED, disputed, "") == "evidence.refused.no_reason"
    check(HQ, DisputeAction.ACCEPTED, disputed, reason="")
    too_long = "x" * (MAX_REASON_CHARS + 1)
    assert _refusal(GD, DisputeAction.FILED, fresh, too_long) == "evidence.refused.too_long"


def test_allowed_actions_are_what_the_page_offers() -> None:
    fresh, disputed = Target("GD", False, NO_DISPUTE), Target("GD", False, OPEN)
    assert allowed_actions(GD, fresh) == (DisputeAction.FILED,)
    assert allowed_actions(HQ, fresh) == ()
    assert allowed_actions(HQ, disputed) == (DisputeAction.ACCEPTED, DisputeAction.REJECTED)
    assert allowed_actions(GD, disputed) == ()
    assert allowed_actions(OWNER, fresh) == allowed_actions(OWNER, disputed) == ()


def test_status_folds_from_the_latest_event_and_voided_is_final() -> None:
    filed, accepted, rejected = DisputeAction
    assert fold([]) == NO_DISPUTE
    assert fold([_event(1, filed)]) == OPEN
    assert fold([_event(2, rejected), _event(1, filed)]).status is DisputeStatus.REJECTED
    refiled = [_event(1, filed), _event(2, rejected), _event(3, filed, "dsp-2")]
    assert fold(refiled) == DisputeState(DisputeStatus.DISPUTED, "dsp-2")
    raced = [_event(1, filed), _event(2, accepted), _event(3, rejected)]
    assert fold(raced) == DisputeState(DisputeStatus.VOIDED, None)


def test_the_payload_names_the_table_columns() -> None:
    record = _event(1, DisputeAction.FILED).record()
    assert record["action"] == "filed" and record["role"] == "hq_auditor"
    assert record["at"] == "2026-11-30T08:01:00+00:00"
    assert set(record) == {
        "event_id", "dispute_id", "violation_id", "action", "province", "unit", "rule",
        "detected_at", "actor", "role", "at", "reason",
    }  # fmt: skip
