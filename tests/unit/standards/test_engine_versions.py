"""A standard version added while the engine runs takes effect from its effective date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from events.envelope import Envelope
from standards.engine import Engine
from standards.testing import event, installed, revised, run, set_limit, violations

[V1] = installed()
SWITCH = datetime(2026, 3, 3, tzinfo=UTC)
V2 = revised(V1, version=2, effective_from=SWITCH, change=set_limit("hall.stain_cleanup", "PT3M"))


def _stain(subject: str, at: datetime, minutes: int) -> list[Envelope]:
    return [
        event("hall.stain.reported", at, subject, area="x"),
        event("hall.stain.cleaned", at + timedelta(minutes=minutes), subject, area="x"),
    ]


def _late_stains(engine: Engine, events: list[Envelope]) -> list[tuple[str, int]]:
    return [(v.subject, v.version) for v in violations(run(events, engine), "hall.stain_cleanup")]


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
