"""The deadline clocks the engine publishes for the at-risk page: opened, then closed once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from events.envelope import Envelope
from standards.evaluate import evaluate
from standards.testing import Clock, as_bytes, clocks, engine, event, installed, run
from standards.verdicts import ClockState

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
REPAIR = "repair.deadline"


def _opened(subject: str = "t1", at: datetime = T0, area: str = "urban") -> Envelope:
    return event(
        "repair.ticket.opened",
        at,
        subject,
        area=area,
        customer="c-1",
        important_customer=False,
        monthly_fee="58.00",
    )


def test_a_long_deadline_publishes_its_clock_when_it_opens() -> None:
    [opened] = clocks(run([_opened()]), REPAIR)
    assert (opened.started_at, opened.due_at) == (T0, T0 + timedelta(hours=48))
    assert (opened.province, opened.unit, opened.subject) == ("GD", "GD-SZ-0001", "t1")
    assert not opened.closed and opened.closed_at is None and opened.revision == 0


def test_a_met_deadline_closes_its_clock_as_the_same_row() -> None:
    resolved = event("repair.ticket.resolved", T0 + timedelta(hours=5), "t1", cause="network")
    opened, closed = clocks(run([_opened(), resolved]), REPAIR)
    assert closed.clock_id == opened.clock_id
    assert (closed.closed, closed.closed_at, closed.outcome) == (True, resolved.time, "met")
    assert closed.revision > opened.revision
    assert (closed.started_at, closed.due_at) == (opened.started_at, opened.due_at)


def test_a_passed_deadline_closes_its_clock_as_breached_once() -> None:
    live = engine()
    live.process(_opened())
    hand = Clock(live, T0)
    fired = hand.advance(timedelta(hours=49))
    [closed] = clocks(fired, REPAIR)
    assert (closed.outcome, closed.closed_at) == ("breached", T0 + timedelta(hours=48))
    late_end = live.process(
        event("repair.ticket.resolved", T0 + timedelta(hours=50), "t1", cause="network")
    )
    assert clocks(late_end, REPAIR) == []


def test_short_deadlines_and_minimum_spans_publish_no_clock() -> None:
    verdicts = run(
        [
            event("hall.stain.reported", T0, "s1", area="x"),  # 5 minutes
            event("hall.day.opened", T0, "d1"),  # a span that must last: no deadline
        ]
    )
    assert clocks(verdicts) == []


def test_a_second_start_of_the_subject_replaces_the_clock() -> None:
    again = T0 + timedelta(hours=1)
    first, replaced, second = clocks(run([_opened(), _opened(at=again)]), REPAIR)
    assert replaced.clock_id == first.clock_id and replaced.outcome == "replaced"
    assert second.clock_id != first.clock_id and second.started_at == again


def test_an_exempt_end_closes_the_clock_as_exempt() -> None:
    exempt = event("repair.ticket.resolved", T0 + timedelta(hours=2), "t1", cause="terminal")
    [_, closed] = clocks(run([_opened(), exempt]), REPAIR)
    assert closed.outcome == "exempt"


def test_every_field_reaches_the_record() -> None:
    [opened] = clocks(run([_opened()]), REPAIR)
    assert list(opened.to_record()) == [f.name for f in dataclasses.fields(ClockState)]


def test_offline_evaluation_counts_the_same_clock_states_as_the_engine() -> None:
    events = [
        _opened("t1"),
        _opened("t2", area="rural"),
        event("repair.ticket.resolved", T0 + timedelta(hours=3), "t1", cause="network"),
    ]
    outcome = evaluate([as_bytes(e) for e in events], installed())
    assert outcome.invalid == 0
    assert outcome.clocks == len(clocks(run(events, flush=True)))
    assert outcome.clocks > 0


def test_an_excused_deadline_closes_its_clock_as_excused_when_it_passes() -> None:
    live = engine()
    live.process(_opened())
    notified = event("repair.customer.notified", T0 + timedelta(hours=40), "t1", reason="delay")
    live.process(notified)
    fired = Clock(live, T0).advance(timedelta(hours=49))
    [excused] = clocks(fired, "repair.delay_notice")
    [breached] = clocks(fired, REPAIR)
    assert (excused.outcome, breached.outcome) == ("excused", "breached")
