"""The dashboard's router: pages are thin, data comes from `dashboard.queries`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "views"

st.set_page_config(page_title="svc-standards audit", layout="wide")
navigation = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="National overview", default=True),
        st.Page(PAGES / "violations.py", title="Violations"),
    ]
)
navigation.run()
