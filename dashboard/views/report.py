"""Monthly audit report: one province's month on screen, as CSV/Excel tables and as the PDF.

The viewer picks a province within their scope (a provincial manager has only
their own) and a month; both live in the URL (`?province=GD&month=2026-11`). A
province outside the scope in the URL is refused and replaced by the viewer's
own. The PDF is made from the same figures, only when its button is clicked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from dashboard import humanize
from dashboard.connection import client
from dashboard.data.report import (
    MONTH,
    MonthlyReport,
    monthly_report,
    report_months,
    report_provinces,
)
from dashboard.downloads import download_buttons
from dashboard.freshness import latest_insert
from dashboard.i18n import current_language, t
from dashboard.localtime import SHANGHAI
from dashboard.report_font import ReportFontError, report_font
from dashboard.report_pdf import channel_name, disputes_more, render_pdf, stars
from dashboard.scope import Scope
from dashboard.session import viewer

CACHE_SECONDS = 60


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _report(provinces: tuple[str, ...] | None, province: str, month: str) -> MonthlyReport:
    scope = Scope(None if provinces is None else frozenset(provinces))
    return monthly_report(client(), scope, province, month)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _provinces(provinces: tuple[str, ...] | None) -> list[str]:
    return report_provinces(client(), Scope(None if provinces is None else frozenset(provinces)))


def _when(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _choice(key: str, options: list[str]) -> str | None:
    wanted = st.query_params.get(key)
    return wanted if wanted in options else None


lang = current_language()
none = humanize.missing(lang)
st.title(t("page.report"))
latest = latest_insert(client(), "violations")
st.caption(t("common.fresh_as_of", when=_when(latest)) if latest else t("common.fresh_never"))
st.caption(t("report.intro"))

who = viewer()
scope = who.scope
allowed = None if scope.provinces is None else tuple(sorted(scope.provinces))
provinces = _provinces(allowed) if who.province is None else [who.province]
asked = st.query_params.get("province")
if asked and asked not in provinces:
    st.warning(t("report.out_of_scope", province=asked))
if not provinces:
    st.info(t("report.no_provinces"))
    st.stop()
months = report_months(datetime.now(SHANGHAI).date())
asked_month = st.query_params.get("month")
if asked_month and MONTH.fullmatch(asked_month) and asked_month not in months:
    months.insert(0, asked_month)

left, right = st.columns(2)
chosen = _choice("province", provinces)
province = left.selectbox(
    t("report.province"),
    provinces,
    index=provinces.index(chosen) if chosen else 0,
    disabled=len(provinces) == 1,
    key="report-province",
)
chosen_month = _choice("month", months)
month = right.selectbox(
    t("report.month"),
    months,
    index=months.index(chosen_month) if chosen_month else 0,
    key="report-month",
)
st.query_params["province"] = province
st.query_params["month"] = month

report = _report(allowed, province, month)

try:
    font = report_font()
except ReportFontError as exc:
    st.error(t("report.font_missing", reason=str(exc)))
else:
    st.download_button(
        t("report.download_pdf"),
        data=lambda: render_pdf(report, lang, font),
        file_name=f"audit-{province}-{month}-{lang}.pdf",
        mime="application/pdf",
        key="download-report-pdf",
        on_click="ignore",
        type="primary",
        icon=":material/picture_as_pdf:",
    )


def _show(title: str, rows: list[dict[str, Any]], name: str, empty: str) -> None:
    st.subheader(title)
    if not rows:
        st.info(empty)
        return
    st.dataframe(rows, hide_index=True, width="stretch")
    download_buttons(rows, name=f"{name}-{province}-{month}")


def _col(key: str) -> str:
    return t(f"report.col.{key}")


channels = [
    {
        _col("channel"): channel_name(c.channel, lang),
        _col("checks"): c.checks,
        _col("violations"): c.violations,
        _col("rate"): humanize.percent(c.rate, lang),
        _col("stars"): stars(c.stars, lang),
    }
    for c in (*report.channels, *([report.total] if report.channels else []))
]
if channels:
    channels[-1][_col("channel")] = t("report.total")
_show(t("report.scorecard"), channels, "scorecard", t("report.no_rows"))
if report.total.voided:
    st.caption(t("report.voided_note", n=f"{report.total.voided:,}"))
st.caption(t("report.stars_note"))
_show(
    t("report.worst_units"),
    [
        {
            _col("unit"): u.unit,
            _col("channel"): channel_name(u.channel, lang),
            _col("violations"): u.violations,
            _col("rate"): humanize.percent(u.rate, lang),
        }
        for u in report.worst_units
    ],
    "worst-units",
    t("report.no_rows"),
)
_show(
    t("report.worst_clauses"),
    [
        {
            _col("rule"): c.rule,
            _col("clause"): c.clause,
            _col("violations"): c.violations,
            _col("units"): c.units,
            _col("first"): c.first_detected,
        }
        for c in report.worst_clauses
    ],
    "worst-clauses",
    t("report.no_rows"),
)
_show(
    t("report.open_disputes"),
    [
        {
            _col("violation"): d.violation_id,
            _col("unit"): d.unit,
            _col("rule"): d.rule,
            _col("detected"): d.detected_at,
            _col("filed"): d.filed_at,
            _col("filed_by"): d.filed_by,
            _col("reason"): d.reason or none,
        }
        for d in report.open_disputes
    ],
    "open-disputes",
    t("report.no_disputes"),
)
if report.open_dispute_count > len(report.open_disputes):
    st.caption(disputes_more(report, lang))
