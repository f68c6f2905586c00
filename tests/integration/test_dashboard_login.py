"""The login gate with the real users file and streamlit-authenticator: no page before a
login, a wrong password refused, the viewer's role and province after, and logout."""

from __future__ import annotations

from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from streamlit.testing.v1 import AppTest

from dashboard.i18n import text
from dashboard.users import UsersFile, make_user
from dashboard.viewer import Role, Viewer

pytestmark = pytest.mark.integration

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PASSWORD = "correct horse battery"


@pytest.fixture
def app(
    clickhouse: Client, chdb_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AppTest:
    users = tmp_path / "users.yaml"
    book = UsersFile.new()
    book.add(make_user("gd-login", Role.PROVINCE_MANAGER, "gd", PASSWORD))
    book.add(make_user("hq-login", Role.HQ_AUDITOR, None, PASSWORD))
    book.save(users)
    monkeypatch.setenv("SVC_DASHBOARD_USERS", str(users))
    monkeypatch.setenv("SVC_CLICKHOUSE_DSN", chdb_dsn)
    return AppTest.from_file(str(APP), default_timeout=60)


def _log_in(app: AppTest, name: str, password: str) -> AppTest:
    app.text_input[0].input(name)
    app.text_input[1].input(password)
    app.button[0].click()
    return app.run()


def test_no_page_before_a_login(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert not app.title
    assert [s.value for s in app.subheader] == [text("core.auth.title", "zh")]


def test_a_wrong_password_is_refused(app: AppTest) -> None:
    _log_in(app.run(), "gd-login", "not the password")
    assert [e.value for e in app.error] == [text("core.auth.failed", "zh")]
    assert "viewer" not in app.session_state
    assert not app.title


def test_a_manager_logs_in_to_their_province_and_out(app: AppTest) -> None:
    _log_in(app.run(), "gd-login", PASSWORD)
    assert not app.exception
    assert app.session_state["viewer"] == Viewer("gd-login", Role.PROVINCE_MANAGER, "GD")
    assert app.title[0].value == text("page.scorecard", "zh")
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert "gd-login" in sidebar and "广东 (GD)" in sidebar
    app.sidebar.button(key="core_logout").click().run()
    assert "viewer" not in app.session_state
    assert not app.title
    assert [i.value for i in app.info] == [text("core.auth.logged_out", "zh")]
    app.button(key="core_login_again").click().run()
    assert [s.value for s in app.subheader] == [text("core.auth.title", "zh")]
