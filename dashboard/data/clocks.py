"""The at-risk page's query: open deadline clocks (`svc.clocks`) due soon, soonest first.

The worker publishes a clock when it opens and again when it closes (met, breached…);
the table keeps the latest state per clock, so an open row is a clock still running.
The queries filter on `due_at` before the rows of one clock are merged: both states of
a clock carry the same `due_at`, so that is exact. They merge a clock's rows themselves,
at its highest revision, as FINAL would, grouped by `clock_id` alone: the table's key is
(province, rule, clock_id), but a clock's id hashes its rule and subject, and its states
share their province. FINAL reads the table, whose key cannot narrow `due_at`, while a
grouped query reads the projection ordered by `due_at` (`clocks_by_due`,
processors/storage/schema.py), only the granules of the asked window. The province list
and the freshness line read the `clocks_by_province` aggregate projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.data import scope_filter
from dashboard.scope import Scope
from processors.storage.client import DATABASE

WARN_AT = (0.5, 0.75)
"""Shares of the allowed time at which a clock is flagged, as ServiceNow's SLA warnings."""
OVERDUE_WITHIN = timedelta(days=31)
"""How far back past-due open clocks are counted: a clock nothing ends is forgotten 30 days
after its deadline (the engine's exempt retention), so older open rows are leftovers."""


@dataclass(frozen=True)
class OpenClock:
    clock_id: str
    rule: str
    clause: str
    severity: str
    province: str
    unit: str
    subject: str
    started_at: datetime
    due_at: datetime

    def used(self, now: datetime) -> float:
        """The share of the allowed time already gone (1 and more: due or past)."""
        allowed = (self.due_at - self.started_at).total_seconds()
        return (now - self.started_at).total_seconds() / allowed if allowed > 0 else 1.0

    def warning(self, now: datetime) -> float | None:
        """The highest warning threshold the clock has passed, if any."""
        used = self.used(now)
        return max((share for share in WARN_AT if used >= share), default=None)


def utc(moment: datetime) -> datetime:
    """A stored UTC time as an aware datetime (some chDB builds return it naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def due_within(
    client: Client,
    scope: Scope,
    *,
    now: datetime,
    hours: int,
    province: str | None = None,
    limit: int = 1000,
) -> list[OpenClock]:
    """Open clocks due between `now` and `hours` later, soonest first (of one province)."""
    params: dict[str, Any] = {"now": now, "until": now + timedelta(hours=hours), "limit": limit}
    if province is not None:
        params["province"] = province
    chosen = "1" if province is None else "province = {province:String}"
    window = f"""
        due_at >= {{now:DateTime64(3, 'UTC')}} AND due_at <= {{until:DateTime64(3, 'UTC')}}
        AND {scope_filter(scope, params)} AND {chosen}
    """
    # the soonest open clocks first, from the few columns that decide it; then their rows
    sql = f"""
        SELECT clock_id, any(rule), argMax(clause, revision), argMax(severity, revision),
               any(province), argMax(unit, revision), argMax(subject, revision),
               argMax(started_at, revision), argMax(due_at, revision) AS due
        FROM {DATABASE}.clocks
        WHERE {window} AND clock_id IN (
            SELECT clock_id FROM {DATABASE}.clocks
            WHERE {window}
            GROUP BY clock_id
            HAVING NOT argMax(closed, revision)
            ORDER BY argMax(due_at, revision), clock_id
            LIMIT {{limit:UInt32}}
        )
        GROUP BY clock_id
        ORDER BY due, clock_id
    """
    return [
        OpenClock(str(c), str(r), str(cl), str(sev), str(p), str(u), str(s), utc(st), utc(due))
        for c, r, cl, sev, p, u, s, st, due in client.query(sql, parameters=params).result_rows
    ]


def provinces(client: Client, scope: Scope) -> list[str]:
    """Provinces with clocks, within the scope: the page's province filter."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT province FROM {DATABASE}.clocks
        WHERE {scope_filter(scope, params)} GROUP BY province ORDER BY province
    """
    return [str(row[0]) for row in client.query(sql, parameters=params).result_rows]


def overdue(client: Client, scope: Scope, *, now: datetime, province: str | None = None) -> int:
    """Clocks past their due time (within `OVERDUE_WITHIN`) and still open: the worker has
    not seen their deadline pass yet (its clock trails the wall clock), or their rule
    judges only at the end."""
    params: dict[str, Any] = {"now": now, "since": now - OVERDUE_WITHIN}
    if province is not None:
        params["province"] = province
    chosen = "1" if province is None else "province = {province:String}"
    sql = f"""
        SELECT count() FROM (
            SELECT clock_id FROM {DATABASE}.clocks
            WHERE due_at < {{now:DateTime64(3, 'UTC')}} AND due_at >= {{since:DateTime64(3, 'UTC')}}
              AND {scope_filter(scope, params)} AND {chosen}
            GROUP BY clock_id
            HAVING NOT argMax(closed, revision)
        )
    """
    return int(client.query(sql, parameters=params).result_rows[0][0])
