"""`svcstd worker` and `svcstd sink`: the processors as long-running services."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from events.settings import load_settings
from processors.observability import configure_logging, serve_metrics
from processors.sink.config import load_sink_config
from processors.sink.projector import Projector


def register(subparsers: Any) -> None:
    worker = subparsers.add_parser(
        "worker",
        help="run a worker: evaluates events; start several to share the work",
        description=(
            "Reads every event topic, evaluates the events of the shards Kafka gives it "
            "(svc.worker.checkpoints has one partition per shard) and checkpoints their "
            "state; more workers in the same group split the shards."
        ),
    )
    worker.add_argument(
        "--lateness",
        type=float,
        default=None,
        help="seconds an event may trail the latest event of its partition (SVC_LATENESS, default 30)",
    )
    worker.add_argument(
        "--allowed-lateness",
        type=float,
        default=None,
        help=(
            "seconds a caught-up, silent partition may hold the clocks back "
            "(SVC_ALLOWED_LATENESS, default 900)"
        ),
    )
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve /metrics here (SVC_WORKER_METRICS_PORT, default 9464; 0: any free port)",
    )
    worker.add_argument("--loglevel", default="info")
    worker.set_defaults(handler=_worker)
    sink = subparsers.add_parser(
        "sink",
        help="run the projector: derived topics into ClickHouse (server profile)",
        description=(
            "Reads the event topics, svc.violations, svc.kpis and svc.deadletter, inserts "
            "each table's rows in batches, commits offsets after the inserts, and serves "
            "Prometheus metrics at http://127.0.0.1:PORT/metrics."
        ),
    )
    sink.add_argument(
        "--batch-rows",
        type=_positive(int),
        default=None,
        help="insert a table's batch at this many rows (SVC_SINK_BATCH_ROWS, default 10000)",
    )
    sink.add_argument(
        "--batch-seconds",
        type=_positive(float),
        default=None,
        help="or once its oldest row waited this long (SVC_SINK_BATCH_SECONDS, default 1)",
    )
    sink.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="port of /metrics, 0 for any free one (SVC_SINK_METRICS_PORT, default 9465)",
    )
    sink.add_argument("--loglevel", default="info")
    sink.set_defaults(handler=_sink)


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value

    return parse


def _worker(args: argparse.Namespace) -> int:
    import asyncio
    import dataclasses

    from prometheus_client import REGISTRY

    from processors.worker.config import load_worker_config
    from processors.worker.metrics import WorkerMetrics
    from processors.worker.runner import Worker
    from standards.loader import load_standards

    configure_logging(args.loglevel)
    config = load_worker_config()
    if args.metrics_port is not None:
        config = dataclasses.replace(config, metrics_port=args.metrics_port)
    if args.lateness is not None:
        config = dataclasses.replace(config, lateness=timedelta(seconds=args.lateness))
    if args.allowed_lateness is not None:
        config = dataclasses.replace(
            config, allowed_lateness=timedelta(seconds=args.allowed_lateness)
        )
    worker = Worker(load_settings(), config, load_standards(), WorkerMetrics(REGISTRY))
    server = serve_metrics(config.metrics_port)
    _long_lived_heap()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await worker.run(stop)

    try:
        asyncio.run(main())
    finally:
        server.close()
    return 0


def _long_lived_heap() -> None:
    """The worker keeps a large, long-lived heap (engines, waiting events) and allocates a
    short-lived object or ten per event. With the default thresholds the cyclic
    collector rescanned that heap often enough to take half of the worker's time, and
    with young generations of 100k objects still a tenth while a backlog drains (its
    waiting events survive every young collection). Young generations of a million, as
    offline evaluation has, and a frozen start-up heap make it negligible: most objects
    die before a collection comes."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(1_000_000, 20, 100)


def _sink(args: argparse.Namespace) -> int:
    configure_logging(args.loglevel)
    settings = load_settings()
    config = load_sink_config()
    overrides = {
        "batch_rows": args.batch_rows,
        "batch_seconds": args.batch_seconds,
        "metrics_port": args.metrics_port,
    }
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    server = serve_metrics(config.metrics_port)
    projector = Projector(settings.kafka_bootstrap, settings.clickhouse_dsn, config=config)
    signal.signal(signal.SIGTERM, lambda *_: projector.stop())
    try:
        projector.run_forever()
    except KeyboardInterrupt:
        projector.stop()
    finally:
        server.close()
    return 0
