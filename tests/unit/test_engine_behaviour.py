"""The engine's contract: event time only, bounded state, deduplication, versions in force, records."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from events.envelope import Envelope
from standards.engine import Engine
from standards.loader import load_standards
from standards.verdicts import Check, Verdict, Violation

[V1] = load_standards()
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in China


def _event(
    kind: str,
    subject: str,
    at: datetime,
    unit: str = "GD-SZ-0001",
    event_id: str | None = None,
    **data: object,
) -> Envelope:
    return Envelope(
        specversion="1.0",
        id=event_id or f"{subject}-{kind}-{at.timestamp()}",
        source=f"/provinces/GD/units/{unit}",
        type=kind,
        time=at,
        subject=subject,
        province="GD",
        unit=unit,
        data=data,
    )


def _visit(engine: Engine, n: int, at: datetime, wait: timedelta) -> list[Verdict]:
    subject = f"v{n}"
    out = engine.process(_event("hall.visit.checked_in", subject, at, brand="mzone", customer="c"))
    out += engine.process(
        _event("hall.visit.service_started", subject, at + wait, counter="1", staff="s")
    )
    return out


def test_state_stays_bounded_when_entities_close() -> None:
    engine = Engine([V1])
    for n in range(2000):
        at = T0 + timedelta(seconds=10 * n)
        _visit(engine, n, at, timedelta(minutes=3))
        engine.advance(at)
    call = "call-1"
    engine.process(_event("hotline.call.answered", call, T0, unit="GD-CC1", agent="a"))
    engine.process(
        _event(
            "hotline.call.ended", call, T0 + timedelta(minutes=2), unit="GD-CC1", ended_by="agent"
        )
    )
    assert engine.entities() > 0
    engine.advance(T0 + timedelta(hours=12))
    assert engine.entities() == 0
    # what is left: event ids of at most two dedupe windows (1 h each, 360 visits/h), no timers
    assert engine.state_size() <= 2 * 360 * 2


def test_entities_that_never_close_are_forgotten_after_the_retention() -> None:
    engine = Engine([V1])
    for n in range(50):
        at = T0 + timedelta(minutes=n)
        engine.process(_event("hotline.call.answered", f"c{n}", at, unit="GD-CC1", agent="a"))
        engine.process(
            _event(
                "hotline.utterance",
                f"c{n}",
                at,
                unit="GD-CC1",
                speaker="agent",
                started_at=at,
                ended_at=at,
                text="您好",
            )
        )
    assert engine.entities() >= 50
    engine.advance(T0 + timedelta(days=31))
    assert engine.entities() == 0


def test_duplicate_event_ids_count_once() -> None:
    engine = Engine([V1])
    first = _event("hall.stain.reported", "s1", T0, area="x")
    assert engine.process(first) == []
    assert engine.process(first) == []
    verdicts = engine.process(
        _event("hall.stain.cleaned", "s1", T0 + timedelta(minutes=9), area="x")
    )
    assert len([v for v in verdicts if isinstance(v, Violation)]) == 1


def test_the_version_in_force_at_the_event_time_applies() -> None:
    switch = datetime(2026, 3, 1, tzinfo=UTC)
    old = V1.model_copy(update={"effective_to": switch})
    stain = V1.rule("hall.stain_cleanup")
    params = stain.params.model_copy(update={"limits": {"default": timedelta(minutes=10)}})
    rules = [r.model_copy(update={"params": params}) if r.id == stain.id else r for r in V1.rules]
    new = V1.model_copy(update={"version": 2, "effective_from": switch, "rules": rules})
    engine = Engine([new, old])
    before = switch - timedelta(days=1)
    late_old = engine.process(_event("hall.stain.reported", "a", before, area="x"))
    late_old += engine.process(
        _event("hall.stain.cleaned", "a", before + timedelta(minutes=7), area="x")
    )
    fine_new = engine.process(_event("hall.stain.reported", "b", T0, area="x"))
    fine_new += engine.process(
        _event("hall.stain.cleaned", "b", T0 + timedelta(minutes=7), area="x")
    )
    [violation] = [v for v in late_old if isinstance(v, Violation)]
    assert violation.version == 1
    assert [v for v in fine_new if isinstance(v, Violation)] == []
    assert {c.version for c in fine_new if isinstance(c, Check)} == {2}


def test_events_before_any_version_are_ignored() -> None:
    engine = Engine([V1])
    assert (
        engine.process(
            _event("hall.stain.reported", "s", datetime(2020, 1, 1, tzinfo=UTC), area="x")
        )
        == []
    )
    assert engine.flush() == []


@pytest.mark.parametrize("rule", ["repair.deadline", "repair.delay_notice"])
def test_a_voided_violation_is_retracted_with_the_same_id_and_a_higher_revision(rule: str) -> None:
    """GS 2.5's terminal exemption covers the deadline and the delay notice alike: both are
    raised at the deadline, when the cause is unknown, and retracted once it is the terminal."""
    engine = Engine([V1])
    engine.process(
        _event(
            "repair.ticket.opened",
            "t1",
            T0,
            unit="GD-RT1",
            area="urban",
            customer="c",
            important_customer=False,
            monthly_fee=58.0,
        )
    )
    fired = [
        v
        for v in engine.advance(T0 + timedelta(hours=49))
        if isinstance(v, Violation) and v.rule == rule
    ]
    later = engine.process(
        _event(
            "repair.ticket.resolved",
            "t1",
            T0 + timedelta(hours=50),
            unit="GD-RT1",
            cause="terminal",
        )
    )
    [provisional] = fired
    [retracted] = [v for v in later if isinstance(v, Violation) and v.rule == rule]
    assert retracted.violation_id == provisional.violation_id
    assert retracted.retracted and not provisional.retracted
    assert retracted.revision == provisional.revision + 1
    checks = [v for v in later if isinstance(v, Check) and v.rule == rule]
    assert [c.violated for c in checks] == [False]


def test_a_late_terminal_ticket_owes_neither_delay_notice_nor_fee_waiver() -> None:
    engine = Engine([V1])
    opened = _event(
        "repair.ticket.opened",
        "t1",
        T0,
        unit="GD-RT1",
        area="urban",
        customer="c",
        important_customer=False,
        monthly_fee=58.0,
    )
    resolved = _event(
        "repair.ticket.resolved", "t1", T0 + timedelta(hours=50), unit="GD-RT1", cause="terminal"
    )
    verdicts = engine.process(opened) + engine.process(resolved)
    verdicts += engine.advance(T0 + timedelta(days=30)) + engine.flush()
    assert [v for v in verdicts if isinstance(v, Violation)] == []


def test_records_are_json_and_carry_provenance() -> None:
    engine = Engine([V1])
    engine.process(_event("hall.stain.reported", "s1", T0, area="x"))
    verdicts = engine.process(
        _event("hall.stain.cleaned", "s1", T0 + timedelta(minutes=6), area="x")
    )
    [violation] = [v for v in verdicts if isinstance(v, Violation)]
    [check] = [v for v in verdicts if isinstance(v, Check)]
    record = json.loads(json.dumps(violation.to_record()))
    for name in (
        "rule",
        "subject",
        "province",
        "unit",
        "clause",
        "standard",
        "version",
        "detected_at",
        "evidence",
    ):
        assert name in record
    assert record["clause"] == "CH 1.3.2"
    assert record["measured"] == 360 and record["limit"] == 300
    assert "上限 5 分钟" in record["message_zh"] and "limit 5 min" in record["message_en"]
    assert json.loads(json.dumps(check.to_record()))["day"] == "2026-03-02"


def test_check_day_is_the_china_day() -> None:
    engine = Engine([V1])
    late_evening_utc = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 03-02 in China
    engine.process(_event("hall.stain.reported", "s1", late_evening_utc, area="x"))
    [check] = engine.process(
        _event("hall.stain.cleaned", "s1", late_evening_utc + timedelta(minutes=1), area="x")
    )
    assert isinstance(check, Check)
    assert check.day.isoformat() == "2026-03-02"


def test_flush_reports_deadlines_passed_by_the_latest_event_only() -> None:
    engine = Engine([V1])
    engine.process(_event("hall.stain.reported", "due", T0, area="x"))
    engine.process(_event("hall.stain.reported", "not-yet", T0 + timedelta(minutes=4), area="x"))
    engine.process(_event("hall.day.closed", "hd", T0 + timedelta(minutes=6)))
    flushed = [v.subject for v in engine.flush() if isinstance(v, Violation)]
    assert flushed == ["due"]


def test_records_carry_every_field_of_their_verdict() -> None:
    """`to_record` is written field by field for speed: a field added to a verdict must
    be added there too, or it would never reach Kafka."""
    engine = Engine([V1])
    engine.process(_event("hall.stain.reported", "s1", T0, area="x"))
    verdicts = engine.process(
        _event("hall.stain.cleaned", "s1", T0 + timedelta(minutes=6), area="x")
    )
    for verdict in verdicts:
        assert list(verdict.to_record()) == [f.name for f in dataclasses.fields(verdict)]
