"""The `svcstd` command: one entry point, subcommands contributed by each package.

Each package exposes `register(subparsers)` in its `cli` module; the command
only assembles them, so a package owns its own commands and their help.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from events.errors import UserError

COMMAND_MODULES: tuple[str, ...] = (
    "processors.stack.cli",
    "events.cli",
    "standards.cli",
    "processors.commands",
    "processors.replay.cli",
    "processors.platform",
    "dashboard.cli",
    "dashboard.users_cli",
    "dashboard.report_cli",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="svcstd",
        description="svc-standards: check service events against versioned service standards.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except UserError as exc:
        print(f"svcstd: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
