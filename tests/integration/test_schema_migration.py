"""An existing database, created by an earlier release, gains the columns and indexes added since."""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE
from processors.storage.schema import (
    ADDED_COLUMNS,
    ADDED_INDEXES,
    STATEMENTS,
    add_columns,
    add_indexes,
)

OLD = "svc_migration_test"


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
        clickhouse.command(
            f"ALTER TABLE {OLD}.events MATERIALIZE INDEX events_id_bloom SETTINGS mutations_sync = 1"
        )
        found = clickhouse.query(
            f"SELECT subject FROM {OLD}.events FINAL WHERE province = 'XZ' AND id IN ('e1', 'e2')"
        ).result_rows
        assert found == [("v1",)]
    finally:
        clickhouse.command(f"DROP DATABASE IF EXISTS {OLD}")
