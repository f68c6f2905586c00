"""The viewer of this browser session, as the pages see it.

The login (see `dashboard/auth.py` once it exists) stores the `Viewer` in
`st.session_state`; pages only ever call `viewer()` and read with its scope.
"""

from __future__ import annotations

import streamlit as st

from dashboard.scope import scope_from_env
from dashboard.viewer import Role, Viewer

VIEWER_KEY = "viewer"


def viewer() -> Viewer:
    found = st.session_state.get(VIEWER_KEY)
    if isinstance(found, Viewer):
        return found
    provinces = scope_from_env().provinces
    if provinces is not None and len(provinces) == 1:
        return Viewer("local", Role.PROVINCE_MANAGER, next(iter(provinces)))
    return Viewer("local", Role.HQ_AUDITOR)
