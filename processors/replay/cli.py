"""`svcstd replay`: re-evaluate archived events under a version or a draft; `replay diff NAME`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from events.errors import UserError
from events.settings import load_settings
from processors.replay import diff, whatif
from processors.replay.run import Request, replay
from processors.storage.client import chdb_in_use, connect
from processors.storage.schema import create_schema
from standards.loader import find, load_standard, load_standards
from standards.model import Standard


def register(subparsers: Any) -> None:
    command = subparsers.add_parser(
        "replay",
        help="re-evaluate archived events under a version or a draft, into what-if tables",
        usage=(
            "svcstd replay --from T --to T --standard ID@VERSION [--draft FILE] --into NAME "
            "[--replace]\n       svcstd replay diff NAME [--ids]"
        ),
        description=(
            "Evaluates the events svc.events holds for [from, to) under that version (read "
            "from the draft file when given) and stores the violations in "
            "svc.whatif_violations under NAME; `diff NAME` lists those added and removed "
            "against the verdicts in force, per rule and province."
        ),
    )
    command.add_argument(
        "--from", dest="start", type=_instant, metavar="T", help="RFC 3339, inclusive"
    )
    command.add_argument("--to", dest="end", type=_instant, metavar="T", help="RFC 3339, exclusive")
    command.add_argument(
        "--standard", metavar="ID@VERSION", help="the version to apply to every event"
    )
    command.add_argument(
        "--draft",
        type=Path,
        metavar="FILE",
        help="rule file holding that version (default: the published ones)",
    )
    command.add_argument("--into", metavar="NAME", help="the replay's name in the what-if tables")
    command.add_argument(
        "--replace", action="store_true", help="delete an earlier replay of that name first"
    )
    command.set_defaults(handler=_replay)
    actions = command.add_subparsers(dest="replay_command", metavar="diff NAME", required=False)
    compare = actions.add_parser(
        "diff", help="violations added and removed against the verdicts in force"
    )
    compare.add_argument("name", help="a replay's name (--into)")
    compare.add_argument(
        "--ids", action="store_true", help="also list each added (+) and removed (-) violation"
    )
    compare.set_defaults(handler=_diff)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset (write e.g. +08:00 or Z)")
    return moment


def _standard(ref: str, draft: Path | None) -> Standard:
    if draft is None:
        return find(load_standards(), ref)
    if not draft.exists():
        raise UserError(f"no such draft: {draft}")
    standard = load_standard(draft)
    if standard.key != ref:
        raise UserError(f"{draft} holds {standard.key}, not {ref}")
    return standard


@contextmanager
def _clickhouse() -> Iterator[Any]:
    dsn = load_settings().clickhouse_dsn
    if chdb_in_use(dsn):
        raise UserError(
            f"{dsn} is open in another process (chDB allows one; the local dashboard holds it): "
            "stop it (svcstd down) or set SVC_CLICKHOUSE_DSN to a ClickHouse server"
        )
    client = connect(dsn)
    try:
        create_schema(client)
        yield client
    finally:
        client.close()


@dataclass
class _Bar:
    """The progress bar's callbacks: the total once counted, then rows as blocks arrive."""

    progress: Progress
    task: Any

    def total(self, events: int) -> None:
        self.progress.update(self.task, total=events)

    def block(self, rows: int) -> None:
        self.progress.advance(self.task, rows)


def _replay(args: argparse.Namespace) -> int:
    flags = {"--from": args.start, "--to": args.end, "--standard": args.standard}
    missing = [flag for flag, value in {**flags, "--into": args.into}.items() if value is None]
    if missing:
        raise UserError(f"replay needs {', '.join(missing)} (or: svcstd replay diff NAME)")
    request = Request(
        args.into, _standard(args.standard, args.draft), args.start, args.end, args.draft
    )
    console = Console(stderr=True)
    columns = (
        TextColumn(f"replay {request.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with (
        _clickhouse() as client,
        Progress(*columns, console=console, disable=not console.is_terminal) as progress,
    ):
        bar = _Bar(progress, progress.add_task("events", total=None))
        run = replay(client, request, replace=args.replace, on_total=bar.total, on_block=bar.block)
    print(
        f"{run.events:,} events ({run.invalid} invalid) in {run.seconds:.2f} s "
        f"= {run.per_second:,.0f} events/s; {run.violations:,} violations standing under "
        f"{request.standard.key} → {whatif.VIOLATIONS} (replay {run.replay!r}); "
        f"next: svcstd replay diff {run.replay}",
        file=sys.stderr,
    )
    return 0


def _diff(args: argparse.Namespace) -> int:
    with _clickhouse() as client:
        run = whatif.read_run(client, args.name)
        if run is None:
            raise UserError(f"no finished replay named {args.name!r}")
        rows = diff.summary(client, run)
        draft = f" (draft {run.draft})" if run.draft else ""
        print(
            f"replay {run.replay}: {run.standard}@{run.version}{draft} over "
            f"[{run.period_from.isoformat()}, {run.period_to.isoformat()}), {run.events:,} events; "
            "against the verdicts in force detected in that period"
        )
        for line in table(rows):
            print(line)
        if args.ids:
            for change in diff.changes(client, run):
                print(
                    f"{change.change} {change.rule} {change.province} "
                    f"{change.violation_id} {change.subject}"
                )
    return 0


def table(rows: list[diff.Row]) -> Iterator[str]:
    yield f"{'rule':34} {'province':8} {'in force':>9} {'what-if':>9} {'added':>7} {'removed':>7}"
    for r in rows:
        yield (
            f"{r.rule:34} {r.province:8} {r.in_force:9d} {r.whatif:9d} "
            f"{r.added:+7d} {-r.removed:+7d}"
        )
    totals = [sum(getattr(r, f) for r in rows) for f in ("in_force", "whatif", "added", "removed")]
    yield f"{'total':34} {'':8} {totals[0]:9d} {totals[1]:9d} {totals[2]:+7d} {-totals[3]:+7d}"
