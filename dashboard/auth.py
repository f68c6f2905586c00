"""The login gate: streamlit-authenticator's form over the users file, then the `Viewer`.

streamlit-authenticator checks the bcrypt hash and keeps a signed re-login cookie
(`users.COOKIE_DAYS`); this module turns the logged-in user into the `Viewer`
that every page reads (`dashboard.session.viewer`), and logs out.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from dashboard.i18n import t
from dashboard.session import VIEWER_KEY
from dashboard.users import COOKIE_DAYS, COOKIE_NAME, UsersFile, UsersFileError, users_path
from dashboard.viewer import Viewer


def _authenticator(book: UsersFile) -> stauth.Authenticate:
    return stauth.Authenticate(
        book.credentials(), COOKIE_NAME, book.cookie_key, COOKIE_DAYS, auto_hash=False
    )


def gate() -> Viewer:
    """The viewer of this session; shows the login form and stops the run until there is one."""
    found = st.session_state.get(VIEWER_KEY)
    if isinstance(found, Viewer):
        return found
    path = users_path()
    try:
        book = UsersFile.load(path)
    except FileNotFoundError:
        st.error(t("core.auth.no_users", path=str(path)))
        st.stop()
    except UsersFileError as exc:
        st.error(t("core.auth.bad_users", problem=str(exc)))
        st.stop()
    fields = {
        "Form name": t("core.auth.title"),
        "Username": t("core.auth.username"),
        "Password": t("core.auth.password"),
        "Login": t("core.auth.login"),
    }
    _authenticator(book).login(location="main", fields=fields)
    status = st.session_state.get("authentication_status")
    user = book.users.get(str(st.session_state.get("username")))
    if status and user is not None:
        st.session_state[VIEWER_KEY] = user.viewer
        st.rerun()  # with the menu, on the page the URL asked for
    if status is False:
        st.error(t("core.auth.failed"))
    st.stop()


def logout() -> None:
    """Forget the viewer, and the re-login cookie when the form logged them in."""
    if st.session_state.get("authentication_status"):
        book = UsersFile.load(users_path())
        _authenticator(book).logout(location="unrendered")
    st.session_state.pop(VIEWER_KEY, None)
