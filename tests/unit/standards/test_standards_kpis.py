"""KPIs: compliance per rule/unit/day, satisfaction ratios against targets, star ratings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from standards.kpis import KpiBook
from standards.loader import load_standards
from standards.verdicts import Check

[V1] = load_standards()
NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _check(rule: str, unit: str, violated: bool, n: int) -> Check:
    return Check(
        f"{rule}{unit}{n}",
        "cmcc-service",
        1,
        rule,
        "GD",
        unit,
        f"s{n}",
        date(2026, 3, 2),
        NOW,
        violated,
    )


def test_rule_days_ratios_and_stars() -> None:
    book = KpiBook([V1])
    for n in range(10):
        book.add(_check("hall.wait_time", "H1", n == 0, n))
        book.add(_check("hall.satisfaction.overall", "H1", n < 2, n))
    rows = book.records()
    [day] = [r for r in rows if r["kind"] == "rule_day" and r["rule"] == "hall.wait_time"]
    assert (day["checked"], day["violated"], day["compliance"]) == (10, 1, 0.9)
    [month] = [
        r for r in rows if r["kind"] == "ratio" and r["unit"] == "H1" and r["period"] == "month"
    ]
    assert (month["ratio"], month["target"], month["met"]) == (0.8, 0.9, False)
    assert {r["window"] for r in rows if r["kind"] == "ratio" and r["unit"] == "*"} == {
        "2026-03",
        "2026-Q1",
        "2026",
    }
    [stars] = [r for r in rows if r["kind"] == "stars" and r["unit"] == "H1"]
    # management group: wait 0.9 and satisfaction 0.8/0.9 → (0.9 + 0.888…)/2 = 0.894 → 2 stars
    assert stars["groups"] == {"management": 0.894444}
    assert stars["stars"] == 2
