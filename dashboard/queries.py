"""Typed queries for the dashboard. Aggregation happens in ClickHouse, never in pandas.

Every function takes the viewer's `Scope`, and the province restriction is a
bound parameter of the SQL, so a page cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.scope import Scope
from processors.storage.client import DATABASE

DISPLAY_TZ = "Asia/Shanghai"
"""Auditors read times in China Standard Time; storage stays UTC."""


@dataclass(frozen=True)
class ProvinceCount:
    province: str
    violations: int
    rules: int
    units: int


@dataclass(frozen=True)
class ViolationRow:
    violation_id: str
    detected_at: datetime
    province: str
    unit: str
    rule: str
    clause: str
    severity: str
    subject: str
    measured: float | None
    limit: float | None
    measure: str
    message_en: str
    message_zh: str
    evidence: list[str]


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


@dataclass(frozen=True)
class UnitCount:
    unit: str
    violations: int


@dataclass(frozen=True)
class EventRow:
    id: str
    type: str
    time: datetime
    subject: str
    data: str


def violations_by_unit(client: Client, scope: Scope, province: str) -> list[UnitCount]:
    params: dict[str, Any] = {"province": province}
    sql = f"""
        SELECT unit, count() AS violations
        FROM {DATABASE}.violations FINAL
        WHERE NOT retracted AND province = {{province:String}} AND {_scope_filter(scope, params)}
        GROUP BY unit
        ORDER BY violations DESC, unit
    """
    return [UnitCount(str(u), int(v)) for u, v in client.query(sql, parameters=params).result_rows]


def recent_violations(
    client: Client,
    scope: Scope,
    *,
    province: str | None = None,
    unit: str | None = None,
    limit: int = 200,
) -> list[ViolationRow]:
    params: dict[str, Any] = {"limit": limit}
    where = [_scope_filter(scope, params), "NOT retracted"]
    if province is not None:
        params["province"] = province
        where.append("province = {province:String}")
    if unit is not None:
        params["unit"] = unit
        where.append("unit = {unit:String}")
    sql = f"""
        SELECT violation_id, toTimeZone(detected_at, '{DISPLAY_TZ}'), province, unit, rule, clause, severity, subject,
               measured, `limit`, measure, message_en, message_zh, evidence
        FROM {DATABASE}.violations FINAL
        WHERE {" AND ".join(where)}
        ORDER BY detected_at DESC, violation_id
        LIMIT {{limit:UInt32}}
    """
    return [ViolationRow(*row) for row in client.query(sql, parameters=params).result_rows]


def evidence_events(client: Client, scope: Scope, violation: ViolationRow) -> list[EventRow]:
    """The events a violation was decided on, as the channel published them."""
    params: dict[str, Any] = {"ids": violation.evidence, "province": violation.province}
    sql = f"""
        SELECT id, type, toTimeZone(time, '{DISPLAY_TZ}'), subject, data
        FROM {DATABASE}.events FINAL
        WHERE province = {{province:String}} AND id IN {{ids:Array(String)}}
          AND {_scope_filter(scope, params)}
        ORDER BY time, id
    """
    return [EventRow(*row) for row in client.query(sql, parameters=params).result_rows]


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
