"""at_risk: not built yet (issue 11)."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import t

st.title(t("page.at_risk"))
st.info(t("common.no_data"))
