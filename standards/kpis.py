"""KPIs from checks: per rule, unit and day; satisfaction ratios by month, quarter, year; stars.

Pure aggregation over `Check` records, the same ones the stream writes to
ClickHouse, so the offline numbers and the dashboard's agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from standards.kinds.ratio import RatioParams
from standards.model import Standard
from standards.verdicts import Check

ALL_UNITS = "*"


@dataclass(slots=True)
class _Tally:
    checked: int = 0
    violated: int = 0

    def add(self, violated: bool) -> None:
        self.checked += 1
        self.violated += violated

    @property
    def compliance(self) -> float:
        return 1 - self.violated / self.checked if self.checked else 1.0


def _periods(day: date) -> tuple[tuple[str, str], ...]:
    quarter = (day.month - 1) // 3 + 1
    return (
        ("month", f"{day:%Y-%m}"),
        ("quarter", f"{day.year}-Q{quarter}"),
        ("year", f"{day.year}"),
    )


class KpiBook:
    """Accumulates checks; `records` renders the KPI rows."""

    def __init__(self, standards: list[Standard]) -> None:
        self._standards = {(s.standard, s.version): s for s in standards}
        self._days: dict[tuple[str, int, str, str, str, date], _Tally] = defaultdict(_Tally)

    def add(self, check: Check) -> None:
        key = (check.standard, check.version, check.rule, check.province, check.unit, check.day)
        self._days[key].add(check.violated)

    def records(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for (standard, version, rule, province, unit, day), tally in sorted(self._days.items()):
            rows.append(
                {
                    "kind": "rule_day",
                    "standard": standard,
                    "version": version,
                    "rule": rule,
                    "province": province,
                    "unit": unit,
                    "day": day.isoformat(),
                    "checked": tally.checked,
                    "violated": tally.violated,
                    "compliance": round(tally.compliance, 6),
                }
            )
        rows.extend(self._ratios())
        rows.extend(self._stars())
        return rows

    def _targets(self, standard: str, version: int) -> dict[str, float]:
        spec = self._standards.get((standard, version))
        if spec is None:
            return {}
        return {r.id: r.params.target for r in spec.rules if isinstance(r.params, RatioParams)}

    def _rollup(self) -> dict[tuple[str, int, str, str, str, str, str], _Tally]:
        """(standard, version, rule, province, unit, period, window) → tally; unit '*' = province."""
        rolled: dict[tuple[str, int, str, str, str, str, str], _Tally] = defaultdict(_Tally)
        for (standard, version, rule, province, unit, day), tally in self._days.items():
            for period, window in _periods(day):
                for who in (unit, ALL_UNITS):
                    target = rolled[(standard, version, rule, province, who, period, window)]
                    target.checked += tally.checked
                    target.violated += tally.violated
        return rolled

    def _ratios(self) -> list[dict[str, Any]]:
        rows = []
        for key, tally in sorted(self._rollup().items()):
            standard, version, rule, province, unit, period, window = key
            target = self._targets(standard, version).get(rule)
            if target is None or not tally.checked:
                continue
            ratio = tally.compliance
            rows.append(
                {
                    "kind": "ratio",
                    "standard": standard,
                    "version": version,
                    "rule": rule,
                    "province": province,
                    "unit": unit,
                    "period": period,
                    "window": window,
                    "surveyed": tally.checked,
                    "satisfied": tally.checked - tally.violated,
                    "ratio": round(ratio, 6),
                    "target": target,
                    "met": ratio >= target - 1e-9,
                }
            )
        return rows

    def _stars(self) -> list[dict[str, Any]]:
        attainment: dict[tuple[str, int, str, str, str], dict[str, float]] = defaultdict(dict)
        for key, tally in self._rollup().items():
            standard, version, rule, province, unit, period, window = key
            if period != "month" or not tally.checked:
                continue
            target = self._targets(standard, version).get(rule)
            value = tally.compliance if target is None else min(1.0, tally.compliance / target)
            attainment[(standard, version, province, unit, window)][rule] = value
        rows = []
        for (standard, version, province, unit, month), by_rule in sorted(attainment.items()):
            spec = self._standards.get((standard, version))
            if spec is None or spec.scoring is None:
                continue
            groups: dict[str, float] = {}
            weights = 0.0
            total = 0.0
            for name, group in spec.scoring.groups.items():
                values = [by_rule[r] for r in group.rules if r in by_rule]
                if not values:
                    continue
                groups[name] = round(sum(values) / len(values), 6)
                weights += group.weight
                total += group.weight * groups[name]
            if not weights:
                continue
            score = total / weights
            rows.append(
                {
                    "kind": "stars",
                    "standard": standard,
                    "version": version,
                    "province": province,
                    "unit": unit,
                    "month": month,
                    "score": round(score, 6),
                    "stars": spec.scoring.stars_for(score),
                    "groups": groups,
                }
            )
        return rows
