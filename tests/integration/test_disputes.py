"""Disputes end to end on the real broker and engine: a step taken through the dashboard's
command is published to svc.disputes, projected into the svc.disputes table, and the
violation's status derived from it. Rows are in province JL, each test's own unit."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from kafka import KafkaProducer
from streamlit.testing.v1 import AppTest

from dashboard.data.disputes import dispute_history, landed, voided_violations
from dashboard.data.violations import Status, ViolationFilter, count_violations, violation
from dashboard.dispute_commands import dispute_producer, take
from dashboard.dispute_rules import DisputeAction, DisputeEvent, DisputeRefused
from dashboard.scope import Scope
from dashboard.session import VIEWER_KEY
from dashboard.viewer import Role, Viewer
from processors.sink.batch_sink import ClickHouseSink
from processors.sink.projector import Projector

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
MANAGER = Viewer("jl-manager", Role.PROVINCE_MANAGER, "JL")
OTHER_MANAGER = Viewer("ln-manager", Role.PROVINCE_MANAGER, "LN")
HQ = Viewer("hq-auditor", Role.HQ_AUDITOR)


@pytest.fixture(scope="module")
def producer(kafka_bootstrap: str) -> Iterator[KafkaProducer]:
    producer = dispute_producer(kafka_bootstrap)
    yield producer
    producer.close()


def _seed_violation(clickhouse: Client) -> str:
    run = uuid.uuid4().hex[:8]
    record = {
        "violation_id": f"vd-{run}", "standard": "cmcc-service", "version": 1,
        "rule": "hall.wait_time", "clause": "CH 1.4.7", "severity": "major", "province": "JL",
        "unit": f"JL-{run}", "subject": f"visit-{run}", "detected_at": "2026-03-02T23:30:00+08:00",
        "measured": 700.0, "limit": 600.0, "measure": "seconds", "evidence": [],
        "message_zh": "等候超时", "message_en": "waited too long", "retracted": False, "revision": 0,
    }  # fmt: skip
    sink = ClickHouseSink(clickhouse)
    sink.add("svc.violations", 0, 0, json.dumps(record).encode())
    sink.flush()
    return record["violation_id"]  # type: ignore[return-value]


def _until(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not projected in time")
        time.sleep(0.2)


def test_a_dispute_filed_and_accepted_voids_the_violation(
    clickhouse: Client, producer: KafkaProducer, projector: Projector
) -> None:
    violation_id = _seed_violation(clickhouse)
    filed = take(
        clickhouse,
        producer,
        MANAGER,
        violation_id,
        DisputeAction.FILED,
        " 排队机故障，客户 13812345678 ",
    )
    _until(lambda: landed(clickhouse, [filed.event_id]) == {filed.event_id})
    [stored] = dispute_history(clickhouse, Scope(), violation_id)
    assert (stored.dispute_id, stored.action, stored.actor) == (
        filed.dispute_id,
        DisputeAction.FILED,
        "jl-manager",
    )
    assert stored.reason.startswith("排队机故障，客户 ") and "13812345678" not in stored.reason
    found = violation(clickhouse, Scope(), violation_id)
    assert found is not None and found.status is Status.DISPUTED
    with pytest.raises(DisputeRefused, match="already_open"):
        take(clickhouse, producer, MANAGER, violation_id, DisputeAction.FILED, "again")
    with pytest.raises(DisputeRefused, match="not_found"):
        take(clickhouse, producer, OTHER_MANAGER, violation_id, DisputeAction.FILED, "mine")

    accepted = take(clickhouse, producer, HQ, violation_id, DisputeAction.ACCEPTED, "")
    assert accepted.dispute_id == filed.dispute_id
    _until(lambda: landed(clickhouse, [accepted.event_id]) == {accepted.event_id})
    found = violation(clickhouse, Scope(), violation_id)
    assert found is not None and found.status is Status.VOIDED
    assert found.dispute_status == "voided"
    [voided] = [v for v in voided_violations(clickhouse, Scope()) if v.violation_id == violation_id]
    assert (voided.province, voided.rule, voided.detected_day) == (
        "JL",
        "hall.wait_time",
        date(2026, 3, 2),
    )
    assert voided_violations(clickhouse, Scope(frozenset({"LN"}))) == []
    only_it = ViolationFilter(unit=found.unit, status=Status.VOIDED)
    assert count_violations(clickhouse, MANAGER.scope, only_it) == 1


def test_a_rejected_dispute_leaves_the_violation_open_and_may_be_filed_again(
    clickhouse: Client, producer: KafkaProducer, projector: Projector
) -> None:
    violation_id = _seed_violation(clickhouse)
    filed = take(clickhouse, producer, MANAGER, violation_id, DisputeAction.FILED, "理由")
    with pytest.raises(DisputeRefused, match="already_open"):
        take(clickhouse, producer, MANAGER, violation_id, DisputeAction.FILED, "x", pending=[filed])
    with pytest.raises(DisputeRefused, match="no_reason"):
        take(clickhouse, producer, HQ, violation_id, DisputeAction.REJECTED, " ", pending=[filed])
    rejected = take(
        clickhouse, producer, HQ, violation_id, DisputeAction.REJECTED, "证据充分", pending=[filed]
    )
    _until(lambda: len(landed(clickhouse, [filed.event_id, rejected.event_id])) == 2)
    found = violation(clickhouse, Scope(), violation_id)
    assert found is not None
    assert (found.status, found.dispute_status) == (Status.OPEN, "rejected")
    again = take(clickhouse, producer, MANAGER, violation_id, DisputeAction.FILED, "新证据")
    assert again.dispute_id != filed.dispute_id


def test_the_page_files_and_accepts_and_shows_pending_until_projected(
    clickhouse: Client, chdb_dsn: str, projector: Projector, monkeypatch: pytest.MonkeyPatch
) -> None:
    violation_id = _seed_violation(clickhouse)
    monkeypatch.setenv("SVC_CLICKHOUSE_DSN", chdb_dsn)

    def page(as_viewer: Viewer) -> AppTest:
        app = AppTest.from_file(str(APP), default_timeout=60).switch_page("views/violations.py")
        app.session_state[VIEWER_KEY] = as_viewer
        app.query_params["violation"] = violation_id
        return app.run()

    def settled(app: AppTest) -> AppTest:
        deadline = time.monotonic() + 60
        while any("正在写入" in i.value for i in app.info):
            assert time.monotonic() < deadline, "still pending"
            time.sleep(0.5)
            app.run()
        return app

    manager = page(MANAGER)
    assert not manager.exception
    manager.text_area(key="evidence.file.reason").input("叫号机当日故障")  # sent with the form
    manager.button(key="evidence.file.submit").click().run()
    assert not manager.exception
    settled(manager)  # pending, unless the projector stored it before the rerun read it
    assert {m.label: m.value for m in manager.metric}["状态"] == "申诉中"
    assert not manager.text_area  # one open dispute: nothing more to file

    hq = page(HQ)
    hq.button(key="evidence.decide.accept").click().run()
    assert not hq.exception
    settled(hq)
    assert {m.label: m.value for m in hq.metric}["状态"] == "已作废"
    assert "不计入合规率" in hq.warning[0].value
    history = hq.dataframe[0].value
    assert history["操作"].tolist() == ["提出申诉", "接受申诉（作废）"]
    assert history["操作人"].tolist() == ["jl-manager", "hq-auditor"]


def test_the_dispute_record_fills_every_column_of_its_table(clickhouse: Client) -> None:
    """The sink ignores extra fields and zero-fills missing ones: both sides must agree."""
    rows = clickhouse.query(
        "SELECT name FROM system.columns WHERE database = 'svc' AND table = 'disputes'"
        " AND default_kind = ''"
    ).result_rows
    event = DisputeEvent(
        "e", "d", "v", DisputeAction.FILED, "JL", "JL-1", "hall.wait_time",
        datetime(2026, 3, 2, tzinfo=UTC), "someone", Role.PROVINCE_MANAGER,
        datetime(2026, 11, 30, tzinfo=UTC), "why",
    )  # fmt: skip
    assert set(event.record()) == {name for (name,) in rows}
