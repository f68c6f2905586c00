"""The test kit shipped in `standards.testing`: events in one line, runs, a hand-moved clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from events.envelope import parse_event
from standards.testing import (
    Clock,
    as_bytes,
    as_json,
    checks,
    engine,
    event,
    run,
    standing,
    violations,
)

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in China


def test_an_event_in_one_line_is_a_valid_message_of_its_type() -> None:
    visit = event("hall.visit.checked_in", T0, "v1", unit="ZJ-HZ-0002", brand="mzone", customer="c")
    assert (visit.province, visit.source) == ("ZJ", "/provinces/ZJ/units/ZJ-HZ-0002")
    assert visit.data == {"brand": "mzone", "customer": "c"}
    assert (
        parse_event(as_bytes(visit)).model_dump()
        == parse_event(json.dumps(as_json(visit))).model_dump()
    )
    assert (
        event("hall.visit.checked_in", T0, "v1").id == event("hall.visit.checked_in", T0, "v1").id
    )
    assert (
        event("hall.visit.checked_in", T0, "v1").id != event("hall.visit.checked_in", T0, "v2").id
    )


def test_data_may_carry_fields_named_like_the_envelope() -> None:
    odd = event("hall.stain.reported", T0, data={"unit": "a desk", "area": "x"}, id="e1")
    assert odd.unit == "GD-SZ-0001" and odd.data == {"unit": "a desk", "area": "x"}


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        event("hall.stain.reported", datetime(2026, 3, 2, 10, 0), area="x")  # noqa: DTZ001


def test_a_run_without_lateness_fires_nothing_until_the_clock_moves() -> None:
    stain = [event("hall.stain.reported", T0, area="x")]
    assert run(stain) == []
    [late] = violations(run(stain, until=T0 + timedelta(minutes=6)), "hall.stain_cleanup")
    assert late.detected_at == T0 + timedelta(minutes=5)
    trailing = run(
        [*stain, event("hall.day.closed", T0 + timedelta(minutes=6), "d")], lateness=timedelta(0)
    )
    assert [v.subject for v in violations(trailing)] == ["s1"]


def test_the_clock_moves_forward_by_hand_and_fires_what_it_passes() -> None:
    machine = engine()
    clock = Clock(machine, T0)
    machine.process(event("hall.stain.reported", T0, area="x"))
    assert clock.advance(timedelta(minutes=5)) == []
    fired = clock.advance(timedelta(seconds=1))
    assert [v.rule for v in violations(fired)] == ["hall.stain_cleanup"]
    assert [c.violated for c in checks(fired)] == [True]
    assert clock.now == T0 + timedelta(minutes=5, seconds=1)
    with pytest.raises(ValueError, match="forward"):
        clock.to(T0)


def test_standing_drops_what_was_retracted() -> None:
    opened = event(
        "repair.ticket.opened",
        T0,
        "t1",
        unit="GD-RT1",
        area="urban",
        customer="c",
        important_customer=False,
        monthly_fee=58.0,
    )
    resolved = event(
        "repair.ticket.resolved", T0 + timedelta(hours=50), "t1", unit="GD-RT1", cause="terminal"
    )
    machine = engine()
    verdicts = run([opened], machine, until=T0 + timedelta(hours=49))
    [provisional] = standing(verdicts, "repair.deadline")[0]
    verdicts += run([resolved], machine)
    assert standing(verdicts, "repair.deadline") == ([], 1)
    assert provisional.violation_id in {v.violation_id for v in violations(verdicts) if v.retracted}
