"""The ClickHouse schema, created idempotently.

Tables are ReplacingMergeTree on deterministic ids: redelivery, worker restarts
and replays never add a row, and the deduplication window makes a re-sent
insert block a no-op even before merges.
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE, chdb_in_use, connect
from processors.storage.explorer import create_explorer_tables
from processors.storage.rollups import create_rollups

DEDUP = "SETTINGS non_replicated_deduplication_window = 10000"

STATEMENTS: tuple[str, ...] = (
    f"CREATE DATABASE IF NOT EXISTS {DATABASE}",
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.violations (
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
        inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(revision)
    ORDER BY (province, rule, violation_id) {DEDUP}
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.checks (
        check_id String,
        standard LowCardinality(String),
        version UInt32,
        rule LowCardinality(String),
        province LowCardinality(String),
        unit String,
        subject String,
        day Date,
        checked_at DateTime64(3, 'UTC'),
        violated Bool,
        value Nullable(Float64)
    ) ENGINE = ReplacingMergeTree
    ORDER BY (province, rule, day, check_id) {DEDUP}
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.events (
        id String,
        type LowCardinality(String),
        time DateTime64(3, 'UTC'),
        province LowCardinality(String),
        unit String,
        subject String,
        source String,
        data String,
        received_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree
    ORDER BY (province, subject, id) {DEDUP}
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.deadletters (
        letter_id String,
        topic LowCardinality(String),
        partition UInt32,
        offset UInt64,
        reason String,
        raw String,
        received_at DateTime64(3, 'UTC')
    ) ENGINE = ReplacingMergeTree
    ORDER BY letter_id {DEDUP}
    """,
    # What-if results of `svcstd replay`, one name per replay: apart from the verdicts in force.
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.whatif_violations (
        replay String,
        violation_id String,
        standard LowCardinality(String),
        version UInt32,
        rule LowCardinality(String),
        clause String,
        severity LowCardinality(String),
        province LowCardinality(String),
        unit String,
        subject String,
        occurrence String,
        detected_at DateTime64(3, 'UTC'),
        measured Nullable(Float64),
        `limit` Nullable(Float64),
        measure LowCardinality(String),
        evidence Array(String),
        message_zh String,
        message_en String,
        retracted Bool,
        revision UInt32,
        calendar_uncovered Bool,
        inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(revision)
    ORDER BY (replay, province, rule, violation_id)
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.whatif_runs (
        replay String,
        standard LowCardinality(String),
        version UInt32,
        draft String,
        draft_sha256 String,
        period_from DateTime64(3, 'UTC'),
        period_to DateTime64(3, 'UTC'),
        events UInt64,
        invalid UInt64,
        violations UInt64,
        retracted UInt64,
        checks UInt64,
        seconds Float64,
        cpu_seconds Float64,
        finished_at DateTime64(3, 'UTC')
    ) ENGINE = ReplacingMergeTree(finished_at)
    ORDER BY replay
    """,
    # Dispute events (svc.disputes), one row per event, never updated: a violation's dispute
    # status is derived at query time (dashboard/data/disputes.py).
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.disputes (
        event_id String,
        dispute_id String,
        violation_id String,
        action LowCardinality(String),
        province LowCardinality(String),
        unit String,
        rule LowCardinality(String),
        detected_at DateTime64(3, 'UTC'),
        actor String,
        role LowCardinality(String),
        at DateTime64(3, 'UTC'),
        reason String,
        inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree
    ORDER BY (province, violation_id, event_id) {DEDUP}
    """,
    # Deadline clocks the worker runs (standards.verdicts.ClockState), for the at-risk page:
    # one row per clock, the closed state (revision 1) replacing the open one.
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.clocks (
        clock_id String,
        standard LowCardinality(String),
        version UInt32,
        rule LowCardinality(String),
        clause String,
        severity LowCardinality(String),
        province LowCardinality(String),
        unit String,
        subject String,
        started_at DateTime64(3, 'UTC'),
        due_at DateTime64(3, 'UTC'),
        closed Bool,
        closed_at Nullable(DateTime64(3, 'UTC')),
        outcome LowCardinality(String),
        revision UInt32,
        inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(revision)
    ORDER BY (province, rule, clock_id) {DEDUP}
    """,
    # Events received per minute and province, rolled up as the sink inserts them: the
    # pipeline page's events per second without scanning svc.events (rows inserted
    # before this view existed are not counted).
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.events_per_minute (
        minute DateTime('UTC'),
        province LowCardinality(String),
        events UInt64
    ) ENGINE = SummingMergeTree
    ORDER BY (minute, province)
    """,
    f"""
    CREATE MATERIALIZED VIEW IF NOT EXISTS {DATABASE}.events_per_minute_mv
    TO {DATABASE}.events_per_minute AS
    SELECT toStartOfMinute(received_at) AS minute, province, count() AS events
    FROM {DATABASE}.events
    GROUP BY minute, province
    """,
    # A replay's diff against the verdicts in force, stored once when the replay finishes
    # (processors/replay/diff.py `store`): the what-if page and `svcstd replay diff` read
    # these instead of diffing every violation of the period at each look. Written by one
    # statement per replay and deleted with it, so plain MergeTree, read without FINAL.
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.whatif_diff (
        replay String,
        rule LowCardinality(String),
        province LowCardinality(String),
        in_force UInt64,
        whatif UInt64,
        added UInt64,
        removed UInt64
    ) ENGINE = MergeTree
    ORDER BY (replay, province, rule)
    """,
    f"""
    CREATE TABLE IF NOT EXISTS {DATABASE}.whatif_changes (
        replay String,
        change LowCardinality(String),
        rule LowCardinality(String),
        province LowCardinality(String),
        violation_id String,
        subject String
    ) ENGINE = MergeTree
    ORDER BY (replay, rule, province, change, violation_id)
    """,
)


# Columns added after a table was first released: an existing database gets them on its
# next start, its rows keep their values and read the new column as its type's default.
# Append here; never edit a CREATE above in a way an existing table would not match.
# A column with a DEFAULT is filled by ClickHouse, never by the sink.
ADDED_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("violations", "calendar_uncovered", "Bool", ""),
    ("checks", "calendar_uncovered", "Bool", ""),
    ("checks", "inserted_at", "DateTime64(3, 'UTC')", "now64(3)"),
    ("violations", "occurrence", "String", ""),
    # whether the run's diff is in svc.whatif_diff / svc.whatif_changes (runs recorded
    # before those tables existed read false, and are diffed live)
    ("whatif_runs", "diff_stored", "Bool", ""),
)


# Data-skipping indexes added after a table was first released, as (table, name, definition).
# Parts written after the index exists carry it; older parts get it from the
# `MATERIALIZE INDEX` mutation `add_indexes` starts when it adds one (in the background).
# Append here; an index is never redefined under the same name.
ADDED_INDEXES: tuple[tuple[str, str, str], ...] = (
    # a violation's evidence is looked up by event id inside its province, whose rows the
    # primary key (province, subject, id) cannot narrow by id: millions of rows per lookup
    ("events", "events_id_bloom", "id TYPE bloom_filter(0.01) GRANULARITY 1"),
)


# Projections added after a table was first released, as (table, name, definition): each
# table here gets `deduplicate_merge_projection_mode = 'rebuild'` first, which ClickHouse
# (24.8 and later) requires of a ReplacingMergeTree with projections (merges rebuild them).
# Parts written after the projection exists carry it; older parts get it from the
# `MATERIALIZE PROJECTION` mutation `add_projections` starts when it adds one (in the
# background: until it is done, they are read from the table as before). A query uses a
# projection only without FINAL. Append here; never redefine.
ADDED_PROJECTIONS: tuple[tuple[str, str, str], ...] = (
    # the at-risk page asks for clocks by due time (due within N hours, overdue), which
    # the key (province, rule, clock_id) cannot narrow: every clock ever published
    (
        "clocks",
        "clocks_by_due",
        "(SELECT clock_id, rule, clause, severity, province, unit, subject, started_at, "
        "due_at, closed, revision ORDER BY due_at)",
    ),
    # its province filter and freshness line: a few rows per part instead of every clock
    (
        "clocks",
        "clocks_by_province",
        "(SELECT province, max(inserted_at), count() GROUP BY province)",
    ),
    # the what-if page's freshness line (dashboard.freshness.latest_insert)
    ("whatif_violations", "whatif_violations_latest", "(SELECT max(inserted_at), count())"),
)


def create_schema(client: Client) -> None:
    for statement in STATEMENTS:
        client.command(statement)
    add_columns(client)
    add_indexes(client)
    add_projections(client)
    create_rollups(client)
    create_explorer_tables(client)


def add_columns(client: Client, database: str = DATABASE) -> None:
    """Additive migrations only: a column is added, never renamed or retyped."""
    for table, column, ch_type, default in ADDED_COLUMNS:
        fill = f" DEFAULT {default}" if default else ""
        client.command(
            f"ALTER TABLE {database}.{table} ADD COLUMN IF NOT EXISTS {column} {ch_type}{fill}"
        )


def add_indexes(client: Client, database: str = DATABASE) -> None:
    """Additive only, like the columns: safe to run on every start."""
    _add_missing(client, database, "INDEX", "data_skipping_indices", ADDED_INDEXES)


def add_projections(client: Client, database: str = DATABASE) -> None:
    """Additive only, like the indexes: safe to run on every start."""
    for table in dict.fromkeys(table for table, _, _ in ADDED_PROJECTIONS):
        client.command(
            f"ALTER TABLE {database}.{table} "
            "MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'"
        )
    _add_missing(client, database, "PROJECTION", "projections", ADDED_PROJECTIONS)


def _add_missing(
    client: Client,
    database: str,
    kind: str,
    system_table: str,
    added: tuple[tuple[str, str, str], ...],
) -> None:
    """Each INDEX or PROJECTION the table lacks, then built into the parts written before
    it (a background mutation), so an existing deployment's old rows are served by it too."""
    rows = client.query(
        f"SELECT table, name FROM system.{system_table} WHERE database = {{db:String}}",
        parameters={"db": database},
    ).result_rows
    present = {(str(table), str(name)) for table, name in rows}
    for table, name, definition in added:
        if (table, name) in present:
            continue
        client.command(
            f"ALTER TABLE {database}.{table} ADD {kind} IF NOT EXISTS {name} {definition}"
        )
        client.command(f"ALTER TABLE {database}.{table} MATERIALIZE {kind} {name}")


def ensure_schema(dsn: str) -> bool:
    """Create what is missing; safe to run on every start.

    Returns False, touching nothing, when a chDB directory is held by another
    process (the local dashboard, which creates the schema itself on start).
    """
    if chdb_in_use(dsn):
        return False
    client = connect(dsn)
    try:
        create_schema(client)
    finally:
        client.close()
    return True
