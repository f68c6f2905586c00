"""The one way to reach ClickHouse: clickhouse-connect, the DSN picks chDB or a server."""

from __future__ import annotations

from pathlib import Path

import clickhouse_connect
from clickhouse_connect.driver.client import Client

DATABASE = "svc"


def connect(dsn: str) -> Client:
    """A client for `dsn`; for `chdb://` the data directory is created first."""
    if dsn.startswith("chdb://"):
        Path(dsn.removeprefix("chdb://")).mkdir(parents=True, exist_ok=True)
    return clickhouse_connect.get_client(dsn=dsn)
