"""Which queries each dashboard page runs, in the order it runs them: what the page benchmark times.

A page is a function of (probe, client, viewer) that calls its query functions
through `probe`, with the arguments the page itself passes on opening for that
viewer (the newest month, the first province and unit it lists, the first row
of the explorer selected…). Adding a page is a function here and a line in
`PAGES`, keyed as in `dashboard.pages.PAGES`. `bench_pages.py` lists the query
functions of `dashboard/data/` that no page here
calls, so a new query does not go untimed unnoticed. The standards page's
versions come from Kafka (`svc.standards`), not ClickHouse: only its
ClickHouse query is here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from clickhouse_connect.driver.client import Client

from dashboard.data import clocks, pipeline, scorecard, units, whatif
from dashboard.data import rules as rules_data
from dashboard.data import standards as standards_data
from dashboard.data.disputes import dispute_history
from dashboard.data.report import monthly_report, report_provinces
from dashboard.data.rollup import Slice, latest_day
from dashboard.data.scorecard import ALL
from dashboard.data.violations import (
    ViolationFilter,
    count_violations,
    evidence_events,
    filter_options,
    find_violations,
    violation,
)
from dashboard.freshness import latest_insert
from dashboard.viewer import Role, Viewer


class Probe(Protocol):
    """Times one query call and returns its result."""

    def __call__(self, query: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...


PageRun = Callable[[Probe, Client, Viewer], None]

VIEWERS: tuple[Viewer, ...] = (
    Viewer("bench-hq", Role.HQ_AUDITOR),
    Viewer("bench-gd", Role.PROVINCE_MANAGER, "GD"),
)
"""An HQ auditor (all 31 provinces) and the manager of the largest province."""

NOW = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
"""The end of the benchmark's year (page_data.START + 365 days): "now" for the live pages."""


def _month(probe: Probe, client: Client, viewer: Viewer) -> date:
    """The month the overview pages open on: the newest with data (core_page.pick_month)."""
    newest = probe(latest_day, client, viewer.scope) or NOW.date()
    return newest.replace(day=1)


def _next(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _previous(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def _year_to(month: date) -> date:
    start = month
    for _ in range(11):
        start = _previous(start)
    return start


def scorecard_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    scope = viewer.scope
    probe(latest_insert, client, "violations")
    month = _month(probe, client, viewer)
    probe(scorecard.cells, client, Slice(scope, month, _next(month)))
    probe(scorecard.cells, client, Slice(scope, _previous(month), month))
    probe(scorecard.worst_clauses, client, Slice(scope, month, _next(month)))


def drilldown_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    scope = viewer.scope
    probe(latest_insert, client, "violations")
    month = _month(probe, client, viewer)
    cells = probe(scorecard.cells, client, Slice(scope, month, _next(month)))
    province = sorted({c.province for c in cells} - {ALL})[0]
    probe(units.months, client, Slice(scope, _year_to(month), _next(month), province=province))
    rows = probe(units.units, client, Slice(scope, month, _next(month), province=province))
    unit = rows[0].unit
    probe(units.kpis, client, Slice(scope, month, _next(month), province=province, unit=unit))
    probe(
        units.months,
        client,
        Slice(scope, _year_to(month), _next(month), province=province, unit=unit),
    )


def rules_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    scope = viewer.scope
    probe(latest_insert, client, "violations")
    month = _month(probe, client, viewer)
    probe(rules_data.by_rule, client, Slice(scope, month, _next(month)))
    rows = probe(rules_data.by_rule, client, Slice(scope, _year_to(month), _next(month)))
    rule = rows[0].key
    probe(rules_data.by_province, client, Slice(scope, _year_to(month), _next(month), rule=rule))


def violations_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    """The explorer opened unfiltered, then its newest violation with evidence and disputes."""
    scope = viewer.scope
    probe(latest_insert, client, "violations")
    probe(filter_options, client, scope)
    chosen = ViolationFilter()
    probe(count_violations, client, scope, chosen)
    page = probe(find_violations, client, scope, chosen)
    probe(find_violations, client, scope, chosen, after=page.next)
    row = probe(violation, client, scope, page.rows[0].violation_id)
    probe(dispute_history, client, scope, row.violation_id)
    probe(evidence_events, client, scope, row)


def at_risk_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    scope = viewer.scope
    probe(latest_insert, client, "clocks")
    probe(clocks.provinces, client, scope)
    probe(clocks.due_within, client, scope, now=NOW, hours=24)
    probe(clocks.overdue, client, scope, now=NOW)


def standards_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    probe(standards_data.in_use, client, viewer.scope)


def whatif_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    scope = viewer.scope
    probe(latest_insert, client, "whatif_violations")
    run = probe(whatif.runs, client)[0]
    probe(whatif.summary, client, scope, run)
    probe(whatif.changes, client, scope, run)


def pipeline_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    scope = viewer.scope
    probe(pipeline.event_rate, client, scope, now=NOW)
    probe(pipeline.latest_event, client, scope)
    probe(pipeline.letter_reasons, client, scope)
    probe(pipeline.letter_samples, client, scope, reason=None)
    probe(pipeline.latest_letter, client, scope)


def report_page(probe: Probe, client: Client, viewer: Viewer) -> None:
    """The monthly audit report of the first province offered, for the data's last month."""
    scope = viewer.scope
    probe(latest_insert, client, "violations")
    province = probe(report_provinces, client, scope)[0]
    probe(monthly_report, client, scope, province, "2026-11", now=NOW)


PAGES: dict[str, PageRun] = {
    "scorecard": scorecard_page,
    "drilldown": drilldown_page,
    "rules": rules_page,
    "violations": violations_page,
    "at_risk": at_risk_page,
    "standards": standards_page,
    "whatif": whatif_page,
    "pipeline": pipeline_page,
    "report": report_page,
}
