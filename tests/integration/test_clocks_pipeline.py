"""Deadline clocks through the real pipeline: the worker publishes each repair ticket's clock
to `svc.clocks` when it opens and again when it closes, and the projector keeps the latest
state per clock in ClickHouse (the at-risk page's table)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from clickhouse_connect.driver.client import Client
from private_pipeline import broker, closing_events, sink, worker
from scenario_support import PrivateBroker, WorkerProcess, publish_messages, wait_until_equal

from standards.testing import as_bytes, event

pytestmark = pytest.mark.integration
__all__ = ["broker", "sink", "worker"]  # fixtures


def _ticket(unit: str, subject: str, at: datetime) -> bytes:
    opened = event(
        "repair.ticket.opened",
        at,
        subject,
        unit=unit,
        area="urban",
        customer="c-1",
        important_customer=False,
        monthly_fee="58.00",
    )
    return as_bytes(opened)


def test_clocks_land_open_and_close_when_the_deadline_is_met_or_passes(
    broker: PrivateBroker, sink: Client, worker: WorkerProcess
) -> None:
    run = uuid.uuid4().hex[:8]
    unit = f"HL-R-{run}"
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = now - timedelta(hours=60)
    resolved = event(
        "repair.ticket.resolved", t0 + timedelta(hours=5), "met", unit=unit, cause="network"
    )
    repair = "svc.events.repair"
    publish_messages(
        broker.bootstrap,
        [
            (repair, _ticket(unit, "met", t0)),
            (repair, _ticket(unit, "breached", t0)),
            (repair, as_bytes(resolved)),
            (repair, _ticket(unit, "open", now - timedelta(hours=2))),
            *closing_events(now - timedelta(minutes=1), run),
        ],
    )
    worker.start()

    def states() -> set[str]:
        rows = sink.query(
            "SELECT subject, closed, outcome, dateDiff('second', started_at, due_at) "
            "FROM svc.clocks FINAL "
            "WHERE unit = {unit:String} AND rule = 'repair.deadline'",
            parameters={"unit": unit},
        ).result_rows
        return {f"{s} {'closed' if c else 'open'} {o} {int(d)}" for s, c, o, d in rows}

    hours48 = 48 * 3600
    expected = {
        f"met closed met {hours48}",
        f"breached closed breached {hours48}",
        f"open open  {hours48}",
    }
    assert wait_until_equal(states, expected, 180) == expected
    rules = sink.query(
        "SELECT DISTINCT rule FROM svc.clocks WHERE unit = {unit:String}",
        parameters={"unit": unit},
    ).result_rows
    # every deadline rule a ticket starts publishes its clock; no short one does
    assert {r for (r,) in rules} == {"repair.deadline", "repair.delay_notice", "repair.fee_waiver"}
