"""The at-risk, standards, what-if and pipeline pages on the real engine (chDB), per role.

Rows are in GX and JX, provinces no other test writes; the session's chDB is shared, so
assertions look at these provinces (and that a GX manager never sees another one).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from prometheus_client import CollectorRegistry, Gauge, start_http_server
from streamlit.testing.v1 import AppTest

from dashboard.data import clocks
from dashboard.data import standards as standards_data
from dashboard.i18n import text
from dashboard.scope import Scope
from dashboard.viewer import Role, Viewer
from processors.replay import whatif
from processors.replay.run import finish
from processors.sink.batch_sink import ClickHouseSink
from processors.stack.processes import free_port_pair
from standards.loader import load_standards
from standards.publish import digest
from standards.testing import as_bytes, event, revised, set_limit
from standards.verdicts import Violation, stable_id

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
HQ = Viewer("hq", Role.HQ_AUDITOR)
OWNER = Viewer("owner", Role.STANDARDS_OWNER)
GX = Viewer("gx", Role.PROVINCE_MANAGER, "GX")
PAGES = ("at_risk", "standards", "whatif", "pipeline")
PERIOD = (datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC))


@dataclass(frozen=True)
class Seeded:
    run: str
    replay: str
    """Recorded as before the diff was stored at a replay's end: the page diffs it live."""
    finished: str
    """The same replay, finished as `svcstd replay` finishes one: its diff stored."""
    soon_gx: str
    soon_jx: str
    later_gx: str
    closed_gx: str


def _clock(
    clock_id: str, province: str, started: datetime, due: datetime, **closed: object
) -> bytes:
    record = {
        "clock_id": clock_id, "standard": "cmcc-service", "version": 1,
        "rule": "repair.deadline", "clause": "GS 2.5", "severity": "critical",
        "province": province, "unit": f"{province}-R01", "subject": f"{province}-{clock_id}",
        "started_at": started.isoformat(), "due_at": due.isoformat(), "closed": False,
        "closed_at": None, "outcome": "", "revision": 0, **closed,
    }  # fmt: skip
    return json.dumps(record).encode()


def _violation(province: str, subject: str, occurrence: str) -> Violation:
    rule = "repair.deadline"
    return Violation(
        stable_id("cmcc-service", 1, rule, subject, occurrence), "cmcc-service", 1, rule,
        "GS 2.5", "critical", province, f"{province}-R01", subject,
        datetime(2025, 6, 10, tzinfo=UTC), 200000.0, 172800.0, ("e1",), "超时", "late",
        measure="seconds", occurrence=occurrence,
    )  # fmt: skip


@pytest.fixture(scope="module")
def seeded(clickhouse: Client) -> Seeded:
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    sink = ClickHouseSink(clickhouse)
    ids = Seeded(run, f"ops-{run}", f"ops-{run}-finished", *(f"{name}-{run}" for name in "abcd"))
    sink.add(
        "svc.clocks",
        0,
        1,
        _clock(ids.soon_gx, "GX", now - timedelta(hours=10), now + timedelta(hours=3)),
    )
    sink.add(
        "svc.clocks",
        0,
        2,
        _clock(ids.soon_jx, "JX", now - timedelta(hours=1), now + timedelta(hours=2)),
    )
    sink.add(
        "svc.clocks",
        0,
        3,
        _clock(ids.later_gx, "GX", now - timedelta(hours=1), now + timedelta(hours=30)),
    )
    sink.add(
        "svc.clocks",
        0,
        4,
        _clock(ids.closed_gx, "GX", now - timedelta(hours=1), now + timedelta(hours=1)),
    )
    sink.add(
        "svc.clocks", 0, 5,
        _clock(ids.closed_gx, "GX", now - timedelta(hours=1), now + timedelta(hours=1),
               closed=True, closed_at=now.isoformat(), outcome="met", revision=1),
    )  # fmt: skip
    for offset, (province, reason) in enumerate(
        (("GX", "invalid: data.area: bad"), ("JX", "late: too old"), (None, "empty: no value"))
    ):
        raw = json.dumps({"id": f"x-{run}", "province": province}) if province else "not json"
        letter = {
            "letter_id": f"ops-{run}-{offset}", "topic": "svc.events.repair", "partition": 0,
            "offset": offset, "reason": reason, "raw": raw, "received_at": now.isoformat(),
        }  # fmt: skip
        sink.add("svc.deadletter", 0, offset, json.dumps(letter).encode())
    for offset in range(30):  # received now: 30 in the last 5 minutes, 0.1 a second
        ticket = event("repair.visit.arrived", now, f"gx-{run}-{offset}", unit="GX-R01")
        sink.add("svc.events.repair", 0, offset, as_bytes(ticket))
    in_force = _violation("GX", f"gx-kept-{run}", "o1")
    sink.add("svc.violations", 0, 1, json.dumps(in_force.to_record()).encode())
    sink.flush()
    for name in (ids.replay, ids.finished):
        whatif.write_violations(
            clickhouse,
            name,
            [_violation("GX", f"gx-new-{run}", "o2"), _violation("JX", f"jx-new-{run}", "o3")],
        )
    recorded = whatif.Run(
        ids.replay, "cmcc-service", 1, "draft/cmcc-service/v2.yaml", "0" * 64, *PERIOD,
        1000, 0, 2, 0, 10, 1.5, 1.2, now,
    )  # fmt: skip
    whatif.write_run(clickhouse, recorded)
    assert finish(clickhouse, replace(recorded, replay=ids.finished)).diff_stored
    return ids


