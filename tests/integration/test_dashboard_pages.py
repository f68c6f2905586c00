"""Every dashboard page opens on the real engine (chDB), with data and without errors."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from streamlit.testing.v1 import AppTest

from dashboard.i18n import text
from dashboard.viewer import Role, Viewer
from processors.sink.batch_sink import ClickHouseSink

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture
def app(clickhouse: Client, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    run = uuid.uuid4().hex[:6]
    sink = ClickHouseSink(clickhouse)
    violation = {
        "violation_id": f"pages-{run}", "standard": "cmcc-service", "version": 1,
        "rule": "hall.wait_time", "clause": "CH 1.4.7", "severity": "major", "province": "XZ",
        "unit": f"XZ-{run}", "subject": f"visit-{run}", "detected_at": "2026-03-02T09:10:00+08:00",
        "measured": 700.0, "limit": 600.0, "measure": "seconds", "evidence": [f"ev-{run}"],
        "message_zh": "等候超时", "message_en": "waited too long",
    }  # fmt: skip
    sink.add("svc.violations", 5, 1, json.dumps(violation).encode())
    sink.flush()
    monkeypatch.setenv("SVC_CLICKHOUSE_DSN", chdb_dsn)
    test = AppTest.from_file(str(APP), default_timeout=30)
    test.session_state["viewer"] = Viewer("pages-test", Role.HQ_AUDITOR)
    return test


def test_the_scorecard_lists_the_province(app: AppTest) -> None:
    app.query_params["month"] = "2026-03"
    app.run()
    assert not app.exception
    assert app.title[0].value == text("page.scorecard", "zh")
    provinces = app.dataframe[0].value[text("common.province", "zh")].tolist()
    assert "西藏 (XZ)" in provinces


def test_violation_explorer_lists_and_opens_the_violation(app: AppTest) -> None:
    app.run()
    app.switch_page("views/violations.py").run()
    assert not app.exception
    assert app.title[0].value == "违规查询"
    app.selectbox(key="f.province").select("XZ").run()
    [violation_id] = [i for i in app.dataframe[0].value["编号"] if i.startswith("pages-")][-1:]
    app.selectbox(key="evidence.pick").select(violation_id).run()
    app.button(key="evidence.open_button").click().run()
    assert not app.exception
    assert app.query_params["violation"] == violation_id
    assert {m.label: m.value for m in app.metric}["实测值"] == "11.7 分钟"
