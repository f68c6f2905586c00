"""`svcstd events validate` and `svcstd simulate`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from events.errors import UserError
from events.progress import Progress
from events.simulator import command as simulate_command
from events.validate import bad_lines


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
    path = Path(args.file)
    try:
        stream = path.open("rb")
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(f"cannot read {args.file}: {exc.strerror}") from None
    progress = Progress("lines")
    counted = _Counted(stream, progress, size)
    bad = 0
    with stream:
        for line in bad_lines(counted):
            bad += 1
            print(line)
    progress.done()
    checked = counted.nonblank
    print(f"{checked} events checked, {checked - bad} valid, {bad} invalid", file=sys.stderr)
    return 1 if bad else 0


class _Counted:
    """Iterates a file's lines, counting events and drawing progress as a share of bytes."""

    def __init__(self, stream: BinaryIO, progress: Progress, size: int) -> None:
        self._stream = stream
        self._progress = progress
        self._size = max(size, 1)
        self.nonblank = 0

    def __iter__(self) -> Iterator[bytes]:
        done = 0
        for raw in self._stream:
            done += len(raw)
            if raw.strip():
                self.nonblank += 1
            self._progress.advance(1, f"{100 * done // self._size}%")
            yield raw
