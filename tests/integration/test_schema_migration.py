"""An existing database, created by an earlier release, gains the columns added since."""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE
from processors.storage.schema import ADDED_COLUMNS, STATEMENTS, add_columns

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
