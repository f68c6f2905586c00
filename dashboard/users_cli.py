"""`svcstd users add | list`: who may log in to the dashboard, and as what."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from dashboard.users import UsersFile, UsersFileError, make_user, users_path
from dashboard.viewer import Role
from events.errors import UserError


def register(subparsers: Any) -> None:
    users = subparsers.add_parser(
        "users",
        help="dashboard logins (file: SVC_DASHBOARD_USERS, default var/dashboard/users.yaml)",
    )
    commands = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="create a user (password from a prompt)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--province", help="a provincial manager's province (mandatory for them)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.add_argument("--replace", action="store_true", help="set an existing user anew")
    add.set_defaults(handler=_add)
    listing = commands.add_parser("list", help="the users, their roles and provinces")
    listing.set_defaults(handler=_list)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    path = users_path()
    try:
        book = UsersFile.load_or_new(path)
        user = make_user(args.name, Role(args.role), args.province, _password(args.password_stdin))
        book.add(user, replace=args.replace)
    except UsersFileError as exc:
        raise UserError(str(exc)) from exc
    book.save(path)
    where = f" ({user.province})" if user.province else ""
    print(f"{user.name}: {user.role.value}{where} in {path}")
    return 0


def _list(args: argparse.Namespace) -> int:
    path = users_path()
    if not path.exists():
        print(f"no users yet ({path}); add one with: svcstd users add NAME --role ROLE")
        return 0
    try:
        book = UsersFile.load(path)
    except UsersFileError as exc:
        raise UserError(str(exc)) from exc
    for user in sorted(book.users.values(), key=lambda u: u.name):
        print(f"{user.name}\t{user.role.value}\t{user.province or '-'}")
    return 0
