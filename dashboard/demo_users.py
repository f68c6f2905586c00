"""Demo logins for `svcstd up` on a machine with no users file yet.

An HQ auditor, a GD provincial manager and a standards owner, each with a
generated password, so a fresh `make run` leaves a dashboard one can log in to.
The passwords are printed once and kept in a file readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from dashboard.users import UsersFile, make_user
from dashboard.viewer import Role

DEMO_USERS: tuple[tuple[str, Role, str | None], ...] = (
    ("hq", Role.HQ_AUDITOR, None),
    ("gd", Role.PROVINCE_MANAGER, "GD"),
    ("owner", Role.STANDARDS_OWNER, None),
)


@dataclass(frozen=True)
class DemoLogin:
    name: str
    role: Role
    province: str | None
    password: str

    def line(self) -> str:
        where = f" ({self.province})" if self.province else ""
        return f"{self.name} / {self.password}  {self.role.value}{where}"


def logins_path(users: Path) -> Path:
    return users.with_name("demo-logins.txt")


def ensure_demo_users(users: Path) -> list[DemoLogin]:
    """Creates the demo users when `users` does not exist; returns them ([] if it did)."""
    if users.exists():
        return []
    book = UsersFile.new()
    logins = [DemoLogin(n, r, p, secrets.token_urlsafe(12)) for n, r, p in DEMO_USERS]
    for login in logins:
        book.add(make_user(login.name, login.role, login.province, login.password))
    book.save(users)
    path = logins_path(users)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("".join(f"{login.line()}\n" for login in logins))
    os.chmod(path, 0o600)
    return logins
