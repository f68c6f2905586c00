"""`svcstd worker` and `svcstd sink`: the processors as long-running services."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from datetime import timedelta
from typing import Any

from events.settings import load_settings
from processors.sink.projector import Projector


def register(subparsers: Any) -> None:
    worker = subparsers.add_parser("worker", help="run the Faust worker that evaluates events")
    worker.add_argument(
        "--lateness",
        type=float,
        default=30.0,
        help="seconds of event-time disorder tolerated before deadlines fire (default 30)",
    )
    worker.add_argument("--loglevel", default="info")
    worker.set_defaults(handler=_worker)
    sink = subparsers.add_parser(
        "sink", help="run the projector: derived topics into ClickHouse (server profile)"
    )
    sink.set_defaults(handler=_sink)


def _worker(args: argparse.Namespace) -> int:
    from events.topics import EVENT_TOPICS
    from processors.worker.app import APP_ID, create_app
    from processors.worker.recovery import rewind

    settings = load_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    rewind(settings.kafka_bootstrap, APP_ID, EVENT_TOPICS.values())
    app = create_app(settings, lateness=timedelta(seconds=args.lateness))
    sys.argv = ["svcstd-worker", "worker", "--without-web", "--loglevel", args.loglevel]
    app.main()
    return 0


def _sink(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = load_settings()
    projector = Projector(settings.kafka_bootstrap, settings.clickhouse_dsn)
    signal.signal(signal.SIGTERM, lambda *_: projector.stop())
    try:
        projector.run_forever()
    except KeyboardInterrupt:
        projector.stop()
    return 0
