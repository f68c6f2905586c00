"""The what-if tables: a replay's standing violations and its run record, kept by replay name.

`svc.whatif_violations` has the columns of `svc.violations` plus the replay name
and each violation's occurrence (what lets the diff find the same finding under
another version); `svc.whatif_runs` says what was replayed, over which period,
and how fast; `svc.whatif_diff` and `svc.whatif_changes` hold its diff against the
verdicts in force (`processors.replay.diff`). Rows are written after the events were read: chDB serves one
query at a time per connection, and the event stream holds it while open.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from processors.sink.tables import describe
from processors.storage.client import DATABASE
from standards.verdicts import Violation

VIOLATIONS = f"{DATABASE}.whatif_violations"
RUNS = f"{DATABASE}.whatif_runs"
DIFF = f"{DATABASE}.whatif_diff"
CHANGES = f"{DATABASE}.whatif_changes"
BATCH = 50_000


@dataclass(frozen=True)
class Run:
    """One replay as recorded: what it applied, to which period, what it found."""

    replay: str
    standard: str
    version: int
    draft: str
    draft_sha256: str
    period_from: datetime
    period_to: datetime
    events: int
    invalid: int
    violations: int
    retracted: int
    checks: int
    seconds: float
    cpu_seconds: float
    finished_at: datetime
    diff_stored: bool = False
    """Whether its diff is in `DIFF` and `CHANGES` (false for runs recorded before them)."""

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def exists(client: Client, name: str) -> bool:
    """Whether anything, a finished run or the rows of an interrupted one, holds this name."""
    query = (
        f"SELECT (SELECT count() FROM {RUNS} WHERE replay = {{name:String}})"
        f" + (SELECT count() FROM {VIOLATIONS} WHERE replay = {{name:String}})"
    )
    return bool(client.query(query, parameters={"name": name}).result_rows[0][0])


def drop(client: Client, name: str) -> None:
    """Delete every row of this replay, synchronously."""
    for table in (VIOLATIONS, RUNS, DIFF, CHANGES):
        client.command(
            f"ALTER TABLE {table} DELETE WHERE replay = {{name:String}}",
            parameters={"name": name},
            settings={"mutations_sync": 2},
        )


def _batches(rows: Iterator[list[Any]]) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_violations(client: Client, name: str, violations: Iterable[Violation]) -> int:
    """Insert the replay's violations in batches; returns how many."""
    layout = describe(client, VIOLATIONS)
    rows = (layout.row({**v.to_record(), "replay": name}) for v in violations)
    written = 0
    for batch in _batches(rows):
        client.insert(layout.table, batch, column_names=list(layout.columns))
        written += len(batch)
    return written


def write_run(client: Client, run: Run) -> None:
    layout = describe(client, RUNS)
    record = {name: getattr(run, name) for name in layout.columns}
    client.insert(layout.table, [layout.row(record)], column_names=list(layout.columns))


def read_run(client: Client, name: str) -> Run | None:
    """The latest finished run of this name; None when there is none."""
    fields = list(Run.__dataclass_fields__)
    result = client.query(
        f"SELECT {', '.join(fields)} FROM {RUNS} FINAL WHERE replay = {{name:String}}",
        parameters={"name": name},
    )
    if not result.result_rows:
        return None
    values = dict(zip(fields, result.result_rows[0], strict=True))
    for moment in ("period_from", "period_to", "finished_at"):
        values[moment] = _utc(values[moment])
    return Run(**values)


def _utc(moment: datetime) -> datetime:
    """A stored UTC time as an aware datetime (some chDB builds return it without its zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
