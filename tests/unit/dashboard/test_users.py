"""The users file: hashed passwords, a province exactly for a manager, owner-only
permissions, `svcstd users add | list`, and the demo users of `svcstd up`."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
import yaml

from dashboard.demo_users import DEMO_USERS, ensure_demo_users, logins_path
from dashboard.users import (
    UsersFile,
    UsersFileError,
    check_password,
    hash_password,
    make_user,
    users_path,
)
from dashboard.viewer import Role, Viewer
from processors.cli import main

PASSWORD = "s3cret-enough"


def test_a_password_is_stored_as_a_bcrypt_hash_that_checks() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$2b$") and PASSWORD not in hashed
    assert check_password(PASSWORD, hashed)
    assert not check_password("s3cret-enougH", hashed)


def test_a_short_password_is_refused() -> None:
    with pytest.raises(UsersFileError, match="8 characters"):
        hash_password("short")


def test_a_manager_needs_a_province_and_the_others_have_none() -> None:
    assert make_user("gd1", Role.PROVINCE_MANAGER, "gd", PASSWORD).viewer == Viewer(
        "gd1", Role.PROVINCE_MANAGER, "GD"
    )
    with pytest.raises(UsersFileError, match="needs --province"):
        make_user("gd2", Role.PROVINCE_MANAGER, None, PASSWORD)
    with pytest.raises(UsersFileError, match="no --province"):
        make_user("hq1", Role.HQ_AUDITOR, "GD", PASSWORD)
    with pytest.raises(UsersFileError, match="user name"):
        make_user("a b", Role.HQ_AUDITOR, None, PASSWORD)


def test_the_file_round_trips_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "dashboard" / "users.yaml"
    book = UsersFile.new()
    book.add(make_user("hq", Role.HQ_AUDITOR, None, PASSWORD))
    book.add(make_user("gd", Role.PROVINCE_MANAGER, "GD", PASSWORD))
    book.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = UsersFile.load(path)
    assert again.cookie_key == book.cookie_key and len(again.cookie_key) == 64
    assert {u.viewer for u in again.users.values()} == {
        Viewer("hq", Role.HQ_AUDITOR),
        Viewer("gd", Role.PROVINCE_MANAGER, "GD"),
    }
    raw = yaml.safe_load(path.read_text())
    assert raw["credentials"]["usernames"]["gd"]["roles"] == ["province_manager"]
    with pytest.raises(UsersFileError, match="exists"):
        again.add(make_user("hq", Role.HQ_AUDITOR, None, PASSWORD))


def test_a_file_with_a_manager_without_province_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(
        "cookie: {key: k}\ncredentials:\n  usernames:\n"
        "    gd: {password: x, roles: [province_manager]}\n"
    )
    with pytest.raises(UsersFileError, match="'gd'"):
        UsersFile.load(path)


def test_the_path_comes_from_svc_dashboard_users_or_the_var_dir(tmp_path: Path) -> None:
    assert users_path({"SVC_DASHBOARD_USERS": str(tmp_path / "u.yaml")}) == tmp_path / "u.yaml"
    assert users_path({"SVC_VAR_DIR": str(tmp_path)}) == tmp_path / "dashboard" / "users.yaml"


def test_users_add_and_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users.yaml"
    monkeypatch.setenv("SVC_DASHBOARD_USERS", str(path))
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert main(["users", "add", "gd", "--role", "province_manager", "--province", "GD",
                 "--password-stdin"]) == 0  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert main(["users", "add", "nobody", "--role", "province_manager", "--password-stdin"]) == 2
    assert "needs --province" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["gd\tprovince_manager\tGD"]
    assert check_password(PASSWORD, UsersFile.load(path).users["gd"].password_hash)


def test_demo_users_are_made_once_with_their_passwords_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    logins = ensure_demo_users(path)
    assert [(d.name, d.role, d.province) for d in logins] == list(DEMO_USERS)
    book = UsersFile.load(path)
    assert all(check_password(d.password, book.users[d.name].password_hash) for d in logins)
    kept = logins_path(path)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert all(d.password in kept.read_text() for d in logins)
    assert ensure_demo_users(path) == []


def test_owner_actions_are_for_owners_and_hq_only() -> None:
    assert Viewer("o", Role.STANDARDS_OWNER).may_act_as_owner
    assert Viewer("h", Role.HQ_AUDITOR).may_act_as_owner
    assert not Viewer("g", Role.PROVINCE_MANAGER, "GD").may_act_as_owner


def test_a_viewers_scope_is_cut_to_the_deployments_provinces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SVC_DASHBOARD_PROVINCES", "GD,BJ")
    assert Viewer("h", Role.HQ_AUDITOR).scope.provinces == {"GD", "BJ"}
    assert Viewer("g", Role.PROVINCE_MANAGER, "GD").scope.provinces == {"GD"}
    assert Viewer("s", Role.PROVINCE_MANAGER, "SH").scope.provinces == frozenset()
    monkeypatch.delenv("SVC_DASHBOARD_PROVINCES")
    assert Viewer("h", Role.HQ_AUDITOR).scope.provinces is None


def test_svcstd_up_says_how_to_log_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from processors.platform import _demo_logins

    monkeypatch.setenv("SVC_DASHBOARD_USERS", str(tmp_path / "users.yaml"))
    first = _demo_logins()
    assert first.startswith(f"Demo logins (also in {tmp_path / 'demo-logins.txt'})")
    assert all(f"  {name} / " in first for name, _, _ in DEMO_USERS)
    assert _demo_logins().startswith(f"Logins: {tmp_path / 'users.yaml'}")
