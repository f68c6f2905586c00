"""Events inside a checkpoint (a shard's waiting ones, rules' evidence) come back equal."""

from __future__ import annotations

import json
from decimal import Decimal

from events.envelope import Envelope, parse_event
from events.simulator.context import SimConfig
from events.simulator.memory import simulate_in_memory
from events.simulator.timespec import parse_start
from standards import snapshot


def _round_trip(events: list[Envelope]) -> list[Envelope]:
    back = snapshot.loads(snapshot.dumps(events))
    assert isinstance(back, list)
    return back


def test_every_simulated_event_type_comes_back_equal_and_of_its_type() -> None:
    start = parse_start("2026-03-02", 0)
    config = SimConfig(("GD",), start, start + 3 * 86_400_000, seed=5, violation_rate=0.3)
    events = [parse_event(line) for line in simulate_in_memory(config).events]
    assert len({e.type for e in events}) > 20
    back = _round_trip(events)
    assert back == events
    assert [type(e) for e in back] == [type(e) for e in events]


def test_money_and_extra_fields_survive_as_sent() -> None:
    waiver = {
        "specversion": "1.0", "id": "w-1", "source": "/provinces/GD/repair/GD-R01",
        "type": "repair.fee.waived", "time": "2026-03-04T09:00:00Z", "subject": "GD-T0001",
        "province": "GD", "unit": "GD-R01", "traceparent": "00-abc-01",
        "data": {"amount": 1e2, "period_start": "2026-03-01T09:00:00+08:00",
                 "period_end": "2026-03-04T08:00:00+08:00", "note": {"by": "ops"}},
    }  # fmt: skip
    events = [parse_event(json.dumps(waiver)), parse_event(json.dumps(waiver | {"id": "w-2"}))]
    back = _round_trip(events)
    assert back == events
    assert back[0].data["amount"] == Decimal(100)
    assert back[0].model_extra == {"traceparent": "00-abc-01"}
    assert back[0].time.utcoffset() == events[0].time.utcoffset()
