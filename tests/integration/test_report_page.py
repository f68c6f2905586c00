"""The report page for each role, on the real engine: the province in scope, never another.

The month of `report_support` (HI reported on, XJ beside it) is loaded once into
the session's chDB; the page runs through the app's router as a browser session
would, the viewer set as the login sets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import report_support as month
from clickhouse_connect.driver.client import Client
from streamlit.testing.v1 import AppTest

from dashboard.session import VIEWER_KEY
from dashboard.viewer import Role, Viewer

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def loaded(clickhouse: Client) -> Iterator[None]:
    month.load(clickhouse)
    yield


def open_report(
    chdb_dsn: str, monkeypatch: pytest.MonkeyPatch, viewer: Viewer, **query: str
) -> AppTest:
    monkeypatch.setenv("SVC_CLICKHOUSE_DSN", chdb_dsn)
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.session_state[VIEWER_KEY] = viewer
    for key, value in query.items():
        app.query_params[key] = value
    # straight to the page: the scorecard, opened first, would keep `?month=` to its own
    app.switch_page("views/report.py").run()
    assert not app.exception, app.exception
    return app


def cells(app: AppTest) -> list[str]:
    """Every value of every table the page shows."""
    return [str(v) for frame in app.dataframe for v in frame.value.to_numpy().ravel()]


@pytest.mark.usefixtures("loaded")
def test_hq_reports_on_the_province_and_month_of_the_link(
    chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_report(
        chdb_dsn, monkeypatch, Viewer("hq", Role.HQ_AUDITOR), province="HI", month=month.MONTH
    )
    assert app.title[0].value == "月度稽核报告"
    province = app.selectbox(key="report-province")
    assert province.value == "HI"
    assert {"HI", "XJ"} <= set(province.options)
    assert app.selectbox(key="report-month").value == month.MONTH
    scorecard = app.dataframe[0].value
    assert scorecard.to_numpy().tolist() == [
        ["营业厅", 40, 2, "95.0%", "★★★★☆"],
        ["10086 热线", 20, 1, "95.0%", "★★★★☆"],
        ["合计", 60, 3, "95.0%", "★★★★☆"],
    ]
    shown = cells(app)
    assert month.HALL in shown
    assert month.OPEN_REASON in shown
    assert month.OTHER_UNIT not in shown
    assert len(app.get("download_button")) == 2 * 4 + 1
    app.selectbox(key="report-province").select("XJ").run()
    assert app.query_params["province"] == "XJ"
    assert month.OTHER_UNIT in cells(app)
    assert month.HALL not in cells(app)


@pytest.mark.usefixtures("loaded")
def test_a_provincial_manager_gets_only_their_province_whatever_the_link_says(
    chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = Viewer("xj", Role.PROVINCE_MANAGER, "XJ")
    app = open_report(chdb_dsn, monkeypatch, manager, province="HI", month=month.MONTH)
    assert [w.value for w in app.warning] == ["您无权查看 HI 的数据，已显示您所辖省份。"]
    province = app.selectbox(key="report-province")
    assert province.options == ["XJ"]
    assert province.value == "XJ"
    assert app.query_params["province"] == "XJ"
    shown = cells(app)
    assert month.OTHER_UNIT in shown
    assert month.OTHER_REASON in shown
    assert not [v for v in shown if v.startswith("HI") or "hi-" in v]


@pytest.mark.usefixtures("loaded")
def test_a_standards_owner_opens_the_page_in_english(
    chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = Viewer("owner", Role.STANDARDS_OWNER)
    app = open_report(chdb_dsn, monkeypatch, owner, lang="en", province="HI", month=month.MONTH)
    assert app.title[0].value == "Monthly audit report"
    assert [s.value for s in app.subheader] == [
        "Scorecard", "Units with the most violations", "Clauses broken most often", "Open disputes",
    ]  # fmt: skip
    assert app.dataframe[0].value.to_numpy().tolist()[-1] == [
        "All channels",
        60,
        3,
        "95.0%",
        "★★★★☆",
    ]
