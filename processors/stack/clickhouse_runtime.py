"""ClickHouse for the stack: the chDB directory (local profile) and the schema.

chDB runs in-process, so there is nothing to start; a ClickHouse server named
by SVC_CLICKHOUSE_DSN is only given its schema.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from events.settings import Settings


def redact_dsn(dsn: str) -> str:
    """The DSN without its password, for printing."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def ensure_clickhouse(settings: Settings, *, report: Callable[[str], None] = print) -> str:
    """Create the chDB directory when local, then the schema (idempotent); returns the DSN shown."""
    shown = redact_dsn(settings.clickhouse_dsn)
    if settings.clickhouse_is_local:
        settings.clickhouse_dir.mkdir(parents=True, exist_ok=True)
    # Imported here: the storage package pulls in clickhouse-connect, which only `up` needs.
    from processors.storage.schema import ensure_schema

    if ensure_schema(settings.clickhouse_dsn):
        report(f"ClickHouse schema at {shown}: ready")
    else:
        report(f"ClickHouse at {shown} is open in the running dashboard, which keeps its schema")
    return shown
