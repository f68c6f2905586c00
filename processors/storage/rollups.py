"""Materialized-view rollups the overview pages read instead of raw violations and checks.

Each rollup is an AggregatingMergeTree keyed by (day, province, channel, rule, unit)
(`<name>_daily`), and again without the unit (`<name>_province_daily`, what the
scorecard and the rules page read: far fewer keys), `day` the Asia/Shanghai calendar
day, `channel` the rule's prefix (`hall`, `hotline`, …). Violations are kept as `uniqExact` states of their ids, not as sums, because
their rows are not unique on insert: the sink may store a redelivered verdict
twice (the raw table drops it at merge time), a revision repeats its id, a
retraction is a new row of the same id, a dispute may be accepted twice. Counting
ids makes every such repeat harmless, and a backfill overlapping the view too.

- `violations_daily`: `found` every id ever detected, `retracted` the ids with a
  retracting revision. Standing violations = found − retracted (a retraction is
  final in the engine, `standards.emit.retraction`).
- `voids_daily`: ids voided by an accepted dispute (`svc.disputes`, action
  `accepted`), subtracted at query time. Its view is created once `svc.disputes`
  exists (the disputes projection creates that table).
- `checks_daily`: `checked` and `violated` as sums of rows. Checks outnumber
  violations by far (one per evaluation), and are never revised, so they are
  counted as rows: id states would make the scorecard merge every check id of
  the period. A check stored twice (only a worker's replay after a crash re-sends
  verdicts, at most one checkpoint interval of them) counts twice.

Backfill: a view only sees inserts made after it exists, so when a rollup's view is
created its source's existing rows are inserted through the same SELECT, and a row
in `svc.rollup_backfills` records it; a start that finds no such row (first
creation, or a crash in between) runs the backfill again. Locally nothing inserts
while the schema is created (the projector starts after it); against a server
with a sink running, a check inserted in the instant between the view's creation
and the backfill's read counts twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE

DAY_TZ = "Asia/Shanghai"
UNIT_KEY = "day, province, channel, rule, unit"
PROVINCE_KEY = "day, province, channel, rule"


@dataclass(frozen=True)
class Rollup:
    table: str
    source: str
    key: str
    columns: str
    """The aggregate columns of the target table."""
    aggregates: str
    """The view's aggregate expressions, one per column."""
    where: str = ""

    @property
    def view(self) -> str:
        return f"{self.table}_mv"

    @property
    def select(self) -> str:
        """The view's SELECT, also the backfill's."""
        day = "detected_at" if self.source != "checks" else "checked_at"
        unit = ", unit" if self.key == UNIT_KEY else ""
        return f"""
            SELECT toDate({day}, '{DAY_TZ}') AS day, province,
                   splitByChar('.', rule)[1] AS channel, rule{unit}, {self.aggregates}
            FROM {DATABASE}.{self.source}
            {self.where}
            GROUP BY {self.key}
        """

    def create_table(self) -> str:
        unit = "unit String," if self.key == UNIT_KEY else ""
        return f"""
        CREATE TABLE IF NOT EXISTS {DATABASE}.{self.table} (
            day Date,
            province LowCardinality(String),
            channel LowCardinality(String),
            rule LowCardinality(String),
            {unit}
            {self.columns}
        ) ENGINE = AggregatingMergeTree
        ORDER BY ({self.key})
        """

    def create_view(self) -> str:
        return (
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DATABASE}.{self.view} "
            f"TO {DATABASE}.{self.table} AS {self.select}"
        )

    def backfill(self) -> str:
        return f"INSERT INTO {DATABASE}.{self.table} {self.select}"


VIOLATION_COLUMNS = """found AggregateFunction(uniqExact, String),
    retracted AggregateFunction(uniqExact, String),
    first_detected SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_detected SimpleAggregateFunction(max, DateTime64(3, 'UTC'))"""
VIOLATION_AGGREGATES = """uniqExactState(violation_id) AS found,
    uniqExactStateIf(violation_id, retracted) AS retracted,
    min(detected_at) AS first_detected, max(detected_at) AS last_detected"""
CHECK_COLUMNS = """checked SimpleAggregateFunction(sum, UInt64),
    violated SimpleAggregateFunction(sum, UInt64)"""
CHECK_AGGREGATES = "toUInt64(count()) AS checked, toUInt64(countIf(violated)) AS violated"
VOID_COLUMNS = "voided AggregateFunction(uniqExact, String)"
VOID_AGGREGATES = "uniqExactState(violation_id) AS voided"
ACCEPTED = "WHERE action = 'accepted'"


def _grains(
    name: str, source: str, columns: str, aggregates: str, where: str = ""
) -> tuple[Rollup, Rollup]:
    """The same rollup per unit (`<name>_daily`) and per province (`<name>_province_daily`)."""
    return (
        Rollup(f"{name}_daily", source, UNIT_KEY, columns, aggregates, where),
        Rollup(f"{name}_province_daily", source, PROVINCE_KEY, columns, aggregates, where),
    )


ROLLUPS: tuple[Rollup, ...] = (
    *_grains("violations", "violations", VIOLATION_COLUMNS, VIOLATION_AGGREGATES),
    *_grains("checks", "checks", CHECK_COLUMNS, CHECK_AGGREGATES),
    *_grains("voids", "disputes", VOID_COLUMNS, VOID_AGGREGATES, ACCEPTED),
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
