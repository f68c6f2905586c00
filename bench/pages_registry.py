"""Which queries each dashboard page runs, in the order it runs them: what the page benchmark times.

A page is a function of (probe, client, viewer) that calls its query functions
through `probe`, with the arguments the page itself would pass on opening for
that viewer (the first province it lists, the first row it shows selected…).
Adding a page is a function here and a line in `PAGES`, keyed as in
`dashboard.pages.PAGES`. `bench_pages.py` lists the query functions of
`dashboard/queries.py` and `dashboard/data/` that no page here calls, so a new
query does not go untimed unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from clickhouse_connect.driver.client import Client

from dashboard.freshness import latest_insert
from dashboard.queries import (
    evidence_events,
    recent_violations,
    total_checks,
    violations_by_province,
    violations_by_unit,
)
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


def scorecard(probe: Probe, client: Client, viewer: Viewer) -> None:
    scope = viewer.scope
    probe(latest_insert, client, "violations")
    probe(total_checks, client, scope)
    probe(violations_by_province, client, scope)


def violations(probe: Probe, client: Client, viewer: Viewer) -> None:
    """The page opened on its first province, all units, then one violation's evidence."""
    scope = viewer.scope
    probe(latest_insert, client, "violations")
    provinces = probe(violations_by_province, client, scope)
    province = provinces[0].province
    probe(violations_by_unit, client, scope, province)
    rows = probe(recent_violations, client, scope, province=province)
    probe(evidence_events, client, scope, rows[0])


PAGES: dict[str, PageRun] = {
    "scorecard": scorecard,
    "violations": violations,
}
