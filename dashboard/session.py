"""The viewer of this browser session, as the pages see it.

The login (`dashboard.auth.gate`, run by the router before any page) stores the
`Viewer` in `st.session_state`; pages only ever call `viewer()` and read with its
scope. There is no anonymous viewer: a page run without a login shows nothing.
"""

from __future__ import annotations

import streamlit as st

from dashboard.viewer import Viewer

VIEWER_KEY = "viewer"


def viewer() -> Viewer:
    found = st.session_state.get(VIEWER_KEY)
    if not isinstance(found, Viewer):
        st.stop()
    return found
