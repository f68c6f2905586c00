"""Province → units: halls, call centres, IVR platforms, repair teams (and the complaint
and notice desks), each with its KPIs against targets and its star rating by month."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import core_page
from dashboard.data.rollup import Slice, rate
from dashboard.data.scorecard import ALL
from dashboard.downloads import download_buttons
from dashboard.humanize import percent
from dashboard.i18n import current_language, t
from dashboard.labels import channel_name, province_name
from dashboard.rulebook import rule_info, star_text, stars
from dashboard.session import viewer

lang = current_language()
none = core_page.missing_text()
st.title(t("page.drilldown"))
core_page.freshness_line()
scope = viewer().scope
month = core_page.pick_month(scope)
provinces = sorted(
    {c.province for c in core_page.cells(core_page.month_slice(scope, month))} - {ALL}
)
if not provinces:
    st.info(t("core.scorecard.empty", month=f"{month:%Y-%m}"))
    st.stop()
asked = st.query_params.get("province")
province = st.selectbox(
    t("common.province"),
    provinces,
    index=provinces.index(asked) if asked in provinces else 0,
    format_func=province_name,
)
st.query_params["province"] = province
year_ago = month
for _ in range(core_page.MONTHS_OFFERED - 1):
    year_ago = core_page.previous_month(year_ago)


def by_month(where: Slice) -> None:
    """Rate and stars per month over the year to `month`, as a table and a line."""
    rows = core_page.unit_months(where)
    if not rows:
        st.info(t("common.no_data"))
        return
    rates = [rate(r.checked, r.standing) for r in rows]
    drilldown_months_rows = [
        {
            t("core.month"): r.month,
            t("core.rate"): percent(value, lang),
            t("core.stars"): star_text(stars(value), none),
            t("core.violations"): r.standing,
            t("core.checked"): r.checked,
        }
        for r, value in zip(rows, rates, strict=True)
    ]
    st.dataframe(
        drilldown_months_rows,
        hide_index=True,
    )
    download_buttons(drilldown_months_rows, name="drilldown-months")
    points = {
        t("core.month"): [r.month for r in rows],
        t("core.rate_percent"): [None if v is None else round(100 * v, 2) for v in rates],
    }
    line = (
        alt.Chart(pd.DataFrame(points))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{t('core.month')}:O"),
            y=alt.Y(f"{t('core.rate_percent')}:Q", scale=alt.Scale(zero=False)),
        )
    )
    st.altair_chart(line)


def year_slice(**filters: str | None) -> Slice:
    return Slice(scope, year_ago, core_page.next_month(month), **filters)


units = core_page.unit_rows(core_page.month_slice(scope, month, province=province))
st.subheader(t("core.drilldown.units", province=province_name(province)))
drilldown_units_rows = [
    {
        t("common.unit"): u.unit,
        t("core.kind"): channel_name(u.channel),
        t("core.rate"): percent(rate(u.checked, u.standing), lang),
        t("core.stars"): star_text(stars(rate(u.checked, u.standing)), none),
        t("core.violations"): u.standing,
        t("core.voided"): u.voided,
        t("core.checked"): u.checked,
    }
    for u in units
]
table = st.dataframe(
    drilldown_units_rows,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="drilldown_units",
)
download_buttons(drilldown_units_rows, name="drilldown-units")
st.caption(t("core.drilldown.pick_unit"))
worst = [u for u in units if u.standing][:15]
if worst:
    st.bar_chart(
        {
            t("common.unit"): [u.unit for u in worst],
            t("core.violations"): [u.standing for u in worst],
        },
        x=t("common.unit"),
        y=t("core.violations"),
        horizontal=True,
        sort=f"-{t('core.violations')}",
    )
names = [u.unit for u in units]
picked = table.selection.rows if table is not None else []
asked_unit = st.query_params.get("unit")
unit: str | None = names[picked[0]] if picked else asked_unit if asked_unit in names else None
if unit is None:
    st.query_params.pop("unit", None)
    st.subheader(t("core.drilldown.province_months", province=province_name(province)))
    by_month(year_slice(province=province))
    st.stop()

st.query_params["unit"] = unit
st.subheader(t("core.drilldown.kpis", unit=unit, month=f"{month:%Y-%m}"))
st.page_link(
    "views/violations.py",
    label=t("core.open_violations"),
    query_params={"province": province, "unit": unit},
)
kpis = [
    k
    for k in core_page.unit_kpis(core_page.month_slice(scope, month, province=province, unit=unit))
    if k.month == f"{month:%Y-%m}"
]


def kpi_row(rule: str, checked: int, violated: int, standing: int) -> dict[str, object]:
    info = rule_info(rule)
    value = rate(checked, violated)
    target = None if info is None else info.target
    met = none if value is None or target is None else "✓" if value >= target - 1e-9 else "✗"
    return {
        t("common.rule"): rule,
        t("common.clause"): none if info is None else f"{info.clause} {info.title(lang)}",
        t("core.kpi"): percent(value, lang),
        t("core.target"): percent(target, lang),
        t("core.met"): met,
        t("core.violations"): standing,
        t("core.checked"): checked,
    }


drilldown_kpis_rows = [kpi_row(k.rule, k.checked, k.violated, k.standing) for k in kpis]
st.dataframe(drilldown_kpis_rows, hide_index=True)
download_buttons(drilldown_kpis_rows, name="drilldown-kpis")
st.caption(t("core.drilldown.kpi_explained"))
st.subheader(t("core.drilldown.unit_months", unit=unit))
by_month(year_slice(province=province, unit=unit))
