"""National scorecard: provinces × channels for a month, against the month before; the
worst clauses. Read from the rollups only; the viewer's scope applies in every query."""

from __future__ import annotations

import streamlit as st

from dashboard import core_page
from dashboard.data.rollup import rate
from dashboard.data.scorecard import ALL, Cell
from dashboard.downloads import download_buttons
from dashboard.humanize import percent
from dashboard.i18n import current_language, t
from dashboard.labels import channel_name, province_name
from dashboard.rulebook import rule_info, star_bands, star_text, stars
from dashboard.session import viewer

lang = current_language()
none = core_page.missing_text()
st.title(t("page.scorecard"))
core_page.freshness_line()
scope = viewer().scope
month = core_page.pick_month(scope)
current = core_page.cells(core_page.month_slice(scope, month))
before = {
    (c.province, c.channel): c
    for c in core_page.cells(core_page.month_slice(scope, core_page.previous_month(month)))
}


def points(cell: Cell) -> float | None:
    """The change of the rate against the previous month, in percentage points."""
    now = rate(cell.checked, cell.standing)
    old_cell = before.get((cell.province, cell.channel))
    old = None if old_cell is None else rate(old_cell.checked, old_cell.standing)
    return None if now is None or old is None else round(100 * (now - old), 1)


def trend(cell: Cell) -> str:
    change = points(cell)
    if change is None:
        return none
    arrow = "▲" if change > 0 else "▼" if change < 0 else "＝"
    return t("core.points", arrow=arrow, n=f"{abs(change):.1f}")


total = next((c for c in current if c.province == ALL and c.channel == ALL), None)
if total is None or not (total.checked or total.standing):
    st.info(t("core.scorecard.empty", month=f"{month:%Y-%m}"))
    st.stop()

overall = rate(total.checked, total.standing)
left, middle, right, last = st.columns(4)
change = points(total)
left.metric(
    t("core.rate"),
    percent(overall, lang),
    None if change is None else t("core.points_signed", n=f"{change:+.1f}"),
    delta_color="normal" if change else "off",
)
middle.metric(t("core.violations"), f"{total.standing:,}")
right.metric(t("core.voided"), f"{total.voided:,}")
last.metric(t("core.stars"), star_text(stars(overall), none))
bands = "，" if lang == "zh" else ", "
st.caption(
    t(
        "core.rate_explained",
        bands=bands.join(
            t("core.star_band", stars=b.stars, min=percent(b.min_score, lang)) for b in star_bands()
        ),
    )
)

st.subheader(t("core.scorecard.by_province"))
provinces = [c for c in current if c.province != ALL and c.channel == ALL]
scorecard_provinces_rows = [
    {
        t("common.province"): province_name(c.province),
        t("core.rate"): percent(rate(c.checked, c.standing), lang),
        t("core.trend"): trend(c),
        t("core.stars"): star_text(stars(rate(c.checked, c.standing)), none),
        t("core.violations"): c.standing,
        t("core.voided"): c.voided,
        t("core.checked"): c.checked,
    }
    for c in provinces
]
table = st.dataframe(
    scorecard_provinces_rows,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="scorecard_provinces",
)
download_buttons(scorecard_provinces_rows, name="scorecard-provinces")
st.caption(t("core.scorecard.pick_province"))
chosen = table.selection.rows if table is not None else []
if chosen:
    st.switch_page(
        "views/drilldown.py",
        query_params={"province": provinces[chosen[0]].province, "month": f"{month:%Y-%m}"},
    )

st.subheader(t("core.scorecard.by_channel"))
channels = sorted({c.channel for c in current if c.channel != ALL})
by_key = {(c.province, c.channel): c for c in current}
scorecard_channels_rows = [
    {
        t("common.province"): province_name(p.province),
        **{
            channel_name(ch): (
                none
                if (cell := by_key.get((p.province, ch))) is None
                else t(
                    "core.cell",
                    rate=percent(rate(cell.checked, cell.standing), lang),
                    n=cell.standing,
                    stars=star_text(stars(rate(cell.checked, cell.standing)), none),
                )
            )
            for ch in channels
        },
    }
    for p in provinces
]
st.dataframe(
    scorecard_channels_rows,
    hide_index=True,
)
download_buttons(scorecard_channels_rows, name="scorecard-channels")
st.caption(t("core.scorecard.cell_explained"))

st.subheader(t("core.scorecard.worst_clauses"))
worst = core_page.worst_clauses(core_page.month_slice(scope, month))
if worst:
    st.bar_chart(
        {
            t("common.rule"): [w.rule for w in worst],
            t("core.violations"): [w.standing for w in worst],
        },
        x=t("common.rule"),
        y=t("core.violations"),
        horizontal=True,
        sort=f"-{t('core.violations')}",
    )
    scorecard_worst_clauses_rows = [
        {
            t("common.rule"): w.rule,
            t("common.clause"): none if (info := rule_info(w.rule)) is None else info.clause,
            t("core.title"): none if info is None else info.title(lang),
            t("core.violations"): w.standing,
            t("core.provinces"): w.provinces,
        }
        for w in worst
    ]
    st.dataframe(
        scorecard_worst_clauses_rows,
        hide_index=True,
    )
    download_buttons(scorecard_worst_clauses_rows, name="scorecard-worst-clauses")
else:
    st.info(t("common.no_data"))
st.caption(t("core.scorecard.no_map"))
