"""Every page opens for every role, and a provincial manager sees nothing of another
province: not in any element a page renders (tables, metrics, text, charts' data),
not among any widget's options, not through URL parameters, not in any download."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard.i18n import text
from dashboard.pages import PAGES
from dashboard.viewer import Role, Viewer
from processors.storage.client import DATABASE

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
OWN = "GD"
OTHERS = ("BJ", "SH")
VIEWERS = {
    Role.HQ_AUDITOR: Viewer("hq-test", Role.HQ_AUDITOR),
    Role.PROVINCE_MANAGER: Viewer("gd-test", Role.PROVINCE_MANAGER, OWN),
    Role.STANDARDS_OWNER: Viewer("owner-test", Role.STANDARDS_OWNER),
}


@dataclass(frozen=True)
class Seeded:
    run: str
    when: datetime

    def unit(self, province: str) -> str:
        return f"{province}-ISO{self.run}"

    def violation(self, province: str) -> str:
        return f"iso-{province}-{self.run}"

    def markers(self, province: str) -> list[str]:
        """Strings that only a row of `province` can carry."""
        return [
            self.unit(province),
            self.violation(province),
            f"visit-{province}-{self.run}",
            f"ev-{province}-{self.run}",
            f"({province})",
        ]


@pytest.fixture(scope="module")
def seeded(clickhouse: Client) -> Seeded:
    """Violations, checks and events of GD and two other provinces, yesterday."""
    run = uuid.uuid4().hex[:8]
    when = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    violations, checks, events = [], [], []
    for province in (OWN, *OTHERS):
        unit = f"{province}-ISO{run}"
        subject = f"visit-{province}-{run}"
        event = f"ev-{province}-{run}"
        violations.append(
            [f"iso-{province}-{run}", "cmcc-service", 1, "hall.wait_time", "CH 1.4.7", "major",
             province, unit, subject, when, 700.0, 600.0, "seconds", [event],
             "等候超时", "waited too long", False, 0]
        )  # fmt: skip
        checks.extend(
            [f"isock-{province}-{run}-{i}", "cmcc-service", 1, "hall.wait_time", province, unit,
             subject, when.date(), when, i == 0, 700.0]
            for i in range(5)
        )  # fmt: skip
        events.append(
            [event, "hall.visit.checked_in", when, province, unit, subject,
             f"/provinces/{province}/halls/{unit}", "{}"]
        )  # fmt: skip
    clickhouse.insert(
        f"{DATABASE}.violations",
        violations,
        column_names=["violation_id", "standard", "version", "rule", "clause", "severity",
                      "province", "unit", "subject", "detected_at", "measured", "limit",
                      "measure", "evidence", "message_zh", "message_en", "retracted",
                      "revision"],
    )  # fmt: skip
    clickhouse.insert(
        f"{DATABASE}.checks",
        checks,
        column_names=["check_id", "standard", "version", "rule", "province", "unit", "subject",
                      "day", "checked_at", "violated", "value"],
    )  # fmt: skip
    clickhouse.insert(
        f"{DATABASE}.events",
        events,
        column_names=["id", "type", "time", "province", "unit", "subject", "source", "data"],
    )
    return Seeded(run, when)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bytes of every file a page hands to a download button, eager or deferred."""
    captured: list[bytes] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def keep(data: object) -> None:
        if callable(data):
            data = data()
        if isinstance(data, str):
            data = data.encode()
        if isinstance(data, bytes | bytearray):
            captured.append(bytes(data))
        elif hasattr(data, "read"):
            captured.append(data.read())

    def recording_add(self: MediaFileManager, data: Any, *args: Any, **kwargs: Any) -> str:
        keep(data)
        return add(self, data, *args, **kwargs)

    def recording_deferred(self: MediaFileManager, data: Any, *args: Any, **kwargs: Any) -> str:
        keep(data)
        return add_deferred(self, data, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", recording_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", recording_deferred)
    return captured


@pytest.fixture
def open_page(
    clickhouse: Client, chdb_dsn: str, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., AppTest]:
    monkeypatch.setenv("SVC_CLICKHOUSE_DSN", chdb_dsn)
    monkeypatch.delenv("SVC_DASHBOARD_PROVINCES", raising=False)

    def run(
        viewer: Viewer, script: str, params: dict[str, str] | None = None, lang: str = "zh"
    ) -> AppTest:
        app = AppTest.from_file(str(APP), default_timeout=60)
        app.session_state["viewer"] = viewer
        app.session_state["lang"] = lang
        app.run()
        for name, value in (params or {}).items():
            app.query_params[name] = value
        app.switch_page(f"views/{script}").run()
        return app

    return run


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def _rendered(app: AppTest) -> list[bytes]:
    """Every element's whole message: text, table and chart data (Arrow), widget options."""
    return [
        n.proto.SerializeToString()
        for n in _nodes(app._tree)
        if getattr(n, "proto", None) is not None
    ]


