"""What-if: the replay runs, and for one the draft against the version in force, per rule
and province, with the violations it adds and removes. Deep link: `?run=march-v2`."""

from __future__ import annotations

import streamlit as st

from dashboard import humanize
from dashboard.connection import client
from dashboard.data import whatif
from dashboard.downloads import download_buttons
from dashboard.freshness import latest_insert
from dashboard.i18n import current_language, t
from dashboard.localtime import freshness, shown
from dashboard.scope import Scope
from dashboard.session import viewer
from processors.replay.diff import Change, Row
from processors.replay.whatif import Run


@st.cache_data(ttl=30, show_spinner=False)
def _diff(provinces: frozenset[str] | None, run: Run) -> tuple[list[Row], list[Change]]:
    scope, ch = Scope(provinces), client()
    return whatif.summary(ch, scope, run), whatif.changes(ch, scope, run)


lang = current_language()
scope = viewer().scope
ch = client()
st.title(t("page.whatif"))
st.caption(freshness(latest_insert(ch, "whatif_violations"), lang))
st.caption(t("ops.whatif.about"))
runs = whatif.runs(ch)
if not runs:
    st.info(t("ops.whatif.no_runs"))
    st.stop()

everything = scope.provinces is None
whatif_runs_rows = [
    {
        t("ops.whatif.run"): r.replay,
        t("ops.whatif.version"): f"{r.standard}@{r.version}",
        t("ops.whatif.draft"): r.draft or t("ops.whatif.published"),
        t("ops.whatif.period"): f"{shown(r.period_from, lang)} – {shown(r.period_to, lang)}",
        t("ops.whatif.finished"): shown(r.finished_at, lang),
        **(
            {
                t("ops.whatif.events"): f"{r.events:,}",
                t("ops.whatif.violations"): f"{r.violations:,}",
                t("ops.whatif.took"): humanize.duration(r.seconds, lang),
            }
            if everything
            else {}
        ),
    }
    for r in runs
]
st.dataframe(
    whatif_runs_rows,
    hide_index=True,
    width="stretch",
)
download_buttons(whatif_runs_rows, name="whatif-runs")
names = [r.replay for r in runs]
asked = st.query_params.get("run", "")
name = st.selectbox(t("ops.whatif.run"), names, index=names.index(asked) if asked in names else 0)
st.query_params["run"] = name
run = runs[names.index(name)]
st.subheader(t("ops.whatif.against", run=run.replay, version=f"{run.standard}@{run.version}"))
if not everything:
    st.caption(t("ops.whatif.scoped", provinces=", ".join(sorted(scope.provinces or ()))))
rows, changes = _diff(scope.provinces, run)
if not rows:
    st.info(t("ops.whatif.no_diff"))
    st.stop()
added, removed = sum(r.added for r in rows), sum(r.removed for r in rows)
a, b, c = st.columns(3)
a.metric(t("ops.whatif.in_force"), f"{sum(r.in_force for r in rows):,}")
b.metric(t("ops.whatif.added"), f"{added:,}")
c.metric(t("ops.whatif.removed"), f"{removed:,}")
whatif_rules_rows = [
    {
        t("common.rule"): r.rule,
        t("common.province"): r.province,
        t("ops.whatif.in_force"): r.in_force,
        t("ops.whatif.under_draft"): r.whatif,
        t("ops.whatif.added"): r.added,
        t("ops.whatif.removed"): r.removed,
    }
    for r in rows
]
st.dataframe(
    whatif_rules_rows,
    hide_index=True,
    width="stretch",
)
download_buttons(whatif_rules_rows, name="whatif-rules")
if changes:
    st.caption(t("ops.whatif.examples", n=len(changes)))
    whatif_changes_rows = [
        {
            t("ops.whatif.change"): t(
                "ops.whatif.change_added" if c.change == "+" else "ops.whatif.change_removed"
            ),
            t("common.rule"): c.rule,
            t("common.province"): c.province,
            t("ops.subject"): c.subject,
            t("ops.whatif.violation_id"): c.violation_id,
        }
        for c in changes
    ]
    st.dataframe(
        whatif_changes_rows,
        hide_index=True,
        width="stretch",
    )
    download_buttons(whatif_changes_rows, name="whatif-changes")
