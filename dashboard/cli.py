"""`svcstd dashboard`: serve the audit dashboard (and, locally, the projector)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dashboard", help="serve the audit dashboard")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from dashboard.serve import main

    main(["--port", str(args.port), "--address", args.address])
    return 0
