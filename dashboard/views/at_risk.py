"""At risk: open deadline clocks due within N hours, soonest first, flagged at 50 % and 75 %
of their allowed time. Deep links: `?hours=24&province=GD`."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import humanize
from dashboard.connection import client
from dashboard.data import clocks
from dashboard.downloads import download_buttons
from dashboard.freshness import latest_insert
from dashboard.i18n import catalog, current_language, t
from dashboard.localtime import freshness, shown
from dashboard.scope import Scope
from dashboard.session import viewer

HOURS = (1, 4, 8, 24, 48, 72, 168)
DEFAULT_HOURS = 24
ALL = ""


@st.cache_data(ttl=30, show_spinner=False)
def _due(
    provinces: frozenset[str] | None, hours: int, province: str | None, minute: datetime
) -> tuple[list[clocks.OpenClock], int]:
    scope, ch = Scope(provinces), client()
    found = clocks.due_within(ch, scope, now=minute, hours=hours, province=province)
    return found, clocks.overdue(ch, scope, now=minute, province=province)


def _hours_asked() -> int:
    raw = st.query_params.get("hours", "")
    return int(raw) if raw.isdigit() and int(raw) in HOURS else DEFAULT_HOURS


lang = current_language()
st.title(t("page.at_risk"))
ch = client()
scope = viewer().scope
st.caption(freshness(latest_insert(ch, "clocks"), lang))
st.caption(t("ops.at_risk.about"))

left, right = st.columns(2)
hours = left.selectbox(
    t("ops.at_risk.hours"),
    HOURS,
    index=HOURS.index(_hours_asked()),
    format_func=lambda h: humanize.duration(h * 3600, lang),
)
choices = [ALL, *clocks.provinces(ch, scope)]
asked = st.query_params.get("province", ALL)
province_choice = right.selectbox(
    t("common.province"),
    choices,
    index=choices.index(asked) if asked in choices else 0,
    format_func=lambda p: p or t("ops.all_provinces"),
)
st.query_params["hours"] = str(hours)
if province_choice:
    st.query_params["province"] = province_choice
elif "province" in st.query_params:
    del st.query_params["province"]

now = datetime.now(UTC).replace(second=0, microsecond=0)
rows, late = _due(scope.provinces, hours, province_choice or None, now)
if late:
    st.warning(t("ops.at_risk.overdue", n=late))
if not rows:
    st.info(t("ops.at_risk.none", hours=humanize.duration(hours * 3600, lang)))
    st.stop()

warned = [r for r in rows if r.warning(now) is not None]
a, b, c = st.columns(3)
a.metric(t("ops.at_risk.count"), f"{len(rows):,}")
b.metric(t("ops.at_risk.warn75"), f"{sum(r.warning(now) == 0.75 for r in rows):,}")
c.metric(t("ops.at_risk.warn50"), f"{sum(r.warning(now) == 0.5 for r in rows):,}")


def _severity(severity: str) -> str:
    key = f"ops.severity.{severity}"
    return t(key) if key in catalog() else severity


def _flag(clock: clocks.OpenClock) -> str:
    level = clock.warning(now)
    if level is None:
        return t("ops.at_risk.flag_ok")
    return t("ops.at_risk.flag", share=humanize.percent(level, lang))


at_risk_rows = [
    {
        t("ops.at_risk.due"): shown(r.due_at, lang),
        t("ops.at_risk.left"): humanize.duration((r.due_at - now).total_seconds(), lang),
        t("ops.at_risk.used"): humanize.percent(r.used(now), lang),
        t("ops.at_risk.warning"): _flag(r),
        t("common.rule"): r.rule,
        t("common.clause"): r.clause,
        t("common.severity"): _severity(r.severity),
        t("common.province"): r.province,
        t("common.unit"): r.unit,
        t("ops.subject"): r.subject,
        t("ops.at_risk.started"): shown(r.started_at, lang),
    }
    for r in rows
]
st.dataframe(
    at_risk_rows,
    hide_index=True,
    width="stretch",
)
download_buttons(at_risk_rows, name="at-risk")
st.caption(t("ops.at_risk.warned", n=len(warned)))
