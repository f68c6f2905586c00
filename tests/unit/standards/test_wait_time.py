from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.envelope import Envelope
from standards.testing import event, run, violations
from standards.verdicts import Violation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _visit(kind: str, at: datetime, subject: str = "v1", **data: object) -> Envelope:
    return event(f"hall.visit.{kind}", at, subject, **data)


def _violations(events: list[Envelope], watermark: datetime | None = None) -> list[Violation]:
    return violations(run(events, until=watermark))


def test_vip_served_at_exactly_ten_minutes_is_compliant() -> None:
    events = [
        _visit("checked_in", T0, brand="gotone_vip"),
        _visit("service_started", T0 + timedelta(minutes=10), counter="3", staff="s1"),
    ]
    assert _violations(events, T0 + timedelta(hours=1)) == []


def test_vip_served_one_second_late_is_a_violation() -> None:
    events = [
        _visit("checked_in", T0, brand="gotone_vip"),
        _visit("service_started", T0 + timedelta(minutes=10, seconds=1), counter="3", staff="s1"),
    ]
    [violation] = _violations(events)
    assert violation.rule == "hall.wait_time"
    assert violation.clause == "CH 1.4.7"
    assert violation.limit == 600
    assert violation.evidence == (events[0].id, events[1].id)


def test_customer_still_waiting_when_limit_passes_is_a_violation_then() -> None:
    [violation] = _violations([_visit("checked_in", T0, brand="mzone")], T0 + timedelta(minutes=31))
    assert violation.detected_at == T0 + timedelta(minutes=30)


def test_abandoned_before_the_limit_is_not_a_violation() -> None:
    events = [
        _visit("checked_in", T0, brand="gotone"),
        _visit("abandoned", T0 + timedelta(minutes=5)),
    ]
    assert _violations(events, T0 + timedelta(hours=2)) == []


def test_violation_id_is_deterministic() -> None:
    events = [_visit("checked_in", T0, brand="gotone")]
    first = _violations(events, T0 + timedelta(hours=1))
    second = _violations(events, T0 + timedelta(hours=1))
    assert first
    assert [v.violation_id for v in first] == [v.violation_id for v in second]
