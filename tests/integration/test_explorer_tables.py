"""The explorer's derived tables on the real engine: filled as violations land, backfilled
with the rows stored before their views existed (an existing deployment), and read by the
explorer with a revision that moved a violation's time shown once, where it is now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from clickhouse_connect.driver.client import Client

from dashboard.data.violations import ViolationFilter, filter_options, find_violations
from dashboard.scope import Scope
from processors.storage.client import DATABASE
from processors.storage.explorer import DERIVED, create_explorer_tables

pytestmark = pytest.mark.integration

COLUMNS = ["violation_id", "standard", "version", "rule", "province", "unit", "detected_at"]
COLUMNS_REVISED = [*COLUMNS, "revision", "measured"]


@pytest.fixture
def province() -> str:
    return f"X{uuid.uuid4().hex[:6]}"


def _row(vid: str, province: str, at: datetime, version: int = 1) -> list[object]:
    return [vid, "cmcc-service", version, "hall.wait_time", province, f"{province}-H1", at]


def test_the_views_backfill_rows_stored_before_them(clickhouse: Client, province: str) -> None:
    for derived in DERIVED:
        clickhouse.command(f"DROP VIEW {DATABASE}.{derived.view}")
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    old = _row(f"old-{province}", province, at, version=3)
    clickhouse.insert(f"{DATABASE}.violations", [old], column_names=COLUMNS)
    scope = Scope(frozenset({province}))
    assert filter_options(clickhouse, scope).versions == []
    for derived in DERIVED:
        clickhouse.command(
            f"DELETE FROM {DATABASE}.rollup_backfills WHERE rollup = {{t:String}}",
            parameters={"t": derived.table},
        )
    create_explorer_tables(clickhouse)
    create_explorer_tables(clickhouse)  # every start runs it: the record stops a second fill
    new = _row(f"new-{province}", province, at.replace(hour=10))
    clickhouse.insert(f"{DATABASE}.violations", [new], column_names=COLUMNS)
    options = filter_options(clickhouse, scope)
    assert (options.provinces, options.versions) == (
        [province],
        ["cmcc-service@1", "cmcc-service@3"],
    )
    page = find_violations(clickhouse, scope, ViolationFilter())
    assert [r.violation_id for r in page.rows] == [f"new-{province}", f"old-{province}"]
    stored = clickhouse.query(
        f"SELECT count() FROM {DATABASE}.violations_by_time WHERE province = {{p:String}}",
        parameters={"p": province},
    ).result_rows
    assert stored == [(2,)]


def test_a_moved_revision_shows_once_where_it_is_now(clickhouse: Client, province: str) -> None:
    first = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    rows = [_row(f"v{n}-{province}", province, first.replace(minute=n)) for n in range(3)]
    clickhouse.insert(f"{DATABASE}.violations", rows, column_names=COLUMNS)
    moved = [*_row(f"v0-{province}", province, first.replace(hour=12)), 1, 900.0]
    clickhouse.insert(f"{DATABASE}.violations", [moved], column_names=COLUMNS_REVISED)
    scope = Scope(frozenset({province}))
    page = find_violations(clickhouse, scope, ViolationFilter(), limit=2)
    assert [r.violation_id for r in page.rows] == [f"v0-{province}", f"v2-{province}"]
    assert page.rows[0].measured == 900.0
    assert page.next is not None
    rest = find_violations(clickhouse, scope, ViolationFilter(), after=page.next, limit=2)
    assert [r.violation_id for r in rest.rows] == [f"v1-{province}"]  # not v0's older row
    assert rest.next is None
