"""A standard version added while the engine runs takes effect from its effective date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.envelope import Envelope
from standards.engine import Engine
from standards.loader import load_standards
from standards.testing import revised, set_limit
from standards.verdicts import Violation

[V1] = load_standards()
SWITCH = datetime(2026, 3, 3, tzinfo=UTC)
V2 = revised(V1, version=2, effective_from=SWITCH, change=set_limit("hall.stain_cleanup", "PT3M"))


def _stain(subject: str, at: datetime, minutes: int) -> list[Envelope]:
    common = {
        "specversion": "1.0",
        "source": "/provinces/GD/halls/GD-SZ-0001",
        "subject": subject,
        "province": "GD",
        "unit": "GD-SZ-0001",
        "data": {"area": "x"},
    }
    return [
        Envelope(id=f"{subject}-r", type="hall.stain.reported", time=at, **common),
        Envelope(
            id=f"{subject}-c",
            type="hall.stain.cleaned",
            time=at + timedelta(minutes=minutes),
            **common,
        ),
    ]


def _late_stains(engine: Engine, events: list[Envelope]) -> list[tuple[str, int]]:
    found = []
    for event in events:
        for verdict in engine.process(event):
            if isinstance(verdict, Violation) and verdict.rule == "hall.stain_cleanup":
                found.append((verdict.subject, verdict.version))
    return found


EVENTS = [
    *_stain("before", SWITCH - timedelta(hours=2), 4),  # 4 min: within both limits
    *_stain("after", SWITCH + timedelta(hours=2), 4),  # 4 min: breaks v2's 3 min
]


def test_a_version_added_at_run_time_applies_to_events_after_its_effective_date() -> None:
    engine = Engine([V1])
    assert _late_stains(engine, EVENTS[:2]) == []
    assert engine.add(V2) and not engine.add(V2)
    assert engine.keys == {V1.key, V2.key}
    assert _late_stains(engine, EVENTS[2:]) == [("after", 2)]


def test_an_open_ended_earlier_version_does_not_outlive_a_later_one() -> None:
    """In-order events under v1 must not keep v1 in force past v2's effective date."""
    engine = Engine([V1, V2])
    assert _late_stains(engine, EVENTS) == [("after", 2)]