def _options(app: AppTest) -> list[str]:
    found: list[str] = []
    for kind in ("selectbox", "multiselect", "radio", "select_slider"):
        for widget in app.get(kind):
            found.extend(str(o) for o in getattr(widget, "options", []))
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.key)
def test_every_page_opens_for_every_role(
    open_page: Callable[..., AppTest], role: Role, page: Any, lang: str
) -> None:
    app = open_page(VIEWERS[role], page.script, lang=lang)
    assert not app.exception, app.exception
    assert [t.value for t in app.title][:1] == [text(f"page.{page.key}", lang)]
    assert not {"None", "nan", "NaN"} & _texts(app), "a missing value shown raw"
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert VIEWERS[role].name in sidebar


def _texts(app: AppTest) -> set[str]:
    """Every text and table cell on the page, whole."""
    found: set[str] = set()
    for kind in ("title", "subheader", "markdown", "caption", "info", "error", "warning"):
        found.update(str(e.value) for e in app.get(kind))
    for metric in app.metric:
        found.update({str(metric.value), str(metric.delta)} - {"None"} | {metric.label})
    for frame in [*app.dataframe, *app.table]:
        found.update(str(cell) for cell in frame.value.to_numpy().ravel())
    return found


def _hostile_params(seeded: Seeded) -> dict[str, str]:
    other = OTHERS[0]
    return {
        "province": other,
        "provinces": ",".join(OTHERS),
        "unit": seeded.unit(other),
        "violation": seeded.violation(other),
        "violation_id": seeded.violation(other),
        "id": seeded.violation(other),
        "rule": "hall.wait_time",
        "channel": "hall",
        "q": seeded.unit(other),
        "search": seeded.unit(other),
        "month": f"{seeded.when:%Y-%m}",
    }


def _own_violation_params(seeded: Seeded) -> dict[str, str]:
    """The manager's own violation open: its evidence timeline and dispute history, and
    their downloads, must hold only its own province's rows too."""
    return {"violation": seeded.violation(OWN), "month": f"{seeded.when:%Y-%m}"}


@pytest.mark.parametrize("asked", ["plain", "url-params", "own-violation"])
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.key)
def test_a_provincial_manager_sees_no_other_province(
    open_page: Callable[..., AppTest],
    seeded: Seeded,
    downloads: list[bytes],
    page: Any,
    asked: str,
) -> None:
    params = {
        "plain": {"month": f"{seeded.when:%Y-%m}"},
        "url-params": _hostile_params(seeded),
        "own-violation": _own_violation_params(seeded),
    }[asked]
    app = open_page(VIEWERS[Role.PROVINCE_MANAGER], page.script, params)
    assert not app.exception, app.exception
    for button in app.get("download_button"):
        button.click()
    if app.get("download_button"):
        app.run()
    markers = [m.encode() for p in OTHERS for m in seeded.markers(p)]
    for blob in [*_rendered(app), *downloads]:
        leaked = [m.decode() for m in markers if m in blob]
        assert not leaked, f"{page.key}: another province's rows shown: {leaked}"
    options = _options(app)
    assert not set(options) & set(OTHERS), f"{page.key}: options offer {options}"
    if asked == "own-violation" and page.key == "violations":
        own_event = f"ev-{OWN}-{seeded.run}".encode()
        assert any(own_event in blob for blob in downloads), "no evidence timeline download"


def test_the_scorecard_shows_the_managers_own_rows(
    open_page: Callable[..., AppTest], seeded: Seeded
) -> None:
    """The isolation test above would pass on an empty page: this one shows GD is there."""
    app = open_page(
        VIEWERS[Role.PROVINCE_MANAGER], "drilldown.py", {"month": f"{seeded.when:%Y-%m}"}
    )
    assert not app.exception
    own = seeded.unit(OWN).encode()
    assert any(own in blob for blob in _rendered(app))
    hq = open_page(VIEWERS[Role.HQ_AUDITOR], "overview.py", {"month": f"{seeded.when:%Y-%m}"})
    shown = b"".join(_rendered(hq))
    assert all(f"({p})".encode() in shown for p in (OWN, *OTHERS))


def test_deep_links_open_a_unit_and_a_rule(
    open_page: Callable[..., AppTest], seeded: Seeded
) -> None:
    month = f"{seeded.when:%Y-%m}"
    hq = VIEWERS[Role.HQ_AUDITOR]
    unit = seeded.unit(OWN)
    app = open_page(hq, "drilldown.py", {"month": month, "province": OWN, "unit": unit})
    assert not app.exception
    assert any(unit in s.value for s in app.subheader)
    kpis = [f.value for f in app.dataframe if text("core.kpi", "zh") in f.value.columns]
    assert kpis and "hall.wait_time" in kpis[0][text("common.rule", "zh")].tolist()
    assert app.query_params["unit"] == unit
    rules = open_page(hq, "rules.py", {"month": month, "rule": "hall.wait_time"})
    assert not rules.exception
    places = rules.dataframe[1].value[text("common.province", "zh")].tolist()
    assert {f"广东 ({OWN})", "北京 (BJ)", "上海 (SH)"} <= set(places)
