"""What changed between two standard versions: rules added, removed, and each changed setting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from standards.model import Standard


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def _rules(standard: Standard) -> dict[str, dict[str, Any]]:
    return {rule.id: rule.model_dump(mode="json", by_alias=True) for rule in standard.rules}


ABSENT = "∅"


@dataclass(frozen=True)
class Change:
    """One difference: a rule added or removed, or one setting of a rule or of the version
    (`rule` is None then) changed from `before` to `after` (`ABSENT` on the side lacking it)."""

    kind: str  # "added", "removed", "changed"
    rule: str | None
    path: str = ""
    before: Any = None
    after: Any = None

    def line(self) -> str:
        if self.kind == "added":
            return f"+ {self.rule} ({self.after['kind']}, {self.after['clause']})"
        if self.kind == "removed":
            return f"- {self.rule} ({self.before['kind']}, {self.before['clause']})"
        where = f"{self.rule}: {self.path}" if self.rule is not None else self.path
        return f"~ {where}: {self.before} → {self.after}"


def changes(old: Standard, new: Standard) -> list[Change]:
    """Rules added, then removed, then each changed setting of a rule, then of the version."""
    found: list[Change] = []
    a, b = _rules(old), _rules(new)
    for rule_id in sorted(b.keys() - a.keys()):
        found.append(Change("added", rule_id, after=b[rule_id]))
    for rule_id in sorted(a.keys() - b.keys()):
        found.append(Change("removed", rule_id, before=a[rule_id]))
    for rule_id in sorted(a.keys() & b.keys()):
        before, after = _flatten(a[rule_id]), _flatten(b[rule_id])
        for path in sorted(before.keys() | after.keys()):
            if before.get(path) != after.get(path):
                found.append(
                    Change(
                        "changed", rule_id, path, before.get(path, ABSENT), after.get(path, ABSENT)
                    )
                )
    for part in ("effective_from", "effective_to", "timezone", "calendars", "scoring", "profiles"):
        x = _flatten(old.model_dump(mode="json")[part], part)
        y = _flatten(new.model_dump(mode="json")[part], part)
        for path in sorted(x.keys() | y.keys()):
            if x.get(path) != y.get(path):
                found.append(
                    Change("changed", None, path, x.get(path, ABSENT), y.get(path, ABSENT))
                )
    return found


def diff(old: Standard, new: Standard) -> list[str]:
    """Human-readable lines; empty when the rules are the same."""
    return [change.line() for change in changes(old, new)]
