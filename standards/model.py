"""The rule file format: a versioned standard and its rules, validated by pydantic."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class Text(BaseModel):
    """A description in both languages the auditors read."""

    model_config = ConfigDict(extra="forbid")

    zh: str
    en: str


class DeadlineParams(BaseModel):
    """Time from a start event to one of the end events, limited by segment."""

    model_config = ConfigDict(extra="forbid")

    start: str
    end: list[str]
    cancel: list[str] = Field(default_factory=list)
    segment_field: str | None = None
    limits: dict[str, timedelta]

    @field_validator("limits")
    @classmethod
    def _limits_positive(cls, limits: dict[str, timedelta]) -> dict[str, timedelta]:
        if "default" not in limits:
            raise ValueError("limits needs a 'default' entry")
        for segment, limit in limits.items():
            if limit <= timedelta(0):
                raise ValueError(f"limit for {segment!r} must be positive, got {limit}")
        return limits

    def limit_for(self, segment: str | None) -> timedelta:
        return self.limits.get(segment or "default", self.limits["default"])


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    clause: str
    kind: str
    severity: str
    description: Text
    params: dict[str, Any]


class Standard(BaseModel):
    """One version of one standard, in force from `effective_from` to `effective_to`."""

    model_config = ConfigDict(extra="forbid")

    standard: str
    version: int = Field(ge=1)
    title: str
    source: str
    owner: str
    effective_from: AwareDatetime
    effective_to: AwareDatetime | None = None
    changelog: list[dict[str, Any]] = Field(default_factory=list)
    rules: list[Rule]

    def in_force_at(self, moment: datetime) -> bool:
        return self.effective_from <= moment and (
            self.effective_to is None or moment < self.effective_to
        )
