"""The version lock: a published standard version never changes under the same number.

`rules/versions.lock` holds one line per version, `standard@version digest` (the digest of
`standards.publish.digest`: validated content, so comments and layout do not count). A
unit test and `svcstd standards validate` compare it with the rule files: changed content
under a locked version is refused (bump the version instead), as `publish` refuses it
against the topic, but before anything reaches a broker. A new version adds a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from standards.model import Standard
from standards.publish import digest

LOCK_NAME = "versions.lock"


def lock_path(directory: Path) -> Path:
    return directory / LOCK_NAME


def lock_line(standard: Standard) -> str:
    """The line that locks `standard`'s content under its version."""
    return f"{standard.key} {digest(standard)}"


def read_lock(path: Path) -> dict[str, str]:
    """`standard@version` → digest; blank lines and `#` comments are skipped."""
    locked: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split()
        if len(parts) != 2 or "@" not in parts[0]:
            raise ValueError(f"{path}:{number}: expected 'standard@version digest', got {text!r}")
        key, value = parts
        if key in locked:
            raise ValueError(f"{path}:{number}: {key} is locked twice")
        locked[key] = value
    return locked


@dataclass(frozen=True)
class LockReport:
    """What the rule files and the lock disagree on; `changed` and `removed` are errors."""

    changed: list[str]
    removed: list[str]
    unlocked: list[str]

    @property
    def ok(self) -> bool:
        return not self.changed and not self.removed


def check_lock(standards: list[Standard], locked: dict[str, str]) -> LockReport:
    """Compare the rule files' digests with the lock."""
    changed, unlocked = [], []
    for standard in standards:
        known = locked.get(standard.key)
        mine = digest(standard)
        if known is None:
            unlocked.append(
                f"{standard.key} is not in {LOCK_NAME}: once final, add the line "
                f"'{lock_line(standard)}'"
            )
        elif known != mine:
            changed.append(
                f"{standard.key}: content differs from the locked version "
                f"(digest {known[:12]} → {mine[:12]}); bump the version instead"
            )
    present = {standard.key for standard in standards}
    removed = [
        f"{key} is locked but has no rule file: a published version stays"
        for key in sorted(locked)
        if key not in present
    ]
    return LockReport(changed, removed, unlocked)
