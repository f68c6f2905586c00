"""Runtime settings shared by every package, read from the environment.

One place decides where Kafka and ClickHouse are, so that the CLI, the worker,
the projector and the dashboard can never disagree about it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_KAFKA_PORT = 9092
DEFAULT_PARTITIONS = 6


@dataclass(frozen=True)
class Settings:
    """Where the platform's state and its two real dependencies live."""

    var_dir: Path
    kafka_bootstrap: str
    kafka_is_local: bool
    kafka_port: int
    clickhouse_dsn: str
    clickhouse_is_local: bool
    partitions: int

    @property
    def clickhouse_dir(self) -> Path:
        return self.var_dir / "clickhouse"

    @property
    def kafka_dir(self) -> Path:
        return self.var_dir / "kafka"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings; unset variables fall back to the local profile under ./var."""
    env = dict(os.environ) if environ is None else environ
    var_dir = Path(env.get("SVC_VAR_DIR", "var")).resolve()
    port = int(env.get("SVC_KAFKA_PORT", str(DEFAULT_KAFKA_PORT)))
    bootstrap = env.get("SVC_KAFKA_BOOTSTRAP", "").strip()
    dsn = env.get("SVC_CLICKHOUSE_DSN", "").strip()
    return Settings(
        var_dir=var_dir,
        kafka_bootstrap=bootstrap or f"127.0.0.1:{port}",
        kafka_is_local=not bootstrap,
        kafka_port=port,
        clickhouse_dsn=dsn or f"chdb://{var_dir / 'clickhouse'}",
        clickhouse_is_local=not dsn,
        partitions=int(env.get("SVC_PARTITIONS", str(DEFAULT_PARTITIONS))),
    )
