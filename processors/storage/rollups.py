"""Materialized-view rollups the overview pages read instead of raw violations and checks.

Each rollup is an AggregatingMergeTree keyed by (day, province, channel, rule, unit),
`day` the Asia/Shanghai calendar day, `channel` the rule's prefix (`hall`, `hotline`,
…). Counts are kept as `uniqExact` states of ids, not as sums, because the rows
they roll up are not unique on insert: the sink may store a redelivered verdict
twice (the raw tables drop it at merge time), a revision repeats its id, and a
retraction is a new row of the same id. Counting ids makes every such repeat
harmless, and makes a backfill that overlaps the view's own inserts harmless too.

- `violations_daily`: `found` every id ever detected, `retracted` the ids with a
  retracting revision. Standing violations = found − retracted (a retraction is
  final in the engine, `standards.emit.retraction`).
- `checks_daily`: `checked` and `violated` check ids, the KPI denominators.
- `voids_daily`: ids voided by an accepted dispute (`svc.disputes`, action
  `accepted`), subtracted at query time. Its view is created once `svc.disputes`
  exists (the disputes projection creates that table).

Backfill: a view only sees inserts made after it exists, so when a rollup's view is
created its source's existing rows are inserted through the same SELECT, and a row
in `svc.rollup_backfills` records it; a start that finds no such row (first
creation, or a crash in between) runs the backfill again.
"""

from __future__ import annotations

from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE

DAY_TZ = "Asia/Shanghai"
KEY = "day, province, channel, rule, unit"


@dataclass(frozen=True)
class Rollup:
    table: str
    source: str
    columns: str
    """The aggregate columns of the target table."""
    select: str
    """The view's SELECT, also the backfill's."""

    @property
    def view(self) -> str:
        return f"{self.table}_mv"

    def create_table(self) -> str:
        return f"""
        CREATE TABLE IF NOT EXISTS {DATABASE}.{self.table} (
            day Date,
            province LowCardinality(String),
            channel LowCardinality(String),
            rule LowCardinality(String),
            unit String,
            {self.columns}
        ) ENGINE = AggregatingMergeTree
        ORDER BY ({KEY})
        """

    def create_view(self) -> str:
        return (
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DATABASE}.{self.view} "
            f"TO {DATABASE}.{self.table} AS {self.select}"
        )

    def backfill(self) -> str:
        return f"INSERT INTO {DATABASE}.{self.table} {self.select}"


def _select(day_column: str, aggregates: str, source: str, where: str = "") -> str:
    return f"""
        SELECT toDate({day_column}, '{DAY_TZ}') AS day, province,
               splitByChar('.', rule)[1] AS channel, rule, unit, {aggregates}
        FROM {DATABASE}.{source}
        {where}
        GROUP BY {KEY}
    """


ROLLUPS: tuple[Rollup, ...] = (
    Rollup(
        "violations_daily",
        "violations",
        """found AggregateFunction(uniqExact, String),
            retracted AggregateFunction(uniqExact, String),
            first_detected SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
            last_detected SimpleAggregateFunction(max, DateTime64(3, 'UTC'))""",
        _select(
            "detected_at",
            """uniqExactState(violation_id) AS found,
               uniqExactStateIf(violation_id, retracted) AS retracted,
               min(detected_at) AS first_detected, max(detected_at) AS last_detected""",
            "violations",
        ),
    ),
    Rollup(
        "checks_daily",
        "checks",
        """checked AggregateFunction(uniqExact, String),
            violated AggregateFunction(uniqExact, String)""",
        _select(
            "checked_at",
            """uniqExactState(check_id) AS checked,
               uniqExactStateIf(check_id, violated) AS violated""",
            "checks",
        ),
    ),
    Rollup(
        "voids_daily",
        "disputes",
        "voided AggregateFunction(uniqExact, String)",
        _select(
            "detected_at",
            "uniqExactState(violation_id) AS voided",
            "disputes",
            "WHERE action = 'accepted'",
        ),
    ),
)

BACKFILLS = f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.rollup_backfills (
        rollup String,
        done_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree
    ORDER BY rollup
"""


def _exists(client: Client, table: str) -> bool:
    rows = client.query(
        "SELECT count() FROM system.tables WHERE database = {db:String} AND name = {name:String}",
        parameters={"db": DATABASE, "name": table},
    ).result_rows
    return bool(rows[0][0])


def _backfilled(client: Client, rollup: Rollup) -> bool:
    rows = client.query(
        f"SELECT count() FROM {DATABASE}.rollup_backfills WHERE rollup = {{name:String}}",
        parameters={"name": rollup.table},
    ).result_rows
    return bool(rows[0][0])


def create_rollups(client: Client) -> None:
    """Targets always; each view once its source exists; then the backfill if not done."""
    client.command(BACKFILLS)
    for rollup in ROLLUPS:
        client.command(rollup.create_table())
        if not _exists(client, rollup.source):
            continue
        client.command(rollup.create_view())
        if not _backfilled(client, rollup):
            client.command(rollup.backfill())
            client.insert(f"{DATABASE}.rollup_backfills", [[rollup.table]], column_names=["rollup"])
