"""National scorecard: violations per province, live."""

from __future__ import annotations

import streamlit as st

from dashboard.connection import client
from dashboard.queries import total_checks, violations_by_province
from dashboard.scope import scope_from_env

st.title("Service standards — national overview")


@st.fragment(run_every=5)
def scorecard() -> None:
    scope = scope_from_env()
    ch = client()
    checked, failed = total_checks(ch, scope)
    counts = violations_by_province(ch, scope)
    rate = 100.0 * (checked - failed) / checked if checked else 100.0
    left, middle, right = st.columns(3)
    left.metric("Checks evaluated", f"{checked:,}")
    middle.metric("Violations", f"{sum(c.violations for c in counts):,}")
    right.metric("Compliance", f"{rate:.1f} %")
    st.subheader("Violations by province")
    if not counts:
        st.info("No violations recorded yet. Events are evaluated as they arrive.")
        return
    st.table(
        {
            "province": [c.province for c in counts],
            "violations": [c.violations for c in counts],
            "rules broken": [c.rules for c in counts],
            "units": [c.units for c in counts],
        }
    )


scorecard()
