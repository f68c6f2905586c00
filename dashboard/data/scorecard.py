"""The national scorecard: provinces × channels over a period, and the worst clauses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.data.rollup import Slice, combined, violations

ALL = ""
"""The province or channel of a total row (ClickHouse's ROLLUP leaves the key empty)."""


@dataclass(frozen=True)
class Cell:
    province: str
    channel: str
    checked: int
    standing: int
    voided: int


def cells(client: Client, where: Slice) -> list[Cell]:
    """One row per (province, channel), per province (channel ALL), and the total (both ALL)."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT province, channel, sum(checked), sum(standing), sum(voided)
        FROM {combined(where.where(params), "province, channel", by_unit=where.by_unit)}
        GROUP BY province, channel WITH ROLLUP
        ORDER BY province, channel
    """
    return [
        Cell(str(p), str(c), int(k), int(s), int(v))
        for p, c, k, s, v in client.query(sql, parameters=params).result_rows
    ]


@dataclass(frozen=True)
class ClauseCount:
    rule: str
    standing: int
    provinces: int


def worst_clauses(client: Client, where: Slice, limit: int = 10) -> list[ClauseCount]:
    params: dict[str, Any] = {"limit": limit}
    sql = f"""
        SELECT rule, sum(standing) AS n, uniqExactIf(province, standing > 0)
        FROM {violations(where.where(params), by_unit=where.by_unit)}
        GROUP BY rule
        HAVING n > 0
        ORDER BY n DESC, rule
        LIMIT {{limit:UInt32}}
    """
    rows = client.query(sql, parameters=params).result_rows
    return [ClauseCount(str(r), int(n), int(p)) for r, n, p in rows]
