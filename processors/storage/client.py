"""The one way to reach ClickHouse: clickhouse-connect, the DSN picks chDB or a server."""

from __future__ import annotations

import fcntl
from pathlib import Path

import clickhouse_connect
from clickhouse_connect.driver.client import Client

DATABASE = "svc"
CHDB_PREFIX = "chdb://"


def chdb_path(dsn: str) -> Path | None:
    """The data directory of a `chdb://` DSN; None for a server."""
    return Path(dsn.removeprefix(CHDB_PREFIX)) if dsn.startswith(CHDB_PREFIX) else None


def chdb_in_use(dsn: str) -> bool:
    """Whether another process holds this chDB directory (it allows one process at a time).

    ClickHouse holds an exclusive lock on the directory's `status` file while open.
    """
    path = chdb_path(dsn)
    status = path / "status" if path is not None else None
    if status is None or not status.exists():
        return False
    with status.open("rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def connect(dsn: str, *, shared: bool = False) -> Client:
    """A client for `dsn`; for `chdb://` the data directory is created first.

    `shared`: one client serves concurrent callers (the dashboard's sessions). A server
    client then sends no session id, as a ClickHouse session runs one query at a time
    and refuses a second one while the first runs."""
    path = chdb_path(dsn)
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        return clickhouse_connect.get_client(dsn=dsn)
    return clickhouse_connect.get_client(dsn=dsn, autogenerate_session_id=not shared)
