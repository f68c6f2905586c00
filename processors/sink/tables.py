"""Which topic lands in which table, and how a JSON record becomes a row.

Columns are read from the table itself, so the schema is written once (in
`processors.storage.schema`) and a record's extra fields are simply ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from events.topics import DEADLETTER_TOPIC, KPIS_TOPIC, VIOLATIONS_TOPIC
from processors.storage.client import DATABASE

TABLE_OF_TOPIC: dict[str, str] = {
    VIOLATIONS_TOPIC: f"{DATABASE}.violations",
    KPIS_TOPIC: f"{DATABASE}.checks",
    DEADLETTER_TOPIC: f"{DATABASE}.deadletters",
}

Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _to_datetime(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _to_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _converter(ch_type: str) -> Converter:
    base = ch_type.removeprefix("Nullable(").removeprefix("LowCardinality(")
    if base.startswith("DateTime"):
        return _to_datetime
    if base.startswith("Date"):
        return _to_date
    return _identity


@dataclass(frozen=True)
class TableLayout:
    """The insertable columns of one table and how to fill each from a record."""

    table: str
    columns: tuple[str, ...]
    converters: tuple[Converter, ...]

    def row(self, record: dict[str, Any]) -> list[Any]:
        return [
            convert(record.get(column))
            for column, convert in zip(self.columns, self.converters, strict=True)
        ]


def describe(client: Client, table: str) -> TableLayout:
    """Columns without a DEFAULT expression, in table order."""
    result = client.query(f"DESCRIBE TABLE {table}")
    columns: list[str] = []
    converters: list[Converter] = []
    for name, ch_type, default_kind, *_ in result.result_rows:
        if default_kind:
            continue
        columns.append(name)
        converters.append(_converter(ch_type))
    return TableLayout(table, tuple(columns), tuple(converters))