@pytest.fixture(scope="module")
def worker_metrics() -> Iterator[int]:
    """A /metrics page shaped like the worker's, on a port of its own."""
    registry = CollectorRegistry()
    lag = Gauge("svc_worker_consumer_lag", "lag", ["topic", "partition"], registry=registry)
    lag.labels("svc.events.repair", "3").set(42)
    mark = Gauge(
        "svc_worker_partition_mark_seconds", "mark", ["topic", "partition"], registry=registry
    )
    mark.labels("svc.events.repair", "3").set(datetime.now(UTC).timestamp() - 90)
    port = free_port_pair()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield port
    server.shutdown()
    thread.join(timeout=5)


def _open(
    page: str,
    who: Viewer,
    chdb_dsn: str,
    monkeypatch: pytest.MonkeyPatch,
    lang: str = "en",
    **params: str,
) -> AppTest:
    monkeypatch.setenv("SVC_CLICKHOUSE_DSN", chdb_dsn)
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.session_state["viewer"] = who
    app.session_state["lang"] = lang
    app.run()
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception, app.exception
    return app


def _column(app: AppTest, key: str, frame: int = 0) -> list[object]:
    return list(app.dataframe[frame].value[text(key, "en")])


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("who", [HQ, OWNER, GX], ids=lambda v: v.role.value)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_for_every_role_in_both_languages(
    page: str,
    who: Viewer,
    lang: str,
    seeded: Seeded,
    chdb_dsn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _open(page, who, chdb_dsn, monkeypatch, lang)
    assert app.title[0].value == text(f"page.{page}", lang)
    shown = " ".join(str(c.value) for c in app.caption)
    assert "None" not in shown


def test_at_risk_lists_the_clocks_due_soonest_first(
    seeded: Seeded, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _open("at_risk", HQ, chdb_dsn, monkeypatch)
    subjects = _column(app, "ops.subject")
    mine = [s for s in subjects if str(s).endswith(seeded.run)]
    assert mine == [f"JX-{seeded.soon_jx}", f"GX-{seeded.soon_gx}"]  # due in 2 h, then 3 h
    flags = dict(zip(subjects, _column(app, "ops.at_risk.warning"), strict=True))
    assert "75" in str(flags[f"GX-{seeded.soon_gx}"])  # 10 h of 13 used
    assert app.query_params["hours"] == "24"


def test_at_risk_deep_link_widens_the_window(
    seeded: Seeded, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _open("at_risk", HQ, chdb_dsn, monkeypatch, hours="48", province="GX")
    subjects = _column(app, "ops.subject")
    assert f"GX-{seeded.later_gx}" in subjects
    assert f"GX-{seeded.closed_gx}" not in subjects
    assert all(str(s).startswith("GX-") for s in subjects)


def test_a_provincial_manager_sees_no_other_province_even_when_the_url_asks(
    seeded: Seeded, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_risk = _open("at_risk", GX, chdb_dsn, monkeypatch, hours="168", province="JX")
    assert set(_column(at_risk, "common.province")) == {"GX"}
    pipeline = _open("pipeline", GX, chdb_dsn, monkeypatch, reason="late")
    assert pipeline.metric[0].value == "0.10"  # GX's 30 events over 5 minutes, no other's
    provinces = set(_column(pipeline, "common.province", frame=-1))
    assert provinces == {"GX"}
    for name in (seeded.replay, seeded.finished):
        whatif_page = _open("whatif", GX, chdb_dsn, monkeypatch, run=name)
        assert set(_column(whatif_page, "common.province", frame=1)) == {"GX"}
        assert set(_column(whatif_page, "common.province", frame=2)) == {"GX"}
        assert text("ops.whatif.events", "en") not in whatif_page.dataframe[0].value.columns


@pytest.mark.parametrize("diffed", ["live", "stored"])
def test_whatif_shows_the_draft_against_the_version_in_force(
    diffed: str, seeded: Seeded, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = seeded.replay if diffed == "live" else seeded.finished
    app = _open("whatif", HQ, chdb_dsn, monkeypatch, run=name)
    assert app.query_params["run"] == name
    summary = app.dataframe[1].value
    gx = summary[summary[text("common.province", "en")] == "GX"]
    jx = summary[summary[text("common.province", "en")] == "JX"]
    assert list(gx[text("ops.whatif.added", "en")]) == [1]
    assert list(gx[text("ops.whatif.removed", "en")]) == [1]
    assert list(jx[text("ops.whatif.added", "en")]) == [1]


def test_pipeline_shows_dead_letters_and_says_when_metrics_are_unreachable(
    seeded: Seeded, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVC_WORKER_METRICS_PORT", str(free_port_pair()))
    monkeypatch.setenv("SVC_SINK_METRICS_PORT", str(free_port_pair()))
    app = _open("pipeline", HQ, chdb_dsn, monkeypatch)
    warnings = " ".join(w.value for w in app.warning)
    assert "not reachable" in warnings and "/metrics" in warnings
    raws = " ".join(str(r) for r in _column(app, "ops.pipeline.raw", frame=-1))
    assert f"x-{seeded.run}" in raws and "not json" in raws


def test_pipeline_reads_lag_and_clock_per_partition_from_the_metrics(
    seeded: Seeded, worker_metrics: int, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVC_WORKER_METRICS_PORT", str(worker_metrics))
    # no sink here: a stack running on this machine would answer at the default port
    monkeypatch.setenv("SVC_SINK_METRICS_PORT", str(free_port_pair()))
    app = _open("pipeline", OWNER, chdb_dsn, monkeypatch)
    partitions = app.dataframe[0].value
    row = partitions[partitions[text("ops.pipeline.partition", "en")] == 3]
    assert list(row[text("ops.pipeline.worker_lag", "en")]) == ["42"]
    [mark] = list(row[text("ops.pipeline.partition_mark", "en")])
    assert "behind" in str(mark)


def test_standards_lists_versions_and_coverage(
    seeded: Seeded, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _open("standards", OWNER, chdb_dsn, monkeypatch)
    assert "cmcc-service@1" in _column(app, "ops.standards.version")
    statuses = set(_column(app, "ops.standards.status", frame=-1))
    assert statuses <= {"covered", "optional", "gap"} and "covered" in statuses


def test_standards_diffs_a_published_version_against_the_installed_one(
    seeded: Seeded, chdb_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    [v1] = load_standards()
    v2 = revised(
        v1,
        version=2,
        effective_from=datetime(2027, 1, 1, tzinfo=UTC),
        change=set_limit("repair.deadline", "PT36H"),
    )
    topic = standards_data.Published({v2.key: v2}, {v2.key: digest(v2)})
    monkeypatch.setattr(standards_data, "read_published", lambda _bootstrap: topic)
    app = _open("standards", OWNER, chdb_dsn, monkeypatch, a=v1.key, b=v2.key)
    assert (app.query_params["a"], app.query_params["b"]) == (v1.key, v2.key)
    changes = app.dataframe[-2].value
    limits = changes[changes[text("ops.standards.setting", "en")] == "params.limits.urban"]
    assert list(limits[text("ops.standards.before", "en")]) == ["48 h"]
    assert list(limits[text("ops.standards.after", "en")]) == ["36 h"]
    assert "published" in _column(app, "ops.standards.publication")


def test_overdue_counts_the_open_clocks_past_due_in_the_last_31_days(
    seeded: Seeded, clickhouse: Client
) -> None:
    now = datetime.now(UTC)
    late, breached, forgotten = (f"{name}-{seeded.run}" for name in ("late", "gone", "old"))
    offset = uuid.uuid4().int % 10**12  # the sink's deduplication token is made of offsets
    sink = ClickHouseSink(clickhouse)
    started = now - timedelta(hours=50)
    rows = (
        _clock(late, "GX", started, now - timedelta(hours=2)),
        _clock(breached, "GX", started, now - timedelta(hours=3)),
        _clock(breached, "GX", started, now - timedelta(hours=3),
               closed=True, closed_at=now.isoformat(), outcome="breached", revision=1),
        _clock(forgotten, "GX", now - timedelta(days=40), now - timedelta(days=35)),
    )  # fmt: skip
    for n, row in enumerate(rows):
        sink.add("svc.clocks", 0, offset + n, row)
    sink.flush()

    assert clocks.overdue(clickhouse, Scope(None), now=now, province="GX") == 1
    assert clocks.overdue(clickhouse, Scope(frozenset({"GX"})), now=now) == 1
    assert clocks.overdue(clickhouse, Scope(frozenset({"JX"})), now=now, province="GX") == 0
    due = clocks.due_within(clickhouse, Scope(None), now=now - timedelta(hours=4), hours=3)
    assert [c.clock_id for c in due if c.clock_id.endswith(seeded.run)] == [late]
