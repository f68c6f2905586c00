"""Province → units: each unit's checks, standing violations and rate; a unit's KPIs per
rule and month against their targets, and its rate per month (for the star rating)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.data.rollup import Slice, combined


@dataclass(frozen=True)
class UnitRow:
    unit: str
    channel: str
    checked: int
    standing: int
    voided: int


def units(client: Client, where: Slice, limit: int = 5000) -> list[UnitRow]:
    """The units of the slice (a province), worst first (most standing violations)."""
    params: dict[str, Any] = {"limit": limit}
    sql = f"""
        SELECT unit, channel, checked, standing, voided
        FROM {combined(where.where(params), "unit, channel", by_unit=True)}
        ORDER BY standing DESC, unit, channel
        LIMIT {{limit:UInt32}}
    """
    rows = client.query(sql, parameters=params).result_rows
    return [UnitRow(str(u), str(c), int(k), int(s), int(v)) for u, c, k, s, v in rows]


@dataclass(frozen=True)
class KpiRow:
    month: str
    rule: str
    checked: int
    violated: int
    standing: int


def kpis(client: Client, where: Slice) -> list[KpiRow]:
    """Per month (YYYY-MM, Shanghai) and rule: checks, violated checks, standing violations."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT formatDateTime(month, '%Y-%m'), rule, sum(checked), sum(violated), sum(standing)
        FROM (
            SELECT toStartOfMonth(day) AS month, rule, checked, violated, standing
            FROM {combined(where.where(params), "day, rule", by_unit=where.by_unit)}
        )
        GROUP BY month, rule
        ORDER BY month, rule
    """
    rows = client.query(sql, parameters=params).result_rows
    return [KpiRow(str(m), str(r), int(k), int(v), int(s)) for m, r, k, v, s in rows]


@dataclass(frozen=True)
class MonthRow:
    month: str
    checked: int
    standing: int


def months(client: Client, where: Slice) -> list[MonthRow]:
    """Per month: checks and standing violations, the inputs of the rate and stars."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT formatDateTime(toStartOfMonth(day), '%Y-%m') AS m, sum(checked), sum(standing)
        FROM {combined(where.where(params), "day", by_unit=where.by_unit)}
        GROUP BY m
        ORDER BY m
    """
    rows = client.query(sql, parameters=params).result_rows
    return [MonthRow(str(m), int(k), int(s)) for m, k, s in rows]
