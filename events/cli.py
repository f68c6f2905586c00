"""`svcstd events validate` and `svcstd simulate`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from events.errors import UserError
from events.progress import Progress
from events.simulator import command as simulate_command
from events.validate import check_lines


def register(subparsers: Any) -> None:
    events = subparsers.add_parser("events", help="the event contract: validate files of events")
    actions = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "validate", help="check a JSONL file of events against the contract"
    )
    validate.add_argument("file", help="JSONL file, one CloudEvent per line")
    validate.set_defaults(handler=_validate)

    simulate = subparsers.add_parser(
        "simulate",
        help="realistic traffic for N provinces with injected violations and their ground truth",
    )
    simulate_command.add_arguments(simulate)
    simulate.set_defaults(handler=simulate_command.run)


def _validate(args: argparse.Namespace) -> int:
    try:
        stream = open(args.file, "rb")  # noqa: SIM115 - closed below, after streaming
    except OSError as exc:
        raise UserError(f"cannot read {args.file}: {exc.strerror}") from None
    progress = Progress("lines")
    checked = bad = 0
    with stream:
        for number, problems in check_lines(stream):
            checked += 1
            if problems:
                bad += 1
                for problem in problems:
                    print(problem)
            progress.advance(1, f"line {number}")
    progress.done()
    print(f"{checked} events checked, {checked - bad} valid, {bad} invalid", file=sys.stderr)
    return 1 if bad else 0
