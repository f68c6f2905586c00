"""Silence is downtime: an IVR platform whose heartbeats stop is flagged when the clock passes
its last heartbeat plus the allowed gap, not when (or if) a later heartbeat arrives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.envelope import Envelope
from standards import snapshot
from standards.engine import Engine
from standards.loader import load_standards
from standards.testing import event
from standards.verdicts import Check, Verdict, Violation

[V1] = load_standards()
DAY0 = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 in China
SUBJECT = "GD-IVR1:2026-03-02"
NEXT = "GD-IVR1:2026-03-03"


def _beat(at: datetime, available: bool = True) -> Envelope:
    return event("ivr.availability", at, "GD-IVR1", unit="GD-IVR1", available=available)


def _violations(verdicts: list[Verdict]) -> list[Violation]:
    return [v for v in verdicts if isinstance(v, Violation) and v.rule == "ivr.availability"]


def _beating_until(engine: Engine, last: datetime) -> None:
    at = DAY0 + timedelta(hours=10)
    while at <= last:
        engine.process(_beat(at))
        at += timedelta(minutes=1)


def test_silence_is_flagged_when_the_clock_passes_the_last_heartbeat_plus_the_gap() -> None:
    engine = Engine([V1])
    last = DAY0 + timedelta(hours=10, minutes=30)
    _beating_until(engine, last)
    assert _violations(engine.advance(last + timedelta(minutes=5))) == []
    [flag] = _violations(engine.advance(last + timedelta(minutes=5, milliseconds=1)))
    assert (flag.subject, flag.detected_at, flag.measured) == (
        SUBJECT,
        last + timedelta(minutes=5),
        None,
    )
    assert flag.evidence == (_beat(last).id,) and not flag.retracted
    assert "still down" in flag.message_en


def test_a_platform_that_never_reports_again_is_flagged_every_day_the_clock_reaches() -> None:
    engine = Engine([V1])
    last = DAY0 + timedelta(hours=10, minutes=30)
    _beating_until(engine, last)
    [flag] = _violations(engine.advance(last + timedelta(hours=1)))
    verdicts = engine.advance(DAY0 + timedelta(days=1, minutes=6))
    next_flag, judged = _violations(verdicts)
    assert (next_flag.subject, next_flag.detected_at) == (NEXT, DAY0 + timedelta(days=1))
    assert judged.violation_id == flag.violation_id and judged.revision == flag.revision + 1
    assert judged.measured == (timedelta(hours=13, minutes=25)).total_seconds()
    [check] = [v for v in verdicts if isinstance(v, Check) and v.rule == "ivr.availability"]
    assert check.violated and check.subject == SUBJECT
    [whole] = [
        v
        for v in _violations(engine.advance(DAY0 + timedelta(days=2, minutes=6)))
        if v.subject == NEXT
    ]
    assert (whole.violation_id, whole.measured) == (next_flag.violation_id, 86_400.0)


def test_a_heartbeat_within_the_gap_raises_nothing() -> None:
    engine = Engine([V1])
    last = DAY0 + timedelta(hours=10, minutes=30)
    _beating_until(engine, last)
    engine.process(_beat(last + timedelta(minutes=5)))
    assert _violations(engine.advance(last + timedelta(minutes=5, seconds=30))) == []


def test_when_the_platform_comes_back_the_day_is_judged_on_the_gap_alone() -> None:
    engine = Engine([V1])
    last = DAY0 + timedelta(hours=10, minutes=30)
    _beating_until(engine, last)
    [flag] = _violations(engine.advance(last + timedelta(minutes=10)))
    back = last + timedelta(minutes=20)
    at = back
    while at <= DAY0 + timedelta(days=1, minutes=1):
        engine.process(_beat(at))
        at += timedelta(minutes=1)
    [judged] = _violations(engine.advance(DAY0 + timedelta(days=1, minutes=6)))
    assert judged.violation_id == flag.violation_id and judged.revision == flag.revision + 1
    assert judged.measured == timedelta(minutes=15).total_seconds()  # 10:35 (10:30 + 5) to 10:50


def test_an_armed_alarm_survives_a_checkpoint() -> None:
    engine = Engine([V1])
    last = DAY0 + timedelta(hours=10, minutes=30)
    _beating_until(engine, last)
    engine.advance(last + timedelta(minutes=1))
    restored: Engine = snapshot.loads(snapshot.dumps(engine))
    [flag] = _violations(restored.advance(last + timedelta(minutes=6)))
    assert flag.subject == SUBJECT


def test_a_platform_silent_beyond_the_retention_is_forgotten() -> None:
    engine = Engine([V1])
    last = DAY0 + timedelta(hours=10, minutes=30)
    _beating_until(engine, last)
    for day in range(1, 40):
        engine.advance(DAY0 + timedelta(days=day, minutes=6))
    assert _violations(engine.advance(DAY0 + timedelta(days=41))) == []
