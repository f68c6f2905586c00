"""What the overview pages (scorecard, drill-down, rules) share: the month they show,
bound to `?month=`; the freshness line; their cached, scope-keyed queries.

Every cached query takes the `Slice`, which carries the viewer's scope, so a cached
result is only ever served to a viewer with the same scope.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import streamlit as st

from dashboard.connection import client
from dashboard.data import rules as rules_data
from dashboard.data import scorecard, units
from dashboard.data.rollup import Slice, latest_day
from dashboard.freshness import latest_insert
from dashboard.humanize import missing
from dashboard.i18n import current_language, t
from dashboard.localtime import SHANGHAI
from dashboard.scope import Scope

TTL_SECONDS = 30
MONTHS_OFFERED = 12


def freshness_line(table: str = "violations") -> None:
    latest = latest_insert(client(), table)
    if latest is None:
        st.caption(t("common.fresh_never"))
        return
    when = latest.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
    st.caption(t("common.fresh_as_of", when=when))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1)


def previous_month(start: date) -> date:
    return (start - timedelta(days=1)).replace(day=1)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _latest(scope: Scope) -> date | None:
    return latest_day(client(), scope)


def pick_month(scope: Scope) -> date:
    """The month shown, from `?month=YYYY-MM` if offered, else the newest with data."""
    newest = month_start(_latest(scope) or datetime.now(SHANGHAI).date())
    offered = [newest]
    while len(offered) < MONTHS_OFFERED:
        offered.append(previous_month(offered[-1]))
    labels = [f"{m:%Y-%m}" for m in offered]
    asked = st.query_params.get("month")
    chosen = st.selectbox(
        t("core.month"), labels, index=labels.index(asked) if asked in labels else 0
    )
    st.query_params["month"] = chosen
    return offered[labels.index(chosen)]


def month_slice(scope: Scope, month: date, **filters: str | None) -> Slice:
    return Slice(scope, month, next_month(month), **filters)


def missing_text() -> str:
    return missing(current_language())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def cells(where: Slice) -> list[scorecard.Cell]:
    return scorecard.cells(client(), where)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def worst_clauses(where: Slice) -> list[scorecard.ClauseCount]:
    return scorecard.worst_clauses(client(), where)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def unit_rows(where: Slice) -> list[units.UnitRow]:
    return units.units(client(), where)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def unit_kpis(where: Slice) -> list[units.KpiRow]:
    return units.kpis(client(), where)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def unit_months(where: Slice) -> list[units.MonthRow]:
    return units.months(client(), where)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def rules_by_rule(where: Slice) -> list[rules_data.RuleRow]:
    return rules_data.by_rule(client(), where)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def rule_by_province(where: Slice) -> list[rules_data.RuleRow]:
    return rules_data.by_province(client(), where)
