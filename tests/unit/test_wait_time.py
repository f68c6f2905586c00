from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.envelope import Envelope
from standards.engine import Engine
from standards.loader import load_standards
from standards.verdicts import Violation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _event(kind: str, at: datetime, subject: str = "v1", **data: object) -> Envelope:
    return Envelope(
        specversion="1.0",
        id=f"{subject}-{kind}",
        source="/provinces/GD/halls/GD-SZ-0001",
        type=f"hall.visit.{kind}",
        time=at,
        subject=subject,
        province="GD",
        unit="GD-SZ-0001",
        data=data,
    )


def _violations(events: list[Envelope], watermark: datetime | None = None) -> list[Violation]:
    engine = Engine(load_standards())
    verdicts = [v for e in events for v in engine.process(e)]
    if watermark is not None:
        verdicts += engine.advance(watermark)
    return [v for v in verdicts if isinstance(v, Violation)]


def test_vip_served_at_exactly_ten_minutes_is_compliant() -> None:
    events = [
        _event("checked_in", T0, brand="gotone_vip"),
        _event("service_started", T0 + timedelta(minutes=10), counter="3", staff="s1"),
    ]
    assert _violations(events, T0 + timedelta(hours=1)) == []


def test_vip_served_one_second_late_is_a_violation() -> None:
    events = [
        _event("checked_in", T0, brand="gotone_vip"),
        _event("service_started", T0 + timedelta(minutes=10, seconds=1), counter="3", staff="s1"),
    ]
    [violation] = _violations(events)
    assert violation.rule == "hall.wait_time"
    assert violation.clause == "CH 1.4.7"
    assert violation.limit == 600
    assert violation.evidence == ("v1-checked_in", "v1-service_started")


def test_customer_still_waiting_when_limit_passes_is_a_violation_then() -> None:
    [violation] = _violations([_event("checked_in", T0, brand="mzone")], T0 + timedelta(minutes=31))
    assert violation.detected_at == T0 + timedelta(minutes=30)


def test_abandoned_before_the_limit_is_not_a_violation() -> None:
    events = [
        _event("checked_in", T0, brand="gotone"),
        _event("abandoned", T0 + timedelta(minutes=5)),
    ]
    assert _violations(events, T0 + timedelta(hours=2)) == []


def test_violation_id_is_deterministic() -> None:
    events = [_event("checked_in", T0, brand="gotone")]
    first = _violations(events, T0 + timedelta(hours=1))
    second = _violations(events, T0 + timedelta(hours=1))
    assert [v.violation_id for v in first] == [v.violation_id for v in second]
