"""The ClickHouse sink against the real engine (chDB): idempotent, scoped reads."""

from __future__ import annotations

import json
import uuid

import pytest
from clickhouse_connect.driver.client import Client

from dashboard.data.violations import (
    ViolationFilter,
    evidence_events,
    filter_options,
    find_violations,
)
from dashboard.scope import Scope
from processors.sink.batch_sink import ClickHouseSink

pytestmark = pytest.mark.integration


def _violation(run: str, n: int, province: str) -> bytes:
    return json.dumps(
        {
            "violation_id": f"{run}-{n}",
            "standard": "cmcc-service",
            "version": 1,
            "rule": "hall.wait_time",
            "clause": "CH 1.4.7",
            "severity": "major",
            "province": province,
            "unit": f"{province}-{run}",
            "subject": f"visit-{n}",
            "detected_at": "2026-03-02T09:10:00+08:00",
            "measured": 700.0,
            "limit": 600.0,
            "evidence": [f"e{n}"],
            "message_zh": "超时",
            "message_en": "too long",
            "retracted": False,
            "revision": 0,
            "a_field_from_a_newer_engine": 1,
        }
    ).encode()


def _count(client: Client, run: str) -> int:
    rows = client.query(
        "SELECT count() FROM svc.violations WHERE violation_id LIKE {p:String}",
        parameters={"p": f"{run}-%"},
    ).result_rows
    return int(rows[0][0])


def test_the_same_batch_flushed_twice_is_stored_once(clickhouse: Client) -> None:
    run = uuid.uuid4().hex[:8]
    sink = ClickHouseSink(clickhouse)
    for attempt in range(2):
        for offset in range(3):
            sink.add("svc.violations", 0, 100 + offset, _violation(run, offset, "SC"))
        assert sink.flush() == 3, attempt
    assert _count(clickhouse, run) == 3


def test_other_messages_at_the_same_offsets_are_not_taken_for_a_retry(clickhouse: Client) -> None:
    """A recreated topic, or another cluster, restarts offsets: its batch must be stored."""
    runs = [uuid.uuid4().hex[:8] for _ in range(2)]
    sink = ClickHouseSink(clickhouse)
    for run in runs:
        sink.add("svc.violations", 2, 0, _violation(run, 0, "SC"))
        assert sink.flush() == 1
    assert [_count(clickhouse, run) for run in runs] == [1, 1]


def test_undecodable_message_is_skipped_not_fatal(clickhouse: Client) -> None:
    run = uuid.uuid4().hex[:8]
    sink = ClickHouseSink(clickhouse)
    sink.add("svc.violations", 1, 7, b"{not json")
    sink.add("svc.violations", 1, 8, _violation(run, 1, "SC"))
    assert sink.flush() == 1
    assert sink.rows_rejected == 1
    assert _count(clickhouse, run) == 1


def test_provincial_scope_is_enforced_in_the_query(clickhouse: Client) -> None:
    run = uuid.uuid4().hex[:8]
    sink = ClickHouseSink(clickhouse)
    sink.add("svc.violations", 2, 1, _violation(run, 1, "HN"))
    sink.add("svc.violations", 2, 2, _violation(run, 2, "HB"))
    sink.flush()
    scoped = Scope(frozenset({"HN"}))
    assert filter_options(clickhouse, scoped).provinces == ["HN"]
    assert find_violations(clickhouse, scoped, ViolationFilter(province="HB")).rows == []
    [row] = find_violations(
        clickhouse, scoped, ViolationFilter(province="HN", unit=f"HN-{run}")
    ).rows
    assert row.evidence == ["e1"] and row.limit == 600.0
    assert row.detected_at.isoformat() == "2026-03-02T09:10:00+08:00"


def _hall_event(run: str, n: int, province: str) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"e{n}-{run}",
            "source": "/provinces/x",
            "type": "hall.visit.checked_in",
            "time": "2026-03-02T09:00:00+08:00",
            "subject": f"visit-{n}",
            "province": province,
            "unit": f"{province}-{run}",
            "data": {"brand": "gotone_vip", "customer": "c-1"},
        }
    ).encode()


def test_the_events_behind_a_violation_are_found_and_scoped(clickhouse: Client) -> None:
    run = uuid.uuid4().hex[:8]
    sink = ClickHouseSink(clickhouse)
    for n in (1, 2):
        sink.add("svc.events.hall", 0, n, _hall_event(run, n, "HN"))
    record = json.loads(_violation(run, 1, "HN"))
    record["evidence"] = [f"e1-{run}"]
    sink.add("svc.violations", 3, 1, json.dumps(record).encode())
    sink.flush()
    [violation] = find_violations(clickhouse, Scope(), ViolationFilter(unit=f"HN-{run}")).rows
    [event] = evidence_events(clickhouse, Scope(), violation)
    assert (event.id, event.type, event.subject) == (
        f"e1-{run}",
        "hall.visit.checked_in",
        "visit-1",
    )
    assert json.loads(event.data) == {"brand": "gotone_vip", "customer": "c-1"}
    assert event.time.isoformat() == "2026-03-02T09:00:00+08:00"
    assert evidence_events(clickhouse, Scope(frozenset({"GD"})), violation) == []
