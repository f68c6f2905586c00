"""Records and columns agree: every field of a verdict or dead-letter record has a column to
land in, and every column the sink fills (one without a DEFAULT) has a field to fill it.

The sink reads a table's columns and ignores a record's extra fields, so a field added on
one side only would be dropped, or a column left at its type's zero, without an error;
this test is where such a change fails. Checked on the schema as `create_schema` makes it
(migrations included) in the session's chDB.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE
from processors.worker.intake import DeadLetter
from standards.testing import as_json, checks, clocks, event, run, violations

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _columns(client: Client, table: str) -> tuple[set[str], set[str]]:
    """(every column, the insertable ones: no DEFAULT, MATERIALIZED or ALIAS expression)."""
    rows = client.query(
        "SELECT name, default_kind FROM system.columns WHERE database = {db:String}"
        " AND table = {table:String}",
        parameters={"db": DATABASE, "table": table},
    ).result_rows
    assert rows, f"no table {DATABASE}.{table}"
    return {name for name, _ in rows}, {name for name, kind in rows if not kind}


def _stain_verdicts() -> tuple[dict[str, Any], dict[str, Any]]:
    stain = [
        event("hall.stain.reported", T0, area="x"),
        event("hall.stain.cleaned", T0 + timedelta(minutes=6), area="x"),
    ]
    verdicts = run(stain)
    [violation] = violations(verdicts)
    [check] = checks(verdicts)
    return violation.to_record(), check.to_record()


def _clock_record() -> dict[str, Any]:
    ticket = event(
        "repair.ticket.opened",
        T0,
        area="urban",
        customer="c-1",
        important_customer=False,
        monthly_fee="58.00",
    )
    [clock] = clocks(run([ticket]), "repair.deadline")
    return clock.to_record()


VIOLATION, CHECK = _stain_verdicts()
CLOCK = _clock_record()
LETTER = DeadLetter("svc.events.hall", 3, 41, "bad: not JSON", b"{oops").to_record(T0)


@pytest.mark.parametrize(
    ("table", "record"),
    [("violations", VIOLATION), ("checks", CHECK), ("deadletters", LETTER), ("clocks", CLOCK)],
    ids=["violations", "checks", "deadletters", "clocks"],
)
def test_record_fields_and_insertable_columns_are_the_same_names(
    clickhouse: Client, table: str, record: dict[str, Any]
) -> None:
    _, insertable = _columns(clickhouse, table)
    fields = set(record)
    assert {
        "fields without a column": sorted(fields - insertable),
        "columns without a field": sorted(insertable - fields),
    } == {"fields without a column": [], "columns without a field": []}


def test_every_insertable_event_column_is_an_envelope_field(clickhouse: Client) -> None:
    """Events land as published: envelope fields with no column (specversion,
    datacontenttype) are not kept, but every column must be filled from one."""
    _, insertable = _columns(clickhouse, "events")
    published = set(as_json(event("hall.stain.reported", T0, area="x")))
    assert sorted(insertable - published) == []
