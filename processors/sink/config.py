"""The sink's knobs, read from `SVC_SINK_*` variables (the CLI may override them).

A table's batch is inserted when it holds `batch_rows` rows or `batch_bytes` of
messages, or when its oldest row has waited `batch_seconds`: large inserts at
load (ClickHouse likes few, big parts), at most about a second of delay when
quiet. Those limits also bound what the sink holds in memory: at most one batch
per table plus one poll of records, whatever the backlog in Kafka.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from events.errors import UserError
from processors.observability import metrics_port

DEFAULT_METRICS_PORT = 9465
METRICS_PORT_VARIABLE = "SVC_SINK_METRICS_PORT"


@dataclass(frozen=True)
class SinkConfig:
    batch_rows: int = 10_000
    batch_seconds: float = 1.0
    batch_bytes: int = 32 * 1024 * 1024
    poll_records: int = 5_000
    poll_timeout_s: float = 0.5
    backoff_first_s: float = 0.5
    backoff_max_s: float = 30.0
    lag_interval_s: float = 5.0
    metrics_port: int = DEFAULT_METRICS_PORT


def load_sink_config(environ: Mapping[str, str] | None = None) -> SinkConfig:
    env = os.environ if environ is None else environ
    default = SinkConfig()

    def number(name: str, fallback: float) -> float:
        text = env.get(name, "").strip()
        try:
            value = float(text) if text else fallback
        except ValueError:
            raise UserError(f"{name}: {text!r} is not a number") from None
        if value <= 0:
            raise UserError(f"{name}: must be positive, not {text}")
        return value

    return SinkConfig(
        batch_rows=int(number("SVC_SINK_BATCH_ROWS", default.batch_rows)),
        batch_seconds=number("SVC_SINK_BATCH_SECONDS", default.batch_seconds),
        batch_bytes=int(number("SVC_SINK_BATCH_BYTES", default.batch_bytes)),
        metrics_port=metrics_port(METRICS_PORT_VARIABLE, DEFAULT_METRICS_PORT, env),
    )
