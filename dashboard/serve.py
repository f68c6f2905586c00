"""The dashboard process: Streamlit's server, plus the projector in the local profile.

chDB allows one process per data directory, so with the embedded engine the
projector runs here, as a background thread started with the server (not with
the first page view, so rows land while nobody is looking), and this process
serves the sink's /metrics (`SVC_SINK_METRICS_PORT`). With a ClickHouse
server the projector is its own service (`svcstd sink`) and this only serves.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from streamlit.web import cli as streamlit_cli

from events.settings import load_settings
from processors.observability import configure_logging, serve_metrics
from processors.sink.config import load_sink_config
from processors.sink.projector import start_in_background
from processors.storage.schema import ensure_schema

APP = Path(__file__).parent / "app.py"


def streamlit_argv(port: int, address: str) -> list[str]:
    return [
        "streamlit", "run", str(APP),
        "--server.port", str(port),
        "--server.address", address,
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "viewer",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="svcstd dashboard")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    args = parser.parse_args(argv)
    configure_logging(logging.INFO)
    settings = load_settings()
    if settings.clickhouse_is_local:
        ensure_schema(settings.clickhouse_dsn)
        config = load_sink_config()
        serve_metrics(config.metrics_port)
        start_in_background(settings.kafka_bootstrap, settings.clickhouse_dsn, config=config)
    sys.argv = streamlit_argv(args.port, args.address)
    streamlit_cli.main()


if __name__ == "__main__":
    main()
