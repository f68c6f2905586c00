"""One month of two provinces for the report tests: HI (reported on) and XJ (must never show).

Loaded as the projector stores rows (`ClickHouseSink`), plus dispute events in
`svc.disputes`. Run as a script (`python report_support.py DSN`), it loads them
into that chDB from a child process, as `svcstd report` reads a database it opens.

HI in November 2026 (China time), what the report must say:
- halls: 40 checks, 3 violated; violations hall-1 (00:10 on the 1st, inside the
  month), hall-2, hall-3 (voided by an accepted dispute): 2 standing; rate
  (40 − (3 − 1)) / 40 = 95.0 %, four stars. Outside the month or retracted, and
  not counted: one at 23:50 on 31 October, one retracted.
- hotline: 20 checks, 1 violated, 1 violation under an open dispute: 95.0 %.
- all: 60 checks, 3 violations, 95.0 %, one voided.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from processors.sink.batch_sink import ClickHouseSink
from processors.storage.client import DATABASE, connect
from processors.storage.schema import create_schema

MONTH = "2026-11"
HALL = "HI-海口龙华营业厅"
CALL_CENTRE = "HI-海口10086中心"
OTHER_UNIT = "XJ-乌鲁木齐营业厅"
OPEN_REASON = "录音中有标准问候语"
OTHER_REASON = "新疆的申诉理由"
DISPUTES_DDL = f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.disputes (
        event_id String, dispute_id String, violation_id String, action LowCardinality(String),
        province LowCardinality(String), unit String, rule LowCardinality(String),
        detected_at DateTime64(3, 'UTC'), actor String, role LowCardinality(String),
        at DateTime64(3, 'UTC'), reason String, inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree ORDER BY (province, violation_id, event_id)
"""
"""The columns the dispute projection stores; used only where the schema has no such table."""


def _violation(vid: str, unit: str, rule: str, at: str, **extra: Any) -> dict[str, Any]:
    return {
        "violation_id": vid, "standard": "cmcc-service", "version": 1, "rule": rule,
        "clause": "CH 1.4.7" if rule.startswith("hall") else "HL 1.1(1)", "severity": "major",
        "province": unit[:2], "unit": unit, "subject": f"s-{vid}", "detected_at": at,
        "measured": 1000.0, "limit": 600.0, "measure": "seconds", "evidence": [f"e-{vid}"],
        "message_zh": "等候超时", "message_en": "waited too long", **extra,
    }  # fmt: skip


def _checks(
    prefix: str, unit: str, rule: str, day: str, count: int, violated: int
) -> list[dict[str, Any]]:
    return [
        {"check_id": f"{prefix}-{i}", "standard": "cmcc-service", "version": 1, "rule": rule,
         "province": unit[:2], "unit": unit, "subject": f"s-{prefix}-{i}", "day": day,
         "checked_at": f"{day}T10:00:00+08:00", "violated": i < violated, "value": None}
        for i in range(count)
    ]  # fmt: skip


VIOLATIONS = [
    _violation("hi-hall-1", HALL, "hall.wait_time", "2026-11-01T00:10:00+08:00"),
    _violation("hi-hall-2", HALL, "hall.wait_time", "2026-11-15T10:00:00+08:00"),
    _violation("hi-hall-3", HALL, "hall.wait_time", "2026-11-16T10:00:00+08:00"),
    _violation("hi-hall-oct", HALL, "hall.wait_time", "2026-10-31T23:50:00+08:00"),
    _violation("hi-hall-gone", HALL, "hall.wait_time", "2026-11-17T10:00:00+08:00"),
    _violation("hi-hall-gone", HALL, "hall.wait_time", "2026-11-17T10:00:00+08:00",
               retracted=True, revision=1),
    _violation("hi-cc-1", CALL_CENTRE, "hotline.greeting", "2026-11-20T10:00:00+08:00"),
    _violation("xj-hall-1", OTHER_UNIT, "hall.wait_time", "2026-11-05T10:00:00+08:00"),
    _violation("xj-hall-2", OTHER_UNIT, "hall.wait_time", "2026-11-06T10:00:00+08:00"),
]  # fmt: skip
CHECKS = [
    *_checks("hi-hall", HALL, "hall.wait_time", "2026-11-15", 40, 3),
    *_checks("hi-hall-oct", HALL, "hall.wait_time", "2026-10-31", 5, 5),
    *_checks("hi-cc", CALL_CENTRE, "hotline.greeting", "2026-11-20", 20, 1),
    *_checks("xj-hall", OTHER_UNIT, "hall.wait_time", "2026-11-05", 10, 2),
]


def _dispute(
    event: str, vid: str, action: str, unit: str, rule: str, at: datetime, reason: str
) -> list[Any]:
    detected = datetime(2026, 11, 15, 2, 0, tzinfo=UTC)
    actor = "hq-auditor" if action != "filed" else f"{unit[:2].lower()}-manager"
    role = "hq_auditor" if action != "filed" else "province_manager"
    return [event, f"d-{vid}", vid, action, unit[:2], unit, rule, detected, actor, role, at, reason]


DISPUTE_COLUMNS = [
    "event_id", "dispute_id", "violation_id", "action", "province", "unit", "rule",
    "detected_at", "actor", "role", "at", "reason",
]  # fmt: skip
DISPUTES = [
    _dispute("de-1", "hi-hall-3", "filed", HALL, "hall.wait_time", datetime(2026, 11, 17, tzinfo=UTC), "排队机故障"),
    _dispute("de-2", "hi-hall-3", "accepted", HALL, "hall.wait_time", datetime(2026, 11, 18, tzinfo=UTC), "同意"),
    _dispute("de-3", "hi-cc-1", "filed", CALL_CENTRE, "hotline.greeting", datetime(2026, 11, 21, tzinfo=UTC), OPEN_REASON),
    _dispute("de-4", "xj-hall-1", "filed", OTHER_UNIT, "hall.wait_time", datetime(2026, 11, 7, tzinfo=UTC), OTHER_REASON),
]  # fmt: skip


def load(client: Client) -> None:
    """The two provinces' month, stored once (ids are fixed: a second load changes nothing)."""
    sink = ClickHouseSink(client)
    for offset, row in enumerate(VIOLATIONS):
        sink.add("svc.violations", 0, offset, json.dumps(row).encode())
    for offset, row in enumerate(CHECKS):
        sink.add("svc.kpis", 0, offset, json.dumps(row).encode())
    sink.flush()
    client.command(DISPUTES_DDL)
    client.insert(f"{DATABASE}.disputes", DISPUTES, column_names=DISPUTE_COLUMNS)


if __name__ == "__main__":
    loaded = connect(sys.argv[1])
    create_schema(loaded)
    load(loaded)
    loaded.close()
