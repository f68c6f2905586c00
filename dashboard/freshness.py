"""The line under each page's title saying how fresh its data is."""

from __future__ import annotations

from datetime import datetime

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE


def latest_insert(client: Client, table: str) -> datetime | None:
    """When rows last landed in `svc.<table>` (its `inserted_at`), or None if it is empty."""
    rows = client.query(f"SELECT max(inserted_at), count() FROM {DATABASE}.{table}").result_rows
    latest, count = rows[0]
    return latest if count else None
