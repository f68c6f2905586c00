"""The violation explorer on the real engine (chDB): filters, keyset paging, deep links, the
detail of one violation, and the province restriction. Rows are in provinces GS and JL,
each test's own unit, so other tests' rows never count."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from streamlit.testing.v1 import AppTest

from dashboard.dispute_rules import DisputeAction, DisputeEvent
from dashboard.session import VIEWER_KEY
from dashboard.viewer import Role, Viewer
from processors.sink.batch_sink import ClickHouseSink

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
ROWS = 120


@dataclass(frozen=True)
class Seeded:
    run: str
    unit: str
    voided: str
    retracted: str
    with_evidence: str


def _violation(run: str, n: int, **changes: object) -> dict[str, object]:
    hotline = n % 4 == 0
    record: dict[str, object] = {
        "violation_id": f"ve-{run}-{n:03d}", "standard": "cmcc-service", "version": 1,
        "rule": "hotline.response_latency" if hotline else "hall.wait_time",
        "clause": "HL 2.1(2)" if hotline else "CH 1.4.7",
        "severity": "major", "province": "GS", "unit": f"GS-{run}", "subject": f"visit-{run}-{n}",
        "detected_at": f"2026-03-{1 + n // 24:02d}T{n % 24:02d}:10:00+08:00",
        "measured": 700.0, "limit": 600.0, "measure": "seconds", "evidence": [],
        "message_zh": "等候超时", "message_en": "waited too long", "retracted": False, "revision": 0,
    }  # fmt: skip
    record.update(changes)
    return record


def _dispute(run: str, violation: dict[str, object], n: int, action: str) -> bytes:
    record = {
        "event_id": f"de-{run}-{n}", "dispute_id": f"dsp-{run}", "action": action,
        "violation_id": violation["violation_id"], "province": violation["province"],
        "unit": violation["unit"], "rule": violation["rule"],
        "detected_at": violation["detected_at"], "actor": "someone",
        "role": "province_manager" if action == "filed" else "hq_auditor",
        "at": f"2026-11-30T0{n}:00:00+00:00", "reason": "队列机故障" if action == "filed" else "",
    }  # fmt: skip
    return json.dumps(record, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def seeded(clickhouse: Client) -> Seeded:
    run = uuid.uuid4().hex[:8]
    sink = ClickHouseSink(clickhouse)
    records = [_violation(run, n) for n in range(ROWS)]
    records[7]["retracted"] = True
    records[7]["revision"] = 1
    records[9]["evidence"] = [f"ev-{run}-a", f"ev-{run}-b"]
    for offset, record in enumerate(records):
        sink.add("svc.violations", 0, offset, json.dumps(record).encode())
    for n, minute in ((1, "00"), (2, "12")):
        event = {
            "specversion": "1.0", "id": f"ev-{run}-{'ab'[n - 1]}", "source": "/provinces/GS",
            "type": "hall.visit.checked_in" if n == 1 else "hall.visit.service_started",
            "time": f"2026-03-01T09:{minute}:00+08:00", "subject": f"visit-{run}-9",
            "province": "GS", "unit": f"GS-{run}", "data": {"counter": n},
        }  # fmt: skip
        sink.add("svc.events.hall", 0, n, json.dumps(event).encode())
    sink.add("svc.disputes", 0, 0, _dispute(run, records[3], 1, "filed"))
    sink.add("svc.disputes", 0, 1, _dispute(run, records[3], 2, "accepted"))
    sink.flush()
    # Later revisions, in parts of their own (unmerged): one retracts, one moves and re-measures.
    retracted = {**records[8], "retracted": True, "revision": 1, "message_zh": "已撤销"}
    moved = {**records[10], "revision": 1, "detected_at": "2026-03-01T10:20:00+08:00"}
    moved["measured"] = 900.0
    for offset, record in enumerate((retracted, moved), start=ROWS):
        sink.add("svc.violations", 0, offset, json.dumps(record).encode())
    sink.flush()
    return Seeded(run, f"GS-{run}", records[3]["violation_id"], records[7]["violation_id"], records[9]["violation_id"])  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture
def page(chdb_dsn: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SVC_CLICKHOUSE_DSN", chdb_dsn)
    app = AppTest.from_file(str(APP), default_timeout=60).switch_page("views/violations.py")
    app.session_state[VIEWER_KEY] = Viewer("hq-auditor", Role.HQ_AUDITOR)  # logged in
    return app


def _ids(app: AppTest) -> list[str]:
    return app.dataframe[0].value["编号"].tolist()


def test_pages_through_every_violation_of_the_unit_once(page: AppTest, seeded: Seeded) -> None:
    page.query_params["province"] = "GS"
    page.query_params["unit"] = seeded.unit
    page.run()
    assert not page.exception
    assert page.title[0].value == "违规查询"
    assert f"共 {ROWS} 条违规" in page.caption[1].value
    seen: list[str] = _ids(page)
    for expected in (50, 20):
        page.button(key="evidence.next").click().run()
        assert not page.exception
        ids = _ids(page)
        assert len(ids) == expected
        seen += ids
    assert "第 3 页" in page.caption[1].value
    assert page.button(key="evidence.next").disabled
    assert seen == sorted(seen, reverse=True)  # newest first: ids were numbered in time order
    assert len(set(seen)) == ROWS
    page.button(key="evidence.prev").click().run()
    assert _ids(page) == seen[50:100]


def test_a_revised_violation_shows_once_as_it_is_now(page: AppTest, seeded: Seeded) -> None:
    page.query_params["unit"] = seeded.unit
    page.query_params["status"] = "retracted"
    page.run()
    assert _ids(page) == [f"ve-{seeded.run}-008", seeded.retracted]  # 008 in two parts
    page.selectbox(key="f.status").select("open").run()
    assert f"共 {ROWS - 3} 条违规" in page.caption[1].value  # less the 2 retracted, the voided
    page.selectbox(key="f.status").select("").run()
    page.date_input(key="f.to").set_value("2026-03-01").run()
    table = page.dataframe[0].value
    moved = table[table["编号"] == f"ve-{seeded.run}-010"]
    assert moved["发现时间"].tolist() == ["2026-03-01 10:20:00"]
    assert moved["实测值"].tolist() == ["15 分钟"]


def test_filters_come_from_and_go_to_the_url(page: AppTest, seeded: Seeded) -> None:
    page.query_params["unit"] = seeded.unit
    page.query_params["status"] = "voided"
    page.run()
    assert _ids(page) == [seeded.voided]
    assert page.dataframe[0].value["状态"].tolist() == ["已作废"]
    page.selectbox(key="f.status").select("retracted").run()
    assert _ids(page) == [f"ve-{seeded.run}-008", seeded.retracted]
    assert page.query_params["status"] == "retracted"
    page.selectbox(key="f.status").select("").run()
    page.selectbox(key="f.channel").select("hotline").run()
    assert "status" not in page.query_params
    assert f"共 {ROWS // 4} 条违规" in page.caption[1].value
    page.selectbox(key="f.channel").select("").run()
    page.text_input(key="f.q").input(f"VISIT-{seeded.run}-11").run()
    assert len(_ids(page)) == 11  # 11 and 110…119: a substring, any case
    page.text_input(key="f.q").input(f"ve-{seeded.run}-011").run()
    assert _ids(page) == [f"ve-{seeded.run}-011"]
    assert page.query_params["q"] == f"ve-{seeded.run}-011"
    page.text_input(key="f.q").input("").run()
    page.date_input(key="f.from").set_value("2026-03-05").run()
    assert page.query_params["from"] == "2026-03-05"
    assert f"共 {ROWS - 4 * 24} 条违规" in page.caption[1].value


def test_a_deep_link_opens_the_violation_with_its_evidence(page: AppTest, seeded: Seeded) -> None:
    page.query_params["violation"] = seeded.with_evidence
    page.run()
    assert not page.exception
    assert page.subheader[0].value.startswith("客户取号到开始办理业务的等候时间")
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["实测值"] == "11.7 分钟" and metrics["限值"] == "10 分钟"
    assert metrics["状态"] == "有效"
    assert "标准版本 cmcc-service@1" in page.caption[1].value
    assert any("VIP 客户进厅表明身份后,等候时间不超过10 分钟" in m.value for m in page.markdown)
    timeline = page.dataframe[0].value
    assert timeline["事件类型"].tolist() == ["客户取号", "开始办理"]
    assert timeline["距首个事件"].tolist() == ["+0 秒", "+12 分钟"]
    assert timeline["时间"].tolist()[0] == "2026-03-01 09:00:00"
    assert "None" not in page.dataframe[0].value.to_string()


def test_a_voided_violation_says_so_with_its_dispute_history(page: AppTest, seeded: Seeded) -> None:
    page.query_params["violation"] = seeded.voided
    page.query_params["lang"] = "en"
    page.run()
    assert "voided by an accepted dispute" in page.warning[0].value
    history = page.dataframe[0].value  # no evidence stored for it: no timeline above
    assert history["Action"].tolist() == ["Disputed", "Accepted (voided)"]
    assert history["Reason"].tolist() == ["队列机故障", "—"]
    assert not page.form  # nothing left to do on a voided violation


def test_a_provincial_manager_sees_nothing_of_another_province(
    page: AppTest, seeded: Seeded
) -> None:
    page.session_state[VIEWER_KEY] = Viewer("jl-manager", Role.PROVINCE_MANAGER, "JL")
    page.query_params["violation"] = seeded.with_evidence
    page.run()
    assert page.warning[0].value == "未找到该违规，或您无权查看。"
    assert not page.dataframe
    page.query_params.clear()
    page.query_params["province"] = "GS"
    page.query_params["unit"] = seeded.unit
    page.run()
    assert "GS" not in page.selectbox(key="f.province").options
    assert "共 0 条违规" in page.caption[1].value


def test_a_step_not_yet_projected_shows_as_pending_and_blocks_another(
    page: AppTest, seeded: Seeded
) -> None:
    sent = DisputeEvent(
        "never-stored", "dsp-x", seeded.with_evidence, DisputeAction.FILED, "GS", seeded.unit,
        "hall.wait_time", datetime(2026, 3, 1, 1, 10, tzinfo=UTC), "gs-manager",
        Role.PROVINCE_MANAGER, datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "叫号机故障",
    )  # fmt: skip
    page.session_state[VIEWER_KEY] = Viewer("gs-manager", Role.PROVINCE_MANAGER, "GS")
    page.session_state["evidence.pending"] = [sent]
    page.query_params["violation"] = seeded.with_evidence
    page.run()
    assert not page.exception
    assert "正在写入" in page.info[0].value
    history = page.dataframe[1].value
    assert history["操作"].tolist() == ["提出申诉 (写入中)"]
    assert history["时间"].tolist() == ["2026-11-30 16:00:00"]
    assert not page.text_area  # no second filing while the first is on its way
