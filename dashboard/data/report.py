"""The monthly audit report of one province: its figures, read in ClickHouse for the viewer.

One month in China time (`YYYY-MM`), one province, and what the report shows:

- **Scorecard per channel** (the rule id's first part: hall, hotline, ivr, repair,
  notice, complaint): checks that month (`svc.checks`, by their local `day`), the
  violations detected that month (`svc.violations` at their latest revision, not
  retracted, not voided), the compliance rate and the star rating.
- **Compliance rate**: checks passed / checks. A check that found a violation later
  voided by an accepted dispute counts as passed: a voided violation leaves the
  rates (issue 11), so per channel or unit the violated checks are reduced by the
  violations voided there (never below zero).
- **Star rating**: `star_rating(rate)`, the rule file's star bands (`dashboard.rulebook.stars`), as on the scorecard.
- **Worst units**: the units with the most violations that month; **worst
  clauses**: the rules and clauses broken most often, in how many units, since when.
- **Open disputes**: every dispute of the province still awaiting HQ's decision when
  the report is made (its latest event is `filed`, none was accepted), from
  `svc.disputes` (one row per dispute event). A database without that table has no
  disputes; any other failure to read it is an error, never an empty list.

Every query binds the province and the viewer's scope (`scope_filter`): asking for a
province outside the scope is refused before any query runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from clickhouse_connect.driver.client import Client

from dashboard.data import scope_filter
from dashboard.localtime import DISPLAY_TZ, SHANGHAI
from dashboard.rulebook import stars
from dashboard.scope import Scope
from events.errors import UserError
from processors.storage.client import DATABASE
from standards.calendar import month_bounds

CHANNEL_SQL = "splitByChar('.', rule)[1]"
"""A rule's channel: the first part of its id (`hall.wait_time` → `hall`)."""

MONTH = re.compile(r"\d{4}-\d{2}")
TOP = 10
"""Rows in the worst-units and worst-clauses tables."""
DISPUTES_SHOWN = 100
"""Open disputes listed, oldest first; the report says how many there are in all."""


class OutOfScope(UserError):
    """A report asked for a province the viewer may not see."""


def star_rating(rate: float | None) -> int | None:
    """1–5 stars for a compliance rate in 0..1 (the rule file's bands, as the scorecard
    rates); None when nothing was checked."""
    return stars(rate)


def compliance_rate(checks: int, violated: int, voided: int) -> float | None:
    """Checks passed over checks, a voided violation's check counting as passed."""
    if checks == 0:
        return None
    failed = min(checks, max(violated - voided, 0))
    return (checks - failed) / checks


@dataclass(frozen=True)
class ChannelScore:
    channel: str
    checks: int
    violated_checks: int
    violations: int
    voided: int

    @property
    def rate(self) -> float | None:
        return compliance_rate(self.checks, self.violated_checks, self.voided)

    @property
    def stars(self) -> int | None:
        return star_rating(self.rate)


@dataclass(frozen=True)
class UnitScore:
    unit: str
    channel: str
    violations: int
    checks: int
    violated_checks: int
    voided: int

    @property
    def rate(self) -> float | None:
        return compliance_rate(self.checks, self.violated_checks, self.voided)


@dataclass(frozen=True)
class ClauseCount:
    rule: str
    clause: str
    violations: int
    units: int
    first_detected: datetime


@dataclass(frozen=True)
class OpenDispute:
    violation_id: str
    unit: str
    rule: str
    detected_at: datetime
    filed_at: datetime
    filed_by: str
    reason: str


@dataclass(frozen=True)
class MonthlyReport:
    province: str
    month: str
    start: datetime
    end: datetime
    channels: list[ChannelScore]
    worst_units: list[UnitScore]
    worst_clauses: list[ClauseCount]
    open_disputes: list[OpenDispute]
    made_at: datetime
    open_dispute_count: int = 0
    """All open disputes, of which `open_disputes` lists the oldest `DISPUTES_SHOWN`."""

    @property
    def total(self) -> ChannelScore:
        """The province over all channels."""
        return ChannelScore(
            "",
            sum(c.checks for c in self.channels),
            sum(c.violated_checks for c in self.channels),
            sum(c.violations for c in self.channels),
            sum(c.voided for c in self.channels),
        )


