"""The dashboard's router: the language switch, the login gate, then every page in
`dashboard.pages`, titled in the viewer's language, with the viewer in the sidebar."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import gate, logout
from dashboard.i18n import LANGUAGE_KEY, LANGUAGES, current_language, t
from dashboard.labels import province_name
from dashboard.pages import PAGES
from dashboard.session import VIEWER_KEY

st.set_page_config(page_title=t("app.title"), layout="wide")
st.session_state[LANGUAGE_KEY] = st.sidebar.selectbox(
    t("app.language"),
    LANGUAGES,
    index=LANGUAGES.index(current_language()),
    format_func=lambda lang: {"zh": "中文", "en": "English"}[lang],
)
# The page is chosen from the URL before the login, so a deep link survives it.
navigation = st.navigation(
    [
        st.Page(page.path, title=t(f"page.{page.key}"), url_path=page.key, default=i == 0)
        for i, page in enumerate(PAGES)
    ],
    position="sidebar" if VIEWER_KEY in st.session_state else "hidden",
)
viewer = gate()
where = f" · {province_name(viewer.province)}" if viewer.province else ""
st.sidebar.markdown(f"**{viewer.name}** · {t(f'core.role.{viewer.role.value}')}{where}")
if st.sidebar.button(t("core.auth.logout"), key="core_logout"):
    logout()
    # No rerun here: the re-login cookie is deleted by a browser component of this run,
    # and a rerun now can cut it off, so the next login form finds the cookie and logs
    # the previous user back in. The next click shows the form.
    st.info(t("core.auth.logged_out"))
    st.button(t("core.auth.again"), key="core_login_again")
    st.stop()
navigation.run()
