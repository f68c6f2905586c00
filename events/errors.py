"""Errors every package may raise to the command line.

UserError            a problem the user can fix: one line, exit code 2, no traceback
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; `svcstd` prints it as one line and exits 2."""
