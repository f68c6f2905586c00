"""One replay: the archived events of a period through the offline engine under one version.

The standard version (a published one, or a draft file) is pinned, as in
`svcstd evaluate --standard`: it applies to every event whatever its dates. The
run is `standards.evaluate.evaluate` with `until` = the period's end: events
from ClickHouse instead of a file, and at the end the deadlines before the
period's end fire while windows still open stay open, exactly what a stream
whose clock reached the end has said. Events before the period are not read,
so entities that began before it are judged on the part inside it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from clickhouse_connect.driver.client import Client

from events.errors import UserError
from processors.replay import diff, whatif
from processors.replay.source import archived_events, count_events
from standards.evaluate import evaluate
from standards.model import Standard
from standards.suites import pinned

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class Request:
    """What to replay: a name for the results, the version to apply, the period [start, end)."""

    name: str
    standard: Standard
    start: datetime
    end: datetime
    draft: Path | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise UserError(
                f"replay name {self.name!r}: letters, digits, '_', '.', '-' (at most 100)"
            )
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise UserError("--from and --to need an offset (e.g. +08:00 or Z)")
        if self.end <= self.start:
            raise UserError(f"--to {self.end.isoformat()} is not after --from")


def _digest(path: Path | None) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else ""


def finish(client: Client, run: whatif.Run) -> whatif.Run:
    """A replay's end, once its violations are written: its diff against the verdicts in
    force is stored, then its record, so a run on record has its diff."""
    diff.store(client, run)
    finished = replace(run, diff_stored=True)
    whatif.write_run(client, finished)
    return finished


def replay(
    client: Client,
    request: Request,
    *,
    replace: bool = False,
    on_total: Callable[[int], None] = lambda _events: None,
    on_block: Callable[[int], None] = lambda _rows: None,
) -> whatif.Run:
    """Evaluate, store the standing violations under the request's name, record the run.

    A name already used is refused unless `replace`, which first deletes its rows.
    """
    if whatif.exists(client, request.name):
        if not replace:
            raise UserError(f"replay {request.name!r} exists: pick another name or pass --replace")
        whatif.drop(client, request.name)
    start, end = request.start.astimezone(UTC), request.end.astimezone(UTC)
    on_total(count_events(client, start, end))
    outcome = evaluate(
        archived_events(client, start, end, on_block), [pinned(request.standard)], until=end
    )
    whatif.write_violations(client, request.name, outcome.violations.values())
    run = whatif.Run(
        replay=request.name,
        standard=request.standard.standard,
        version=request.standard.version,
        draft=str(request.draft or ""),
        draft_sha256=_digest(request.draft),
        period_from=start,
        period_to=end,
        events=outcome.events,
        invalid=outcome.invalid,
        violations=len(outcome.violations),
        retracted=outcome.retracted,
        checks=outcome.checks,
        seconds=outcome.seconds,
        cpu_seconds=outcome.cpu_seconds,
        finished_at=datetime.now(UTC),
    )
    return finish(client, run)
