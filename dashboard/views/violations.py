"""Province → unit → violation → the events behind it."""

from __future__ import annotations

import streamlit as st

from dashboard.connection import client
from dashboard.i18n import t
from dashboard.queries import (
    UnitCount,
    evidence_events,
    recent_violations,
    violations_by_province,
    violations_by_unit,
)
from dashboard.session import viewer

ALL_UNITS = "all units"


def _unit_label(name: str, counts: list[UnitCount]) -> str:
    found = next((c for c in counts if c.unit == name), None)
    return name if found is None else f"{name} ({found.violations})"


st.title(t("page.violations"))
scope = viewer().scope
ch = client()
provinces = [c.province for c in violations_by_province(ch, scope)]
if not provinces:
    st.info("No violations recorded yet.")
    st.stop()
left, right = st.columns(2)
province = left.selectbox("Province", provinces)
units = violations_by_unit(ch, scope, province)
choice = right.selectbox(
    "Unit", [ALL_UNITS, *(u.unit for u in units)], format_func=lambda u: _unit_label(u, units)
)
unit = None if choice == ALL_UNITS else choice
rows = recent_violations(ch, scope, province=province, unit=unit)


st.caption("Select a row to see the events behind the violation.")
table = st.dataframe(
    [
        {
            "detected at (UTC+8)": r.detected_at,
            "unit": r.unit,
            "rule": r.rule,
            "clause": r.clause,
            "severity": r.severity,
            "subject": r.subject,
            "measured": r.measured,
            "limit": r.limit,
            "measure": r.measure,
            "message": r.message_en,
        }
        for r in rows
    ],
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="violations",
)
selected = table.selection.rows if table is not None else []
if selected:
    violation = rows[selected[0]]
    st.subheader(f"{violation.rule} · {violation.subject}")
    st.markdown(
        f"**{violation.clause}** · {violation.severity}\n\n{violation.message_zh}\n\n{violation.message_en}"
    )
    events = evidence_events(ch, scope, violation)
    st.dataframe(
        [
            {
                "time (UTC+8)": e.time,
                "type": e.type,
                "id": e.id,
                "subject": e.subject,
                "data": e.data,
            }
            for e in events
        ],
        width="stretch",
    )
    missing = set(violation.evidence) - {e.id for e in events}
    if missing:
        st.caption(
            f"{len(missing)} evidence event(s) not yet projected: {', '.join(sorted(missing))}"
        )
