"""`svcstd stack up | down | status | logs`: the local Kafka broker and the ClickHouse schema."""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import replace

from events.errors import UserError
from events.settings import Settings, load_settings
from events.topics import ALL_TOPICS
from processors.stack.clickhouse_runtime import ensure_clickhouse, redact_dsn
from processors.stack.kafka_runtime import (
    BrokerInfo,
    KafkaOptions,
    broker_status,
    ensure_up,
    layout,
    stop,
)
from processors.stack.logtail import follow, tail_lines


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stack = subparsers.add_parser(
        "stack",
        help="run the local stack (Kafka broker, ClickHouse schema)",
        description=__doc__,
    )
    actions = stack.add_subparsers(dest="stack_action", required=True, metavar="ACTION")

    up = actions.add_parser("up", help="start the broker if needed, create topics and schema")
    up.add_argument("--kafka-port", type=_port, help="local broker port (default SVC_KAFKA_PORT)")
    up.add_argument(
        "--controller-port", type=_port, help="KRaft controller port (default kafka port + 1)"
    )
    up.add_argument("--partitions", type=_positive, help="partitions per new topic")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the broker")
    up.set_defaults(handler=_up)

    down = actions.add_parser("down", help="stop the local broker (its data is kept)")
    down.add_argument("--timeout", type=float, default=30.0, help="seconds before SIGKILL")
    down.set_defaults(handler=_down)

    status = actions.add_parser("status", help="broker, topics and ClickHouse; exit 1 if down")
    status.set_defaults(handler=_status)

    logs = actions.add_parser("logs", help="tail the local broker's log")
    logs.add_argument("-n", "--lines", type=int, default=50, help="lines to show (default 50)")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    logs.set_defaults(handler=_logs)


def with_overrides(settings: Settings, kafka_port: int | None, partitions: int | None) -> Settings:
    """Settings with the command-line flags applied; flags win over the environment."""
    if kafka_port is not None:
        if not settings.kafka_is_local:
            raise UserError(
                "--kafka-port sets the local broker's port, but SVC_KAFKA_BOOTSTRAP names "
                "another broker; drop one of the two"
            )
        settings = replace(
            settings, kafka_port=kafka_port, kafka_bootstrap=f"127.0.0.1:{kafka_port}"
        )
    if partitions is not None:
        settings = replace(settings, partitions=partitions)
    return settings


def _port(text: str) -> int:
    value = int(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"not a TCP port: {text}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _say(message: str) -> None:
    print(message, flush=True)


def _quiet_kafka_client() -> None:
    """kafka-python logs every refused connection while the broker starts; we report ourselves."""
    logging.getLogger("kafka").addHandler(logging.NullHandler())


def _up(args: argparse.Namespace) -> int:
    started_at = time.monotonic()
    settings = with_overrides(load_settings(), args.kafka_port, args.partitions)
    options = replace(KafkaOptions.from_env(), startup_timeout_s=args.timeout)
    if args.controller_port is not None:
        options = replace(options, controller_port=args.controller_port)
    _quiet_kafka_client()
    info = ensure_up(settings, options=options, report=_say)
    dsn = ensure_clickhouse(settings, report=_say)
    elapsed = time.monotonic() - started_at
    _say(f"stack up in {elapsed:.1f} s: {_describe(info)}; ClickHouse {dsn}")
    return 0


def _describe(info: BrokerInfo) -> str:
    if info.pid is None:
        broker = f"Kafka at {info.bootstrap} (external)"
    else:
        how = "started" if info.started else "already running"
        broker = f"Kafka {info.kafka_version or '?'} at {info.bootstrap} ({how}, pid {info.pid})"
    return f"{broker}, {len(ALL_TOPICS)} topics ({len(info.topics_created)} created)"


def _down(args: argparse.Namespace) -> int:
    stop(load_settings(), report=_say, timeout_s=args.timeout)
    return 0


def _status(args: argparse.Namespace) -> int:
    settings = load_settings()
    _quiet_kafka_client()
    status = broker_status(settings)
    if status.managed and status.running:
        kafka = f"running (pid {status.pid}, Kafka {status.kafka_version or '?'})"
    elif status.managed and status.pid is not None:
        kafka = f"started (pid {status.pid}) but not answering yet; see `svcstd stack logs`"
    elif status.managed:
        kafka = "not running (`svcstd stack up` starts it)"
    else:
        kafka = ("answering" if status.running else "not answering") + " (SVC_KAFKA_BOOTSTRAP)"
    _say(f"Kafka:      {kafka}")
    _say(f"bootstrap:  {status.bootstrap}")
    if status.running:
        missing = [name for name in ALL_TOPICS if name not in status.topics]
        detail = f"; missing: {', '.join(missing)}" if missing else ""
        _say(f"topics:     {len(status.topics)}/{len(ALL_TOPICS)} present{detail}")
    where = "chDB, in-process" if settings.clickhouse_is_local else "server"
    _say(f"ClickHouse: {redact_dsn(settings.clickhouse_dsn)} ({where})")
    return 0 if status.running else 1


def _logs(args: argparse.Namespace) -> int:
    log = layout(load_settings()).log
    if not log.is_file():
        raise UserError(f"no broker log at {log}: the local broker has not run here yet")
    for line in tail_lines(log, args.lines):
        _say(line)
    if args.follow:
        follow(log, _say)
    return 0
