"""An existing database, created by an earlier release, gains the columns, indexes and
projections added since."""

from __future__ import annotations

import time

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE
from processors.storage.schema import (
    ADDED_COLUMNS,
    ADDED_INDEXES,
    ADDED_PROJECTIONS,
    STATEMENTS,
    add_columns,
    add_indexes,
    add_projections,
)

OLD = "svc_migration_test"


def _built(clickhouse: Client, timeout_s: float = 60.0) -> None:
    """Wait for the background mutations that build added indexes and projections."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        [(running,)] = clickhouse.query(
            "SELECT count() FROM system.mutations WHERE database = {db:String} AND NOT is_done",
            parameters={"db": OLD},
        ).result_rows
        if running == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"mutations in {OLD} still running after {timeout_s} s")


def test_added_columns_reach_an_existing_table_and_keep_its_rows(clickhouse: Client) -> None:
    clickhouse.command(f"DROP DATABASE IF EXISTS {OLD}")
    clickhouse.command(f"CREATE DATABASE {OLD}")
    try:
        for statement in STATEMENTS[1:]:  # the tables as first released, in another database
            clickhouse.command(statement.replace(f"{DATABASE}.", f"{OLD}."))
        clickhouse.command(
            f"INSERT INTO {OLD}.checks (check_id, rule, day, checked_at, violated) "
            "VALUES ('c1', 'hall.wait_time', '2026-03-02', '2026-03-02 09:00:00', true)"
        )
        add_columns(clickhouse, OLD)
        add_columns(clickhouse, OLD)  # every start runs it: a second run changes nothing
        for table, column, ch_type, default in ADDED_COLUMNS:
            described = clickhouse.query(f"DESCRIBE TABLE {OLD}.{table}").result_rows
            types = {row[0]: (row[1], row[3]) for row in described}
            assert types[column] == (ch_type, default), (table, column)
        rows = clickhouse.query(
            f"SELECT check_id, violated, calendar_uncovered FROM {OLD}.checks"
        ).result_rows
        assert rows == [("c1", True, False)]
    finally:
        clickhouse.command(f"DROP DATABASE IF EXISTS {OLD}")


def test_added_indexes_reach_an_existing_table_and_find_its_rows(clickhouse: Client) -> None:
    clickhouse.command(f"DROP DATABASE IF EXISTS {OLD}")
    clickhouse.command(f"CREATE DATABASE {OLD}")
    try:
        for statement in STATEMENTS[1:]:
            clickhouse.command(statement.replace(f"{DATABASE}.", f"{OLD}."))
        clickhouse.command(
            f"INSERT INTO {OLD}.events (id, type, time, province, unit, subject, source, data) "
            "VALUES ('e1', 'hall.visit.called', '2026-03-02 09:00:00', 'XZ', 'XZ-H0001', "
            "'v1', '/provinces/XZ/halls/XZ-H0001', '{}')"
        )
        add_indexes(clickhouse, OLD)
        add_indexes(clickhouse, OLD)  # every start runs it: a second run changes nothing
        indexed = clickhouse.query(
            "SELECT table, name FROM system.data_skipping_indices WHERE database = {db:String}",
            parameters={"db": OLD},
        ).result_rows
        assert sorted(indexed) == sorted((table, name) for table, name, _ in ADDED_INDEXES)
        _built(clickhouse)
        [(unindexed,)] = clickhouse.query(
            f"SELECT count() FROM system.parts WHERE database = '{OLD}' AND table = 'events' "
            "AND active AND secondary_indices_compressed_bytes = 0"
        ).result_rows
        assert unindexed == 0, "the part written before the index was not indexed"
        found = clickhouse.query(
            f"SELECT subject FROM {OLD}.events FINAL WHERE province = 'XZ' AND id IN ('e1', 'e2')"
        ).result_rows
        assert found == [("v1",)]
    finally:
        clickhouse.command(f"DROP DATABASE IF EXISTS {OLD}")


def test_added_projections_reach_an_existing_table_and_serve_its_rows(clickhouse: Client) -> None:
    clickhouse.command(f"DROP DATABASE IF EXISTS {OLD}")
    clickhouse.command(f"CREATE DATABASE {OLD}")
    try:
        for statement in STATEMENTS[1:]:
            clickhouse.command(statement.replace(f"{DATABASE}.", f"{OLD}."))
        add_columns(clickhouse, OLD)
        columns = "clock_id, province, rule, started_at, due_at, closed, revision"
        clickhouse.command(
            f"INSERT INTO {OLD}.clocks ({columns}) VALUES "
            "('k1', 'XZ', 'repair.deadline', '2026-03-01 09:00:00', '2026-03-03 09:00:00', false, 0),"
            "('k2', 'XZ', 'repair.deadline', '2026-03-01 09:00:00', '2026-03-03 10:00:00', false, 0)"
        )
        add_projections(clickhouse, OLD)
        add_projections(clickhouse, OLD)  # every start runs it: a second run changes nothing
        projected = clickhouse.query(
            "SELECT table, name FROM system.projections WHERE database = {db:String}",
            parameters={"db": OLD},
        ).result_rows
        assert sorted(projected) == sorted((table, name) for table, name, _ in ADDED_PROJECTIONS)
        # k2 closes after the projection exists; the part loaded before gets it built
        clickhouse.command(
            f"INSERT INTO {OLD}.clocks ({columns}) VALUES "
            "('k2', 'XZ', 'repair.deadline', '2026-03-01 09:00:00', '2026-03-03 10:00:00', true, 1)"
        )
        _built(clickhouse)
        [(unprojected,)] = clickhouse.query(
            f"SELECT count() FROM system.parts WHERE database = '{OLD}' AND table = 'clocks' "
            "AND active AND name NOT IN (SELECT parent_name FROM system.projection_parts "
            f"WHERE database = '{OLD}' AND table = 'clocks' AND name = 'clocks_by_due' "
            "AND active)"
        ).result_rows
        assert unprojected == 0, "the part written before the projection did not get it"
        open_due = (
            f"SELECT clock_id FROM {OLD}.clocks WHERE due_at >= '2026-03-03 00:00:00' "
            "GROUP BY province, rule, clock_id HAVING NOT argMax(closed, revision)"
        )
        plan = clickhouse.query(f"EXPLAIN projections = 1 {open_due}").result_rows
        assert any("clocks_by_due" in str(row[0]) for row in plan)
        assert clickhouse.query(open_due).result_rows == [("k1",)]
    finally:
        clickhouse.command(f"DROP DATABASE IF EXISTS {OLD}")
