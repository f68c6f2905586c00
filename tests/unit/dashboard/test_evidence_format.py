"""Evidence as an auditor reads it: China time, humanized offsets, no raw None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.data.violations import EventRow
from dashboard.evidence import details, event_type, moment, rule_description, timeline_rows
from events.envelope import EVENT_MODELS

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_timeline_is_in_time_order_with_offsets_from_the_first_event() -> None:
    events = [
        EventRow("b", "hall.visit.service_started", T0 + timedelta(minutes=12), "v", "{}"),
        EventRow("a", "hall.visit.checked_in", T0, "v", '{"brand": "gotone_vip", "x": null}'),
    ]
    rows = timeline_rows(events, "zh")
    assert [r["id"] for r in rows] == ["a", "b"]
    assert [r["offset"] for r in rows] == ["+0 秒", "+12 分钟"]
    assert rows[0]["time"] == "2026-03-02 09:00:00"
    assert rows[0]["details"] == "brand: gotone_vip · x: —"
    assert rows[1]["details"] == "—"
    assert [r["type"] for r in rows] == ["客户取号", "开始办理"]


def test_every_event_type_has_a_name_in_both_languages() -> None:
    for name in EVENT_MODELS:
        assert event_type(name, "zh") != name and event_type(name, "en") != name, name
    assert event_type("hall.unknown", "en") == "hall.unknown"


def test_values_never_read_none() -> None:
    assert moment(None, "en") == "—"
    assert details("not json", "en") == "not json"


def test_the_rule_reads_as_its_version_describes_it() -> None:
    assert rule_description("cmcc-service", 1, "hall.stain_cleanup", "zh") == (
        "营业厅内出现污渍应在 5 分钟内清理。"
    )
    assert rule_description("cmcc-service", 99, "hall.stain_cleanup", "zh") is None
