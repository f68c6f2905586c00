"""Per-partition watermarks of the worker: pure, no Kafka."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from processors.worker.partitions import PartitionedEvaluator
from standards.engine import Engine
from standards.loader import load_standards
from standards.verdicts import Violation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STANDARDS = load_standards()


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


def _evaluator() -> PartitionedEvaluator:
    return PartitionedEvaluator(lambda: Engine(STANDARDS), lateness=timedelta(0), idle_after=10.0)


def test_a_partition_running_ahead_does_not_fire_another_partitions_clocks() -> None:
    ev = _evaluator()
    ev.handle(
        "svc.events.hall",
        0,
        0,
        _raw("a", "checked_in", T0, brand="gotone_vip", customer="c1"),
        wall=0.0,
    )
    ahead, _ = ev.handle(
        "svc.events.hall",
        1,
        0,
        _raw("b", "checked_in", T0 + timedelta(hours=3), brand="gotone", customer="c2"),
        wall=0.0,
    )
    served, _ = ev.handle(
        "svc.events.hall",
        0,
        1,
        _raw("a", "service_started", T0 + timedelta(minutes=5), counter="1", staff="s1"),
        wall=1.0,
    )
    assert not [v for v in ahead + served if isinstance(v, Violation)]


def test_an_idle_partition_follows_the_furthest_watermark() -> None:
    ev = _evaluator()
    ev.handle(
        "svc.events.hall",
        0,
        0,
        _raw("a", "checked_in", T0, brand="gotone_vip", customer="c1"),
        wall=0.0,
    )
    ev.handle(
        "svc.events.hall",
        1,
        0,
        _raw("b", "checked_in", T0 + timedelta(hours=1), brand="mzone", customer="c3"),
        wall=0.0,
    )
    assert ev.tick(wall=5.0) == []
    fired = [v for v in ev.tick(wall=11.0) if isinstance(v, Violation)]
    assert [v.subject for v in fired] == ["a"]


def test_a_bad_message_becomes_a_dead_letter_with_its_reason() -> None:
    ev = _evaluator()
    verdicts, letter = ev.handle(
        "svc.events.hall", 3, 42, b'{"id": "x", "time": "yesterday"}', wall=0.0
    )
    assert verdicts == []
    assert letter is not None
    assert letter.offset == 42 and letter.raw == b'{"id": "x", "time": "yesterday"}'
    assert "time" in letter.reason
    record = letter.to_record(T0)
    assert record["letter_id"] == "svc.events.hall:3:42"


def test_an_event_from_the_future_is_a_dead_letter_and_moves_no_clock() -> None:
    ev = PartitionedEvaluator(lambda: Engine(STANDARDS), lateness=timedelta(0), clock=lambda: T0)
    ev.handle(
        "svc.events.hall",
        0,
        0,
        _raw("a", "checked_in", T0, brand="gotone_vip", customer="c1"),
        wall=0.0,
    )
    verdicts, letter = ev.handle(
        "svc.events.hall",
        0,
        1,
        _raw("z", "checked_in", T0 + timedelta(hours=2), brand="gotone", customer="c2"),
        wall=0.0,
    )
    assert verdicts == []
    assert letter is not None and "future" in letter.reason
    assert ev.tick(wall=100.0) == []
