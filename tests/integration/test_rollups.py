"""The rollups stay exact on the real engine: redelivered rows, revisions, retractions,
voids, and a backfill of rows stored before the views existed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE
from processors.storage.rollups import ROLLUPS, create_rollups

pytestmark = pytest.mark.integration

DETECTED = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)
"""01:30 on 2 March in Shanghai: the rollup's day is the Shanghai day."""
VIOLATION_COLUMNS = [
    "violation_id",
    "rule",
    "province",
    "unit",
    "detected_at",
    "retracted",
    "revision",
]
DISPUTE_COLUMNS = ["event_id", "violation_id", "action", "province", "unit", "rule", "detected_at"]


@pytest.fixture
def province() -> str:
    return f"R{uuid.uuid4().hex[:6]}"


@pytest.fixture
def disputes(clickhouse: Client) -> Iterator[str]:
    """`svc.disputes` as the disputes projection stores it (created here if this branch
    lacks it), so the voids view exists."""
    clickhouse.command(
        f"""CREATE TABLE IF NOT EXISTS {DATABASE}.disputes (
            event_id String, dispute_id String, violation_id String,
            action LowCardinality(String), province LowCardinality(String), unit String,
            rule LowCardinality(String), detected_at DateTime64(3, 'UTC'), actor String,
            role LowCardinality(String), at DateTime64(3, 'UTC'), reason String,
            inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
        ) ENGINE = ReplacingMergeTree ORDER BY (province, violation_id, event_id)"""
    )
    create_rollups(clickhouse)
    yield f"{DATABASE}.disputes"


def _standing(client: Client, province: str) -> list[tuple[object, ...]]:
    sql = f"""
        SELECT v.day, v.channel, v.unit, v.found - v.retracted, ifNull(d.voided, 0)
        FROM (
            SELECT day, channel, rule, unit, uniqExactMerge(found) AS found,
                   uniqExactMerge(retracted) AS retracted
            FROM {DATABASE}.violations_daily WHERE province = {{p:String}}
            GROUP BY day, channel, rule, unit
        ) AS v
        LEFT JOIN (
            SELECT day, rule, unit, uniqExactMerge(voided) AS voided
            FROM {DATABASE}.voids_daily WHERE province = {{p:String}}
            GROUP BY day, rule, unit
        ) AS d USING (day, rule, unit)
        ORDER BY v.unit
    """
    return [tuple(r) for r in client.query(sql, parameters={"p": province}).result_rows]


def test_redelivery_revision_retraction_and_void_count_once(
    clickhouse: Client, province: str, disputes: str
) -> None:
    unit = f"{province}-H1"
    rows = [
        ["a", "hall.wait_time", province, unit, DETECTED, False, 0],
        ["b", "hall.wait_time", province, unit, DETECTED, False, 0],
        ["c", "hall.wait_time", province, unit, DETECTED, False, 0],
    ]
    table = f"{DATABASE}.violations"
    clickhouse.insert(table, rows, column_names=VIOLATION_COLUMNS)
    clickhouse.insert(table, rows[:1], column_names=VIOLATION_COLUMNS)  # redelivered
    revised = ["a", "hall.wait_time", province, unit, DETECTED, False, 1]
    clickhouse.insert(table, [revised], column_names=VIOLATION_COLUMNS)
    retracted = ["b", "hall.wait_time", province, unit, DETECTED, True, 1]
    clickhouse.insert(table, [retracted], column_names=VIOLATION_COLUMNS)
    day = datetime(2026, 3, 2, tzinfo=UTC).date()
    assert _standing(clickhouse, province) == [(day, "hall", unit, 2, 0)]

    accepted = ["e1", "c", "accepted", province, unit, "hall.wait_time", DETECTED]
    filed = ["e0", "a", "filed", province, unit, "hall.wait_time", DETECTED]
    clickhouse.insert(disputes, [filed, accepted], column_names=DISPUTE_COLUMNS)
    clickhouse.insert(disputes, [accepted], column_names=DISPUTE_COLUMNS)
    assert _standing(clickhouse, province) == [(day, "hall", unit, 2, 1)]
    assert _by_province(clickhouse, province) == (2, 1)


def _by_province(client: Client, province: str) -> tuple[int, int]:
    """The per-province rollups agree with the per-unit ones."""
    sql = f"""
        SELECT
            (SELECT uniqExactMerge(found) - uniqExactMerge(retracted)
             FROM {DATABASE}.violations_province_daily WHERE province = {{p:String}}),
            (SELECT uniqExactMerge(voided)
             FROM {DATABASE}.voids_province_daily WHERE province = {{p:String}})
    """
    standing, voided = client.query(sql, parameters={"p": province}).result_rows[0]
    return int(standing), int(voided)


def test_checks_are_counted_with_their_violated_ones(clickhouse: Client, province: str) -> None:
    columns = ["check_id", "rule", "province", "unit", "day", "checked_at", "violated"]
    unit = f"{province}-CC1"
    rows = [
        [f"k{i}", "hotline.greeting", province, unit, DETECTED.date(), DETECTED, i == 0]
        for i in range(4)
    ]
    clickhouse.insert(f"{DATABASE}.checks", rows[:3], column_names=columns)
    clickhouse.insert(f"{DATABASE}.checks", rows[3:], column_names=columns)
    sql = f"""
        SELECT day, channel, sum(checked), sum(violated)
        FROM {DATABASE}.checks_daily WHERE province = {{p:String}} GROUP BY day, channel
    """
    found = clickhouse.query(sql, parameters={"p": province}).result_rows
    assert [tuple(r) for r in found] == [(datetime(2026, 3, 2, tzinfo=UTC).date(), "hotline", 4, 1)]


def test_a_new_view_backfills_rows_stored_before_it(clickhouse: Client, province: str) -> None:
    rollup = next(r for r in ROLLUPS if r.table == "violations_daily")
    clickhouse.command(f"DROP VIEW {DATABASE}.{rollup.view}")
    row = ["old", "repair.deadline", province, f"{province}-RT1", DETECTED, False, 0]
    clickhouse.insert(f"{DATABASE}.violations", [row], column_names=VIOLATION_COLUMNS)
    assert _standing(clickhouse, province) == []
    clickhouse.command(
        f"DELETE FROM {DATABASE}.rollup_backfills WHERE rollup = {{r:String}}",
        parameters={"r": rollup.table},
    )
    create_rollups(clickhouse)
    assert [r[3] for r in _standing(clickhouse, province)] == [1]
    again = ["new", "repair.deadline", province, f"{province}-RT1", DETECTED, False, 0]
    clickhouse.insert(f"{DATABASE}.violations", [again], column_names=VIOLATION_COLUMNS)
    assert [r[3] for r in _standing(clickhouse, province)] == [2]
