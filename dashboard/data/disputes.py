"""Dispute queries: a violation's dispute history and status, and the voided violations.

`svc.disputes` holds one row per dispute event (filed, accepted, rejected), as
projected from the `svc.disputes` topic; rows are never updated. The status is
derived here, at query time, exactly as `dashboard.dispute_rules.fold` derives
it: voided once any dispute of the violation was accepted, otherwise the latest
event decides (filed: disputed, rejected: rejected).

For the scorecard and its rollups (owned by the scorecard's area): a voided
violation leaves the rates. `voided_violations` lists them with the columns a
rollup by day, province, unit and rule subtracts: violation_id, province, unit,
rule and the China-time day it was detected (`detected_day`). The dispute events
carry unit, rule and detected_at themselves, so the subtraction needs no join
with `svc.violations`: `SELECT … FROM svc.disputes FINAL WHERE action = 'accepted'`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.data import scope_filter
from dashboard.dispute_rules import DisputeAction, DisputeEvent
from dashboard.localtime import DISPLAY_TZ
from dashboard.scope import Scope
from dashboard.viewer import Role
from processors.storage.client import DATABASE

STATUS_SQL = (
    "if(countIf(action = 'accepted') > 0, 'voided',"
    " if(argMax(action, (at, event_id)) = 'filed', 'disputed', 'rejected'))"
)
"""A violation's dispute status from its dispute events (GROUP BY violation_id)."""


def dispute_status_subquery(scope: Scope, params: dict[str, Any], ids: str | None = None) -> str:
    """(violation_id, key_province, key_rule, dispute_status) of every disputed violation in
    scope (its province and rule: with the id, the violations' sort key);
    only of the violations in the Array(String) parameter named `ids`, when given."""
    only = f" AND violation_id IN {{{ids}:Array(String)}}" if ids else ""
    return f"""
        SELECT violation_id, any(province) AS key_province, any(rule) AS key_rule,
               {STATUS_SQL} AS dispute_status
        FROM {DATABASE}.disputes FINAL
        WHERE {scope_filter(scope, params)}{only}
        GROUP BY violation_id
    """


_EVENT_COLUMNS = f"""
    event_id, dispute_id, violation_id, action, province, unit, rule,
    toTimeZone(detected_at, '{DISPLAY_TZ}'), actor, role, toTimeZone(at, '{DISPLAY_TZ}'), reason
"""


def _event(values: Sequence[Any]) -> DisputeEvent:
    event_id, dispute_id, violation_id, action, province, unit, rule, detected, *rest = values
    actor, role, at, reason = rest
    return DisputeEvent(
        event_id,
        dispute_id,
        violation_id,
        DisputeAction(action),
        province,
        unit,
        rule,
        detected,
        actor,
        Role(role),
        at,
        reason,
    )


def dispute_history(client: Client, scope: Scope, violation_id: str) -> list[DisputeEvent]:
    """Every dispute event of one violation, oldest first."""
    params: dict[str, Any] = {"violation_id": violation_id}
    sql = f"""
        SELECT {_EVENT_COLUMNS}
        FROM {DATABASE}.disputes FINAL
        WHERE violation_id = {{violation_id:String}} AND {scope_filter(scope, params)}
        ORDER BY at, event_id
    """
    return [_event(row) for row in client.query(sql, parameters=params).result_rows]


def landed(client: Client, event_ids: list[str]) -> set[str]:
    """Which of these dispute events the projector has stored (the rest are pending)."""
    if not event_ids:
        return set()
    sql = f"SELECT event_id FROM {DATABASE}.disputes WHERE event_id IN {{ids:Array(String)}}"
    return {str(r[0]) for r in client.query(sql, parameters={"ids": event_ids}).result_rows}


@dataclass(frozen=True)
class VoidedViolation:
    violation_id: str
    province: str
    unit: str
    rule: str
    detected_day: date
    """The day it was detected, in China time (the rollups' day)."""
    voided_at: datetime


def voided_violations(
    client: Client, scope: Scope, *, start: date | None = None, end: date | None = None
) -> list[VoidedViolation]:
    """Violations voided by an accepted dispute, detected in [start, end] (China days)."""
    params: dict[str, Any] = {}
    where = ["action = 'accepted'", scope_filter(scope, params)]
    if start is not None:
        params["start"] = start
        where.append("detected_day >= {start:Date}")
    if end is not None:
        params["end"] = end
        where.append("detected_day <= {end:Date}")
    sql = f"""
        SELECT violation_id, any(province), any(unit), any(rule),
               toDate(any(detected_at), '{DISPLAY_TZ}') AS detected_day,
               toTimeZone(min(at), '{DISPLAY_TZ}')
        FROM {DATABASE}.disputes FINAL
        WHERE {" AND ".join(where[:2])}
        GROUP BY violation_id
        HAVING {" AND ".join(where[2:]) or "1"}
        ORDER BY detected_day, violation_id
    """
    return [VoidedViolation(*row) for row in client.query(sql, parameters=params).result_rows]
