"""The dashboard's router: every page in `dashboard.pages`, titled in the viewer's language."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import LANGUAGE_KEY, LANGUAGES, current_language, t
from dashboard.pages import PAGES

st.set_page_config(page_title=t("app.title"), layout="wide")
st.session_state[LANGUAGE_KEY] = st.sidebar.selectbox(
    t("app.language"),
    LANGUAGES,
    index=LANGUAGES.index(current_language()),
    format_func=lambda lang: {"zh": "中文", "en": "English"}[lang],
)
navigation = st.navigation(
    [
        st.Page(page.path, title=t(f"page.{page.key}"), url_path=page.key, default=i == 0)
        for i, page in enumerate(PAGES)
    ]
)
navigation.run()
