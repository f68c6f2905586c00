"""Which topic lands in which table, and how a JSON record becomes a row.

Columns are read from the table itself, so the schema is written once (in
`processors.storage.schema`) and a record's extra fields are simply ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from events.topics import (
    CLOCKS_TOPIC,
    DEADLETTER_TOPIC,
    DISPUTES_TOPIC,
    EVENT_TOPICS,
    KPIS_TOPIC,
    VIOLATIONS_TOPIC,
)
from processors.storage.client import DATABASE

TABLE_OF_TOPIC: dict[str, str] = {
    **{topic: f"{DATABASE}.events" for topic in EVENT_TOPICS.values()},
    VIOLATIONS_TOPIC: f"{DATABASE}.violations",
    KPIS_TOPIC: f"{DATABASE}.checks",
    DEADLETTER_TOPIC: f"{DATABASE}.deadletters",
    DISPUTES_TOPIC: f"{DATABASE}.disputes",
    CLOCKS_TOPIC: f"{DATABASE}.clocks",
}

Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _to_datetime(value: Any) -> Any:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value
    raise TypeError(f"{value!r} is not a time")


def _to_text(value: Any) -> Any:
    """Nested data (an event's `data`) is kept as its JSON text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _to_date(value: Any) -> Any:
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, date):
        return value
    raise TypeError(f"{value!r} is not a date")


def _to_float(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    raise TypeError(f"{value!r} is not a number")


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise TypeError(f"{value!r} is not true or false")


def _to_texts(value: Any) -> Any:
    if isinstance(value, list):
        return [_to_text(item) for item in value]
    raise TypeError(f"{value!r} is not a list")


def _integer(ch_type: str) -> Converter:
    """Integers in the column's range: a value ClickHouse cannot store is refused here, so
    one bad record never makes a whole batch's insert fail."""
    bits = int("".join(c for c in ch_type if c.isdigit()) or "64")
    low, high = (
        (0, 2**bits) if ch_type.startswith("UInt") else (-(2 ** (bits - 1)), 2 ** (bits - 1))
    )

    def convert(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value < high:
            return value
        raise TypeError(f"{value!r} is not a {ch_type}")

    return convert


def _nullable(convert: Converter) -> Converter:
    def nullable(value: Any) -> Any:
        return None if value is None else convert(value)

    return nullable


def _missing(ch_type: str) -> Any:
    """The value for a column a record lacks (one written before the column existed)."""
    base = ch_type.removeprefix("LowCardinality(")
    if base.startswith("Nullable("):
        return None
    if base.startswith("Array("):
        return []
    if base.startswith("Bool"):
        return False
    if base.startswith(("String", "FixedString")):
        return ""
    if base.startswith(("Int", "UInt", "Float", "Decimal")):
        return 0
    raise ValueError(f"record lacks a value for a {ch_type} column")


def _converter(ch_type: str) -> Converter:
    """Checks a value has the column's type (and converts text to times and dates)."""
    base = ch_type.removeprefix("LowCardinality(").removeprefix("Nullable(").rstrip(")")
    if base.startswith("DateTime"):
        convert: Converter = _to_datetime
    elif base.startswith("Date"):
        convert = _to_date
    elif base.startswith("String"):
        convert = _to_text
    elif base.startswith(("Int", "UInt")):
        convert = _integer(base)
    elif base.startswith("Float"):
        convert = _to_float
    elif base.startswith("Bool"):
        convert = _to_bool
    elif base.startswith("Array(String"):
        convert = _to_texts
    else:
        convert = _identity
    nullable = ch_type.removeprefix("LowCardinality(").startswith("Nullable(")
    return _nullable(convert) if nullable else convert


@dataclass(frozen=True)
class TableLayout:
    """The insertable columns of one table and how to fill each from a record."""

    table: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    converters: tuple[Converter, ...]

    def row(self, record: dict[str, Any]) -> list[Any]:
        if not isinstance(record, dict):
            raise TypeError(f"a {type(record).__name__}, not a JSON object")
        try:
            return [
                convert(record[column])
                for column, convert in zip(self.columns, self.converters, strict=True)
            ]
        except KeyError:
            pass
        return [
            convert(record[column]) if column in record else _missing(ch_type)
            for column, ch_type, convert in zip(
                self.columns, self.types, self.converters, strict=True
            )
        ]


def describe(client: Client, table: str) -> TableLayout:
    """Columns without a DEFAULT expression, in table order."""
    result = client.query(f"DESCRIBE TABLE {table}")
    rows = [
        (name, ch_type)
        for name, ch_type, default_kind, *_ in result.result_rows
        if not default_kind
    ]
    return TableLayout(
        table,
        tuple(name for name, _ in rows),
        tuple(ch_type for _, ch_type in rows),
        tuple(_converter(ch_type) for _, ch_type in rows),
    )
