"""Typed queries for the dashboard. Aggregation happens in ClickHouse, never in pandas.

Every function takes the viewer's `Scope`, and the province restriction is a
bound parameter of the SQL, so a page cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.scope import Scope
from processors.storage.client import DATABASE


@dataclass(frozen=True)
class ProvinceCount:
    province: str
    violations: int
    rules: int
    units: int


def _scope_filter(scope: Scope, params: dict[str, Any]) -> str:
    if scope.provinces is None:
        return "1"
    params["scope"] = sorted(scope.provinces)
    return "province IN {scope:Array(String)}"


def violations_by_province(client: Client, scope: Scope) -> list[ProvinceCount]:
    params: dict[str, Any] = {}
    sql = f"""
        SELECT province, count() AS violations, uniqExact(rule) AS rules, uniqExact(unit) AS units
        FROM {DATABASE}.violations FINAL
        WHERE NOT retracted AND {_scope_filter(scope, params)}
        GROUP BY province
        ORDER BY violations DESC, province
    """
    rows = client.query(sql, parameters=params).result_rows
    return [ProvinceCount(str(p), int(v), int(r), int(u)) for p, v, r, u in rows]


def total_checks(client: Client, scope: Scope) -> tuple[int, int]:
    """(checked, violated) over everything the viewer may see."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT count(), countIf(violated)
        FROM {DATABASE}.checks FINAL
        WHERE {_scope_filter(scope, params)}
    """
    checked, violated = client.query(sql, parameters=params).result_rows[0]
    return int(checked), int(violated)
