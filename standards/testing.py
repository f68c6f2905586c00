"""Building blocks for tests of rules and the stream: a later version of a standard with
one thing changed, as a standards owner would publish it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from standards.model import Standard
from standards.publish import content


def revised(
    standard: Standard,
    *,
    version: int,
    effective_from: datetime,
    change: Callable[[dict[str, Any]], None],
) -> Standard:
    """`standard` as version `version`, in force from `effective_from`, with `change` applied
    to its content (the rule file's shape, as published)."""
    document = content(standard)
    document["version"] = version
    document["effective_from"] = effective_from.isoformat()
    change(document)
    return Standard.model_validate(document)


def set_limit(rule_id: str, limit: str) -> Callable[[dict[str, Any]], None]:
    """A `change` for `revised`: every limit of a deadline rule (each tier's and the default)
    becomes `limit` (an ISO 8601 duration)."""

    def change(document: dict[str, Any]) -> None:
        [rule] = [r for r in document["rules"] if r["id"] == rule_id]
        limits = rule["params"]["limits"]
        rule["params"]["limits"] = dict.fromkeys(limits, limit)

    return change
