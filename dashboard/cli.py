"""`svcstd dashboard`: serve the Streamlit app."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

APP = Path(__file__).parent / "app.py"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dashboard", help="serve the audit dashboard")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    parser.set_defaults(handler=_serve)


def streamlit_command(port: int, address: str) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def _serve(args: argparse.Namespace) -> int:
    return subprocess.call(streamlit_command(args.port, args.address))
