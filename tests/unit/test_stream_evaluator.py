"""The worker's evaluator: one engine, events in time order, the slowest partition's
event time. Pure, no Kafka."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from processors.worker.stream_evaluator import StreamEvaluator
from standards.engine import Engine
from standards.loader import load_standards
from standards.verdicts import Verdict, Violation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STANDARDS = load_standards()
HALL = "svc.events.hall"


def _raw(subject: str, kind: str, at: datetime, **data: object) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"{subject}-{kind}",
            "source": "/provinces/GD/halls/H1",
            "type": f"hall.visit.{kind}",
            "time": at.isoformat(),
            "subject": subject,
            "province": "GD",
            "unit": "H1",
            "data": data,
        }
    ).encode()


def _check_in(subject: str, at: datetime, brand: str = "gotone_vip") -> bytes:
    return _raw(subject, "checked_in", at, brand=brand, customer=f"c-{subject}")


def _evaluator(now: datetime | None = None) -> StreamEvaluator:
    return StreamEvaluator(
        Engine(STANDARDS),
        lateness=timedelta(0),
        idle_after=10.0,
        clock=lambda: now or datetime.now(UTC),
    )


def _subjects(verdicts: list[Verdict]) -> list[str]:
    return [v.subject for v in verdicts if isinstance(v, Violation)]


def test_a_partition_running_ahead_does_not_fire_another_partitions_clocks() -> None:
    ev = _evaluator()
    ev.accept(HALL, 0, 0, _check_in("a", T0), wall=0.0)
    ev.accept(HALL, 1, 0, _check_in("b", T0 + timedelta(hours=3), "gotone"), wall=0.0)
    assert _subjects(ev.settle(wall=0.5)) == []
    served = _raw("a", "service_started", T0 + timedelta(minutes=5), counter="1", staff="s1")
    ev.accept(HALL, 0, 1, served, wall=1.0)
    assert _subjects(ev.settle(wall=1.5)) == []


def test_events_reach_the_engine_in_time_order_across_partitions() -> None:
    ev = _evaluator()
    ev.accept(HALL, 1, 0, _check_in("b", T0 + timedelta(minutes=1), "gotone"), wall=0.0)
    ev.accept(HALL, 0, 0, _check_in("a", T0), wall=0.0)
    assert ev.buffered == 2
    ev.settle(wall=0.1)
    assert ev.buffered == 1
    ev.accept(HALL, 0, 1, _check_in("c", T0 + timedelta(minutes=2)), wall=0.2)
    ev.settle(wall=0.3)
    assert ev.buffered == 1
    assert ev.engine.watermark == T0 + timedelta(minutes=1)


def test_the_watermark_is_the_slowest_live_partition() -> None:
    ev = _evaluator()
    ev.accept(HALL, 0, 0, _check_in("a", T0), wall=0.0)
    ev.accept(HALL, 1, 0, _check_in("b", T0 + timedelta(hours=1), "mzone"), wall=0.0)
    assert ev.watermark(wall=5.0) == T0
    ev.accept(HALL, 0, 1, _check_in("c", T0 + timedelta(minutes=20)), wall=6.0)
    assert ev.watermark(wall=7.0) == T0 + timedelta(minutes=20)
    assert _subjects(ev.settle(wall=7.0)) == ["a"]


def test_an_idle_partition_stops_holding_the_watermark_back() -> None:
    ev = _evaluator()
    ev.accept(HALL, 0, 0, _check_in("a", T0), wall=0.0)
    ev.accept(HALL, 1, 0, _check_in("b", T0 + timedelta(hours=1), "mzone"), wall=8.0)
    assert ev.settle(wall=9.0) == []
    assert _subjects(ev.settle(wall=11.0)) == ["a"]


def test_when_every_partition_is_idle_the_furthest_one_leads() -> None:
    ev = _evaluator()
    ev.accept(HALL, 0, 0, _check_in("a", T0), wall=0.0)
    ev.accept(HALL, 1, 0, _check_in("b", T0 + timedelta(hours=1), "mzone"), wall=0.0)
    assert _subjects(ev.settle(wall=30.0)) == ["a"]
    assert ev.settle(wall=31.0) == []


def test_a_bad_message_becomes_a_dead_letter_with_its_reason() -> None:
    ev = _evaluator()
    letter = ev.accept(HALL, 3, 42, b'{"id": "x", "time": "yesterday"}', wall=0.0)
    assert letter is not None
    assert ev.buffered == 0
    assert letter.offset == 42 and letter.raw == b'{"id": "x", "time": "yesterday"}'
    assert "time" in letter.reason
    assert letter.to_record(T0)["letter_id"] == "svc.events.hall:3:42"


def test_an_event_from_the_future_is_a_dead_letter_and_moves_no_clock() -> None:
    ev = _evaluator(now=T0)
    ev.accept(HALL, 0, 0, _check_in("a", T0), wall=0.0)
    letter = ev.accept(HALL, 0, 1, _check_in("z", T0 + timedelta(hours=2), "gotone"), wall=0.0)
    assert letter is not None and "future" in letter.reason
    assert ev.buffered == 1
    assert ev.settle(wall=100.0) == []