def month_period(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a `YYYY-MM` month in China time; a malformed month is the user's error."""
    if not MONTH.fullmatch(month) or not 1 <= int(month[5:]) <= 12:
        raise UserError(f"month must be YYYY-MM, got {month!r}")
    return month_bounds(month, SHANGHAI)


def monthly_report(
    client: Client, scope: Scope, province: str, month: str, *, now: datetime | None = None
) -> MonthlyReport:
    """Everything the monthly report of `province` shows, read within `scope`."""
    if not scope.allows(province):
        raise OutOfScope(f"province {province} is outside what this viewer may see")
    start, end = month_period(month)
    params: dict[str, Any] = {
        "province": province,
        "start": start.astimezone(UTC),
        "end": end.astimezone(UTC),
        "first_day": start.date(),
        "end_day": end.date(),
        "top": TOP,
    }
    where = f"province = {{province:String}} AND {scope_filter(scope, params)}"
    disputes = has_disputes(client)
    voided = f"violation_id IN ({_voided_ids(where)})" if disputes else "false"
    violations = f"""
        SELECT {CHANNEL_SQL} AS channel, unit, rule, clause, detected_at, {voided} AS voided
        FROM {DATABASE}.violations FINAL
        WHERE {where} AND NOT retracted
          AND detected_at >= {{start:DateTime64(3, 'UTC')}} AND detected_at < {{end:DateTime64(3, 'UTC')}}
    """
    checks = f"""
        SELECT {CHANNEL_SQL} AS channel, unit, violated
        FROM {DATABASE}.checks FINAL
        WHERE {where} AND day >= {{first_day:Date}} AND day < {{end_day:Date}}
    """
    found = _violation_sets(client, violations, params)
    units = [row for row in found.get("unit", []) if row.active > 0]
    params["units"] = [row.unit for row in units]
    checked = _check_sets(client, checks, params)
    listed, open_count = _open_disputes(client, where, params) if disputes else ([], 0)
    return MonthlyReport(
        province=province,
        month=month,
        start=start,
        end=end,
        channels=_channels(found.get("channel", []), checked.get("channel", {})),
        worst_units=[
            UnitScore(
                row.unit,
                row.unit_channel,
                row.active,
                *checked.get("unit", {}).get(row.unit, (0, 0)),
                row.voided,
            )
            for row in units
        ],
        worst_clauses=[
            ClauseCount(row.rule, row.clause, row.active, row.units, row.first)
            for row in found.get("clause", [])
            if row.active > 0
        ],
        open_disputes=listed,
        made_at=now or datetime.now(SHANGHAI),
        open_dispute_count=open_count,
    )


def has_disputes(client: Client) -> bool:
    """Whether `svc.disputes` exists (the disputes feature may not be deployed yet)."""
    sql = "SELECT count() FROM system.tables WHERE database = {db:String} AND name = 'disputes'"
    return bool(client.query(sql, parameters={"db": DATABASE}).result_rows[0][0])


def _voided_ids(where: str) -> str:
    return f"""
        SELECT violation_id FROM {DATABASE}.disputes FINAL
        WHERE {where} AND action = 'accepted'
    """


class _Counted(NamedTuple):
    """One row of `_violation_sets`: the keys of its grouping set filled, the others empty."""

    grouping_set: str
    channel: str
    unit: str
    rule: str
    clause: str
    unit_channel: str
    active: int
    voided: int
    units: int
    first: datetime


def _violation_sets(
    client: Client, violations: str, params: dict[str, Any]
) -> dict[str, list[_Counted]]:
    """The month's violations counted per channel, per unit and per rule and clause, in one
    read of the table (grouping sets); units and clauses the `TOP` with the most standing
    (there are fewer channels than that)."""
    sql = f"""
        SELECT multiIf(GROUPING(channel) = 0, 'channel', GROUPING(unit) = 0, 'unit', 'clause')
                   AS grouping_set,
               channel, unit, rule, clause, any(channel) AS unit_channel,
               countIf(NOT voided) AS active, countIf(voided) AS voided_count,
               uniqExactIf(unit, NOT voided) AS units,
               toTimeZone(minIf(detected_at, NOT voided), '{DISPLAY_TZ}') AS first
        FROM ({violations})
        GROUP BY GROUPING SETS ((channel), (unit), (rule, clause))
        ORDER BY grouping_set, active DESC, unit, rule, clause
        LIMIT {{top:UInt32}} BY grouping_set
    """
    found: dict[str, list[_Counted]] = {}
    for row in client.query(sql, parameters=params).result_rows:
        counted = _Counted(*row)
        found.setdefault(counted.grouping_set, []).append(counted)
    return found


def _check_sets(
    client: Client, checks: str, params: dict[str, Any]
) -> dict[str, dict[str, tuple[int, int]]]:
    """(checks, violated) per channel and for the units in `params["units"]`, in one read."""
    sql = f"""
        SELECT if(GROUPING(channel) = 0, 'channel', 'unit') AS grouping_set,
               if(grouping_set = 'channel', channel, unit) AS key,
               count(), countIf(violated)
        FROM ({checks})
        GROUP BY GROUPING SETS ((channel), (unit))
        HAVING grouping_set = 'channel' OR unit IN {{units:Array(String)}}
    """
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for grouping_set, key, count, violated in client.query(sql, parameters=params).result_rows:
        found.setdefault(str(grouping_set), {})[str(key)] = (int(count), int(violated))
    return found


def _channels(violations: list[_Counted], checks: dict[str, tuple[int, int]]) -> list[ChannelScore]:
    """Each channel with checks or violations, its two sides side by side."""
    counted = {row.channel: (row.active, row.voided) for row in violations}
    return [
        ChannelScore(channel, *checks.get(channel, (0, 0)), *counted.get(channel, (0, 0)))
        for channel in sorted(checks.keys() | counted.keys())
    ]


def _open_disputes(
    client: Client, where: str, params: dict[str, Any]
) -> tuple[list[OpenDispute], int]:
    """The oldest `DISPUTES_SHOWN` open disputes, and how many are open in all."""
    params["shown"] = DISPUTES_SHOWN
    sql = f"""
        SELECT violation_id, any(unit), any(rule),
               toTimeZone(any(detected_at), '{DISPLAY_TZ}'),
               toTimeZone(argMaxIf(at, (at, event_id), action = 'filed'), '{DISPLAY_TZ}') AS filed_at,
               argMaxIf(actor, (at, event_id), action = 'filed'),
               argMaxIf(reason, (at, event_id), action = 'filed'),
               count() OVER () AS open_count
        FROM {DATABASE}.disputes FINAL
        WHERE {where}
        GROUP BY violation_id
        HAVING countIf(action = 'accepted') = 0 AND argMax(action, (at, event_id)) = 'filed'
        ORDER BY filed_at, violation_id
        LIMIT {{shown:UInt32}}
    """
    rows = client.query(sql, parameters=params).result_rows
    listed = [
        OpenDispute(str(v), str(u), str(r), d, f, str(b), str(w)) for v, u, r, d, f, b, w, _ in rows
    ]
    return listed, int(rows[0][-1]) if rows else 0


def report_provinces(client: Client, scope: Scope) -> list[str]:
    """The provinces in scope with checks or violations recorded, to choose a report from."""
    params: dict[str, Any] = {}
    where = scope_filter(scope, params)
    sql = f"""
        SELECT province FROM (
            SELECT DISTINCT province FROM {DATABASE}.checks WHERE {where}
            UNION DISTINCT
            SELECT DISTINCT province FROM {DATABASE}.violations WHERE {where}
        )
        ORDER BY province
    """
    return [str(p) for (p,) in client.query(sql, parameters=params).result_rows]


def report_months(today: date, count: int = 12) -> list[str]:
    """The `count` months up to the current one, newest first (the page's choices)."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months
