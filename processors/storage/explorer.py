"""Tables the violation explorer reads instead of scanning `svc.violations`.

`svc.violations` is sorted by (province, rule, violation_id), the key its revisions
replace each other on. The explorer asks two other questions of it, each of which
would read every row:

- `violations_by_time`: the newest violations first, each with what a page shows.
  The same rows and columns, sorted by (detected_at, violation_id): a page is read
  in order and the read stops at its LIMIT, and the rows of one page lie together
  (in `svc.violations` each of a page's rows is in a granule of its own, and showing
  it decompresses that granule's messages and evidence). A ReplacingMergeTree on
  that key keeps a violation's latest revision per detection time; a revision that
  moved the time leaves its older row, so the explorer takes a violation's latest
  revision over all its rows (found through the `violation_id` bloom filter) and
  shows it only where that revision is. The filter's false-positive rate is 0.0001,
  not 0.01: a page looks up about a hundred ids at once, so a granule is read for
  nothing with a chance of a hundred times the rate. The table doubles the
  violations' storage.
- `violation_versions`: which provinces and standard versions have violations, for
  the filters' choices: one row per (province, standard, version).

Both are filled by materialized views as the sink inserts. A view sees only rows
inserted after it exists, so on creation the rows already stored are inserted
through the view's own SELECT, recorded in `svc.rollup_backfills` as the rollups'
backfills are (`processors.storage.rollups`): a start that finds no record runs it
again, which the ReplacingMergeTree keys make harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE
from processors.storage.rollups import BACKFILLS


@dataclass(frozen=True)
class Derived:
    """A table kept from `svc.violations` by a materialized view."""

    table: str
    create: str
    select: str
    """The view's SELECT, also the backfill's."""

    @property
    def view(self) -> str:
        return f"{self.table}_mv"


BY_TIME = Derived(
    "violations_by_time",
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.violations_by_time (
        violation_id String,
        standard LowCardinality(String),
        version UInt32,
        rule LowCardinality(String),
        clause String,
        severity LowCardinality(String),
        province LowCardinality(String),
        unit String,
        subject String,
        detected_at DateTime64(3, 'UTC'),
        measured Nullable(Float64),
        `limit` Nullable(Float64),
        measure LowCardinality(String),
        evidence Array(String),
        message_zh String,
        message_en String,
        retracted Bool,
        revision UInt32,
        inserted_at DateTime64(3, 'UTC'),
        INDEX violation_id_bloom violation_id TYPE bloom_filter(0.0001) GRANULARITY 1
    ) ENGINE = ReplacingMergeTree(revision)
    ORDER BY (detected_at, violation_id)
    """,
    f"""
    SELECT violation_id, standard, version, rule, clause, severity, province, unit, subject,
           detected_at, measured, `limit`, measure, evidence, message_zh, message_en,
           retracted, revision, inserted_at
    FROM {DATABASE}.violations
    """,
)

VERSIONS = Derived(
    "violation_versions",
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.violation_versions (
        province LowCardinality(String),
        standard LowCardinality(String),
        version UInt32
    ) ENGINE = ReplacingMergeTree
    ORDER BY (province, standard, version)
    """,
    f"""
    SELECT province, standard, version
    FROM {DATABASE}.violations
    GROUP BY province, standard, version
    """,
)

DERIVED: tuple[Derived, ...] = (BY_TIME, VERSIONS)


def _backfilled(client: Client, table: str) -> bool:
    rows = client.query(
        f"SELECT count() FROM {DATABASE}.rollup_backfills WHERE rollup = {{name:String}}",
        parameters={"name": table},
    ).result_rows
    return bool(rows[0][0])


def create_explorer_tables(client: Client) -> None:
    """Each table, its view, and the backfill of the rows stored before the view, once."""
    client.command(BACKFILLS)
    for derived in DERIVED:
        client.command(derived.create)
        client.command(
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {DATABASE}.{derived.view} "
            f"TO {DATABASE}.{derived.table} AS {derived.select}"
        )
        if not _backfilled(client, derived.table):
            client.command(f"INSERT INTO {DATABASE}.{derived.table} {derived.select}")
            client.insert(
                f"{DATABASE}.rollup_backfills", [[derived.table]], column_names=["rollup"]
            )
