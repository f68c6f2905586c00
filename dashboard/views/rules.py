"""Rules and clauses: which fail most (this month and over the year to it), where, and
since when; one rule province by province."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from dashboard import core_page
from dashboard.data.rollup import Slice
from dashboard.downloads import download_buttons
from dashboard.i18n import current_language, t
from dashboard.labels import channel_name, province_name
from dashboard.rulebook import rule_info
from dashboard.session import viewer

lang = current_language()
none = core_page.missing_text()
st.title(t("page.rules"))
core_page.freshness_line()
scope = viewer().scope
month = core_page.pick_month(scope)
start = month
for _ in range(core_page.MONTHS_OFFERED - 1):
    start = core_page.previous_month(start)
year = Slice(scope, start, core_page.next_month(month))
this_month = {r.key: r for r in core_page.rules_by_rule(core_page.month_slice(scope, month))}
rows = core_page.rules_by_rule(year)
if not rows:
    st.info(t("core.rules.empty"))
    st.stop()


def when(moment: datetime | None) -> str:
    return none if moment is None else f"{moment:%Y-%m-%d}"


def clause(rule: str) -> str:
    info = rule_info(rule)
    return none if info is None else f"{info.clause} {info.title(lang)}"


st.caption(t("core.rules.window", start=f"{start:%Y-%m}", end=f"{month:%Y-%m}"))
rules_rows = [
    {
        t("common.rule"): r.key,
        t("common.clause"): clause(r.key),
        t("common.channel"): channel_name(r.key.split(".")[0]),
        t("core.rules.this_month"): this_month[r.key].standing if r.key in this_month else 0,
        t("core.rules.year"): r.standing,
        t("core.provinces"): r.provinces,
        t("core.rules.since"): when(r.since),
        t("core.rules.latest"): when(r.latest),
    }
    for r in rows
]
table = st.dataframe(
    rules_rows,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="rules_table",
)
download_buttons(rules_rows, name="rules")
st.caption(t("core.rules.pick"))
names = [r.key for r in rows]
picked = table.selection.rows if table is not None else []
asked = st.query_params.get("rule")
rule = names[picked[0]] if picked else asked if asked in names else None
if rule is None:
    st.query_params.pop("rule", None)
    st.stop()

st.query_params["rule"] = rule
info = rule_info(rule)
st.subheader(t("core.rules.where", rule=rule if info is None else f"{rule} · {info.clause}"))
st.page_link("views/violations.py", label=t("core.open_violations"), query_params={"rule": rule})
places = core_page.rule_by_province(Slice(scope, start, core_page.next_month(month), rule=rule))
rules_provinces_rows = [
    {
        t("common.province"): province_name(p.key),
        t("core.rules.year"): p.standing,
        t("core.voided"): p.voided,
        t("core.rules.since"): when(p.since),
        t("core.rules.latest"): when(p.latest),
    }
    for p in places
]
st.dataframe(
    rules_provinces_rows,
    hide_index=True,
)
download_buttons(rules_provinces_rows, name="rules-provinces")
if places:
    st.bar_chart(
        {
            t("common.province"): [province_name(p.key) for p in places],
            t("core.violations"): [p.standing for p in places],
        },
        x=t("common.province"),
        y=t("core.violations"),
        horizontal=True,
        sort=f"-{t('core.violations')}",
    )
