"""The dashboard's users file: bcrypt-hashed passwords, a role, a province for a manager.

The file is streamlit-authenticator's own config format (`credentials.usernames`,
`cookie`), so the login widget reads it as it is, plus a `province` per user.
Its path is `SVC_DASHBOARD_USERS` (default `<SVC_VAR_DIR>/dashboard/users.yaml`);
it is written readable by its owner only, since it holds the cookie-signing key.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from dashboard.viewer import Role, Viewer
from events.settings import load_settings

COOKIE_NAME = "svc_dashboard"
COOKIE_DAYS = 1.0
MIN_PASSWORD_CHARS = 8


class UsersFileError(ValueError):
    """A users file or a user that would not give a working, well-scoped login."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    province: str | None
    password_hash: str

    def __post_init__(self) -> None:
        self.viewer  # noqa: B018  (a Viewer refuses a role and province that do not match)

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.name, self.role, self.province)


def users_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    configured = env.get("SVC_DASHBOARD_USERS", "").strip()
    if configured:
        return Path(configured).resolve()
    return load_settings(dict(env)).var_dir / "dashboard" / "users.yaml"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsersFileError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def check_password(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(password.encode(), password_hash.encode())


def make_user(name: str, role: Role, province: str | None, password: str) -> User:
    """A user whose province matches its role: a manager has one, the others none."""
    if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise UsersFileError(f"a user name is letters, digits, '.', '-' or '_', got {name!r}")
    code = province.strip().upper() if province else None
    if role is Role.PROVINCE_MANAGER and not code:
        raise UsersFileError("a provincial manager needs --province")
    if role is not Role.PROVINCE_MANAGER and code:
        raise UsersFileError(f"a {role.value} sees every province: no --province")
    return User(name, role, code, hash_password(password))


@dataclass
class UsersFile:
    cookie_key: str
    users: dict[str, User]

    @classmethod
    def new(cls) -> UsersFile:
        return cls(secrets.token_hex(32), {})

    @classmethod
    def load(cls, path: Path) -> UsersFile:
        raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            cookie_key = str(raw["cookie"]["key"])
            entries: dict[str, Any] = raw["credentials"]["usernames"] or {}
        except (KeyError, TypeError) as exc:
            raise UsersFileError(f"{path}: needs cookie.key and credentials.usernames") from exc
        users = {}
        for name, entry in entries.items():
            try:
                role = Role(entry["roles"][0])
                users[str(name)] = User(str(name), role, entry.get("province"), entry["password"])
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                raise UsersFileError(f"{path}: user {name!r}: {exc}") from exc
        return cls(cookie_key, users)

    @classmethod
    def load_or_new(cls, path: Path) -> UsersFile:
        return cls.load(path) if path.exists() else cls.new()

    def add(self, user: User, *, replace: bool = False) -> None:
        if user.name in self.users and not replace:
            raise UsersFileError(f"user {user.name!r} exists (--replace to set it anew)")
        self.users[user.name] = user

    def credentials(self) -> dict[str, Any]:
        """streamlit-authenticator's `credentials` mapping (a fresh copy: it mutates it)."""
        return {
            "usernames": {
                u.name: {
                    "name": u.name,
                    "password": u.password_hash,
                    "roles": [u.role.value],
                    "province": u.province,
                }
                for u in self.users.values()
            }
        }

    def save(self, path: Path) -> None:
        document = {
            "cookie": {"name": COOKIE_NAME, "key": self.cookie_key, "expiry_days": COOKIE_DAYS},
            "credentials": self.credentials(),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.safe_dump(document, out, allow_unicode=True, sort_keys=False)
        os.chmod(temporary, 0o600)
        temporary.replace(path)
