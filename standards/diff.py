"""What changed between two standard versions: rules added, removed, and each changed setting."""

from __future__ import annotations

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


def diff(old: Standard, new: Standard) -> list[str]:
    """Human-readable lines; empty when the rules are the same."""
    lines: list[str] = []
    a, b = _rules(old), _rules(new)
    for rule_id in sorted(b.keys() - a.keys()):
        lines.append(f"+ {rule_id} ({b[rule_id]['kind']}, {b[rule_id]['clause']})")
    for rule_id in sorted(a.keys() - b.keys()):
        lines.append(f"- {rule_id} ({a[rule_id]['kind']}, {a[rule_id]['clause']})")
    for rule_id in sorted(a.keys() & b.keys()):
        before, after = _flatten(a[rule_id]), _flatten(b[rule_id])
        for path in sorted(before.keys() | after.keys()):
            if before.get(path) != after.get(path):
                lines.append(
                    f"~ {rule_id}: {path}: {before.get(path, '∅')} → {after.get(path, '∅')}"
                )
    for part in ("effective_from", "effective_to", "timezone", "calendars", "scoring", "profiles"):
        x = _flatten(old.model_dump(mode="json")[part], part)
        y = _flatten(new.model_dump(mode="json")[part], part)
        for path in sorted(x.keys() | y.keys()):
            if x.get(path) != y.get(path):
                lines.append(f"~ {path}: {x.get(path, '∅')} → {y.get(path, '∅')}")
    return lines
