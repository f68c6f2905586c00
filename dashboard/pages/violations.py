"""Violations of one province, newest first, with the events behind each."""

from __future__ import annotations

import streamlit as st

from dashboard.connection import client
from dashboard.queries import recent_violations, violations_by_province
from dashboard.scope import scope_from_env

st.title("Violations")
scope = scope_from_env()
provinces = [c.province for c in violations_by_province(client(), scope)]
if not provinces:
    st.info("No violations recorded yet.")
    st.stop()
province = st.selectbox("Province", provinces)
rows = recent_violations(client(), scope, province=province)
st.dataframe(
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
            "evidence": ", ".join(r.evidence),
        }
        for r in rows
    ],
    width="stretch",
)
