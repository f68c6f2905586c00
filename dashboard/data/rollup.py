"""The rollups as the overview pages read them: standing violations and checks per
(day, province, channel, rule, unit), never the raw tables.

Standing = found − retracted − voided, per rollup key and never below zero (see
`processors.storage.rollups`). The compliance rate of any group of keys is
1 − standing / checked: retractions and accepted disputes raise it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dashboard.data import scope_filter
from dashboard.scope import Scope
from processors.storage.client import DATABASE

UNIT_KEY = "day, province, channel, rule, unit"
PROVINCE_KEY = "day, province, channel, rule"


@dataclass(frozen=True)
class Slice:
    """Which rollup keys a query reads: days [start, end), the viewer's scope, and filters."""

    scope: Scope
    start: date
    end: date
    province: str | None = None
    unit: str | None = None
    rule: str | None = None

    @property
    def by_unit(self) -> bool:
        """A slice of one unit needs the per-unit rollups; any other can read per province."""
        return self.unit is not None

    def where(self, params: dict[str, Any]) -> str:
        params.update({"start": self.start, "end": self.end})
        terms = [scope_filter(self.scope, params), "day >= {start:Date}", "day < {end:Date}"]
        for column in ("province", "unit", "rule"):
            value = getattr(self, column)
            if value is not None:
                params[column] = value
                terms.append(f"{column} = {{{column}:String}}")
        return " AND ".join(terms)


def _grain(by_unit: bool) -> tuple[str, str]:
    """The key and the table suffix: per unit, or the far smaller per-province rollup."""
    return (UNIT_KEY, "_daily") if by_unit else (PROVINCE_KEY, "_province_daily")


def violations(where: str, *, by_unit: bool = False) -> str:
    """A subquery: per rollup key, `found`, `retracted`, `voided`, `standing`, first and last."""
    key, grain = _grain(by_unit)
    return f"""(
        SELECT {key}, v.found AS found, v.retracted AS retracted, d.voided AS voided,
               toUInt64(greatest(toInt64(v.found) - v.retracted - d.voided, 0)) AS standing,
               v.first_detected AS first_detected, v.last_detected AS last_detected
        FROM (
            SELECT {key}, uniqExactMerge(found) AS found, uniqExactMerge(retracted) AS retracted,
                   min(first_detected) AS first_detected, max(last_detected) AS last_detected
            FROM {DATABASE}.violations{grain} WHERE {where} GROUP BY {key}
        ) AS v
        LEFT JOIN (
            SELECT {key}, uniqExactMerge(voided) AS voided
            FROM {DATABASE}.voids{grain} WHERE {where} GROUP BY {key}
        ) AS d USING ({key})
    )"""


def checks(where: str, *, by_unit: bool = False) -> str:
    """A subquery: per rollup key, `checked` and `violated` checks."""
    key, grain = _grain(by_unit)
    return f"""(
        SELECT {key}, sum(checked) AS checked, sum(violated) AS violated
        FROM {DATABASE}.checks{grain} WHERE {where} GROUP BY {key}
    )"""


def combined(where: str, keys: str, *, by_unit: bool = False) -> str:
    """Checks, standing and voided violations summed over `keys` (a subset of the key)."""
    return f"""(
        SELECT {keys}, sum(checked) AS checked, sum(violated) AS violated,
               sum(standing) AS standing, sum(voided) AS voided
        FROM (
            SELECT {keys}, checked, violated, toUInt64(0) AS standing, toUInt64(0) AS voided
            FROM {checks(where, by_unit=by_unit)}
            UNION ALL
            SELECT {keys}, toUInt64(0), toUInt64(0), standing, voided
            FROM {violations(where, by_unit=by_unit)}
        )
        GROUP BY {keys}
    )"""


def rate(checked: int, standing: int) -> float | None:
    """1 − standing / checked, within 0..1; None when nothing was checked."""
    if not checked:
        return None
    return max(0.0, 1.0 - standing / checked)


def latest_day(client: Any, scope: Scope) -> date | None:
    """The newest day any rollup row in the viewer's scope has (for the default period)."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT max(day), count() FROM (
            SELECT day FROM {DATABASE}.checks_province_daily WHERE {scope_filter(scope, params)}
            UNION ALL
            SELECT day FROM {DATABASE}.violations_province_daily
            WHERE {scope_filter(scope, params)}
        )
    """
    newest, count = client.query(sql, parameters=params).result_rows[0]
    return newest if count else None
