"""Rules and clauses: which fail most, where, and since when (from the rollups)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.data.rollup import Slice, violations
from dashboard.localtime import DISPLAY_TZ


@dataclass(frozen=True)
class RuleRow:
    key: str
    """The rule (by rule) or the province (for one rule, by province)."""
    standing: int
    voided: int
    provinces: int
    since: datetime | None
    latest: datetime | None


def _rows(client: Client, where: Slice, by: str, limit: int) -> list[RuleRow]:
    params: dict[str, Any] = {"limit": limit}
    sql = f"""
        SELECT {by}, sum(standing) AS n, sum(voided), uniqExactIf(province, standing > 0),
               toTimeZone(minIf(first_detected, standing > 0), '{DISPLAY_TZ}'),
               toTimeZone(maxIf(last_detected, standing > 0), '{DISPLAY_TZ}')
        FROM {violations(where.where(params), by_unit=where.by_unit)}
        GROUP BY {by}
        HAVING n > 0
        ORDER BY n DESC, {by}
        LIMIT {{limit:UInt32}}
    """
    return [
        RuleRow(str(k), int(n), int(v), int(p), since, latest)
        for k, n, v, p, since, latest in client.query(sql, parameters=params).result_rows
    ]


def by_rule(client: Client, where: Slice, limit: int = 200) -> list[RuleRow]:
    """Rules with standing violations, most first; `since` is the first one still standing."""
    return _rows(client, where, "rule", limit)


def by_province(client: Client, where: Slice, limit: int = 100) -> list[RuleRow]:
    """For a slice of one rule: where it fails, province by province."""
    return _rows(client, where, "province", limit)
