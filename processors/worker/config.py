"""The worker's knobs, read from `SVC_*` variables (the CLI may override a few).

Two different kinds of lateness, because they answer different questions:

- `lateness` (`SVC_LATENESS`, default 30 s): how far an event may trail, in
  event time, the latest event already read from its own partition. A channel
  system that sends slightly out of order stays on time.
- `allowed_lateness` (`SVC_ALLOWED_LATENESS`, default 15 min): how long, in wall
  time, a partition that is caught up and silent may hold every clock back. A
  channel that goes quiet (an outage) and then delivers its backlog within this
  time gets exactly the verdicts it would have had on time.

An event later than either is never evaluated into a wrong verdict: it goes to
`svc.deadletter` with the reason `late`, with its original bytes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from events.errors import UserError
from events.privacy import deployment_key
from events.pseudonym import DEMO_KEY
from events.simulator.timespec import parse_duration
from processors.observability import metrics_port

DEFAULT_METRICS_PORT = 9464
METRICS_PORT_VARIABLE = "SVC_WORKER_METRICS_PORT"


@dataclass(frozen=True)
class WorkerConfig:
    lateness: timedelta = timedelta(seconds=30)
    allowed_lateness: timedelta = timedelta(minutes=15)
    quiet_after: float = 2.0
    max_future: timedelta = timedelta(minutes=5)
    max_message_bytes: int = 1_000_000
    max_string_chars: int = 4096
    checkpoint_seconds: float = 5.0
    max_pending: int = 50_000
    batch_records: int = 20_000
    # A backlog is read a slice of each partition at a time, and a shard's clock waits for
    # the slowest partition: smaller slices keep the partitions closer in event time, so
    # fewer events wait (less memory, cheaper checkpoints, fewer throttled partitions).
    fetch_partition_bytes: int = 256 * 1024  # SVC_FETCH_PARTITION_BYTES
    pseudonym_key: bytes = field(default=DEMO_KEY, repr=False)  # SVC_PSEUDONYM_KEY
    metrics_port: int = DEFAULT_METRICS_PORT  # SVC_WORKER_METRICS_PORT; 0: any free port


def _duration(text: str) -> timedelta:
    """`30s`, `15m`, `7d`, or plain seconds."""
    try:
        return timedelta(seconds=float(text))
    except ValueError:
        return timedelta(milliseconds=parse_duration(text))


def load_worker_config(environ: Mapping[str, str] | None = None) -> WorkerConfig:
    env = os.environ if environ is None else environ
    default = WorkerConfig()

    def duration(name: str, fallback: timedelta) -> timedelta:
        text = env.get(name, "").strip()
        try:
            return _duration(text) if text else fallback
        except ValueError as exc:
            raise UserError(f"{name}: {exc}") from None

    def number(name: str, fallback: float) -> float:
        text = env.get(name, "").strip()
        try:
            return float(text) if text else fallback
        except ValueError:
            raise UserError(f"{name}: {text!r} is not a number") from None

    return WorkerConfig(
        lateness=duration("SVC_LATENESS", default.lateness),
        allowed_lateness=duration("SVC_ALLOWED_LATENESS", default.allowed_lateness),
        quiet_after=number("SVC_QUIET_AFTER", default.quiet_after),
        max_future=duration("SVC_MAX_FUTURE", default.max_future),
        max_message_bytes=int(number("SVC_MAX_MESSAGE_BYTES", default.max_message_bytes)),
        max_string_chars=int(number("SVC_MAX_STRING_CHARS", default.max_string_chars)),
        checkpoint_seconds=number("SVC_CHECKPOINT_SECONDS", default.checkpoint_seconds),
        max_pending=int(number("SVC_MAX_PENDING", default.max_pending)),
        fetch_partition_bytes=int(
            number("SVC_FETCH_PARTITION_BYTES", default.fetch_partition_bytes)
        ),
        pseudonym_key=deployment_key(env),
        metrics_port=metrics_port(METRICS_PORT_VARIABLE, DEFAULT_METRICS_PORT, env),
    )
