"""Who is looking: a role, and for a provincial manager the one province they may see."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dashboard.scope import Scope, scope_from_env


class Role(StrEnum):
    HQ_AUDITOR = "hq_auditor"
    PROVINCE_MANAGER = "province_manager"
    STANDARDS_OWNER = "standards_owner"


OWNER_ROLES = frozenset({Role.STANDARDS_OWNER, Role.HQ_AUDITOR})
"""Who sees the owner actions of the standards and what-if pages (every role sees the pages)."""


@dataclass(frozen=True)
class Viewer:
    name: str
    role: Role
    province: str | None = None

    def __post_init__(self) -> None:
        if (self.role is Role.PROVINCE_MANAGER) != (self.province is not None):
            raise ValueError("a provincial manager, and only one, is bound to a province")

    @property
    def may_act_as_owner(self) -> bool:
        return self.role in OWNER_ROLES

    @property
    def scope(self) -> Scope:
        """What the query layer lets this viewer read: one province, or all; never more
        than the deployment's own restriction (`SVC_DASHBOARD_PROVINCES`)."""
        own = Scope() if self.province is None else Scope(frozenset({self.province}))
        return own.within(scope_from_env())
