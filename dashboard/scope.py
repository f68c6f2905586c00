"""Who may see what: a provincial user's queries are limited in the query layer itself."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """The provinces a viewer may see; `None` means all (HQ)."""

    provinces: frozenset[str] | None = None

    def allows(self, province: str) -> bool:
        return self.provinces is None or province in self.provinces

    def within(self, other: Scope) -> Scope:
        """What both scopes allow."""
        if other.provinces is None:
            return self
        if self.provinces is None:
            return other
        return Scope(self.provinces & other.provinces)


def scope_from_env() -> Scope:
    """`SVC_DASHBOARD_PROVINCES=GD,BJ` restricts a dashboard deployment to those provinces."""
    raw = os.environ.get("SVC_DASHBOARD_PROVINCES", "").strip()
    if not raw:
        return Scope()
    return Scope(frozenset(p.strip().upper() for p in raw.split(",") if p.strip()))
