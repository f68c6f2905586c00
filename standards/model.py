"""The rule file format: a versioned standard, its calendars, scoring and rules, validated by pydantic.

A rule's `kind` picks the model of its `params` (see `standards.kinds`); the
JSON Schema exported from these models (`rule-file.schema.json`) is what
editors validate against.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from standards.calendar import Calendar
from standards.catalog import catalog_ids
from standards.kinds.attributes import AttributesParams
from standards.kinds.availability import AvailabilityParams
from standards.kinds.conversation import ConversationParams
from standards.kinds.deadline import DeadlineParams
from standards.kinds.interval import IntervalParams
from standards.kinds.phrases import PhrasesParams
from standards.kinds.priority import PriorityParams
from standards.kinds.ratio import RatioParams
from standards.kinds.window import WindowParams

Severity = Literal["minor", "major", "critical"]
OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")

__all__ = ["DeadlineParams", "Rule", "Standard", "Text"]


class Text(BaseModel):
    """A description in both languages the auditors read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="the catalog rule id, e.g. hall.wait_time")
    clause: str = Field(min_length=1, description="clause of the source document")
    severity: Severity
    description: Text

    @field_validator("id")
    @classmethod
    def _in_catalog(cls, rule_id: str) -> str:
        if rule_id not in catalog_ids():
            raise ValueError(f"unknown catalog id {rule_id!r} (see standards/catalog.yaml)")
        return rule_id


class DeadlineRule(_RuleBase):
    kind: Literal["deadline"]
    params: DeadlineParams


class IntervalRule(_RuleBase):
    kind: Literal["interval"]
    params: IntervalParams


class AttributesRule(_RuleBase):
    kind: Literal["attributes"]
    params: AttributesParams


class WindowRule(_RuleBase):
    kind: Literal["window"]
    params: WindowParams


class PhrasesRule(_RuleBase):
    kind: Literal["phrases"]
    params: PhrasesParams


class ConversationRule(_RuleBase):
    kind: Literal["conversation"]
    params: ConversationParams


class RatioRule(_RuleBase):
    kind: Literal["ratio"]
    params: RatioParams


class AvailabilityRule(_RuleBase):
    kind: Literal["availability"]
    params: AvailabilityParams


class PriorityRule(_RuleBase):
    kind: Literal["priority"]
    params: PriorityParams


Rule = Annotated[
    DeadlineRule
    | IntervalRule
    | AttributesRule
    | WindowRule
    | PhrasesRule
    | ConversationRule
    | RatioRule
    | AvailabilityRule
    | PriorityRule,
    Field(discriminator="kind"),
]


class ChangelogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    note: str = Field(min_length=1)


class Group(BaseModel):
    """A group of the star rating (星级评定) and the rules whose attainment it averages."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    weight: float = Field(gt=0)
    rules: list[str] = Field(default_factory=list)


class StarBand(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stars: int = Field(ge=1, le=5)
    min_score: float = Field(ge=0, le=1)


class Scoring(BaseModel):
    """Star rating per unit and province per month: weighted group attainment, then bands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: dict[str, Group] = Field(min_length=1)
    stars: list[StarBand] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands(self) -> Scoring:
        stars = [band.stars for band in self.stars]
        if sorted(set(stars)) != sorted(stars) or 1 not in stars:
            raise ValueError("star bands need distinct star counts including 1")
        ordered = sorted(self.stars, key=lambda b: b.stars)
        for lower, higher in itertools.pairwise(ordered):
            if higher.min_score <= lower.min_score:
                raise ValueError("more stars need a higher min_score")
        return self

    def stars_for(self, score: float) -> int:
        return max(band.stars for band in self.stars if score >= band.min_score or band.stars == 1)


class Standard(BaseModel):
    """One version of one standard, in force from `effective_from` to `effective_to`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    standard: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: str
    source: str
    owner: str
    effective_from: AwareDatetime
    effective_to: AwareDatetime | None = None
    timezone: str = Field(
        default="+08:00", description="where days, months and working days are judged"
    )
    changelog: list[ChangelogEntry] = Field(default_factory=list)
    profiles: list[str] = Field(
        default_factory=list,
        description="event types whose data describe their unit (e.g. hall.day.opened: tier)",
    )
    calendars: dict[str, Calendar] = Field(default_factory=dict)
    scoring: Scoring | None = None
    rules: list[Rule] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _offset(cls, value: str) -> str:
        if not OFFSET.match(value):
            raise ValueError(f"timezone must be an offset like +08:00, got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Standard:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule {rule.id!r} appears twice")
            seen.add(rule.id)
            calendar = getattr(rule.params, "calendar", None)
            if calendar is not None and calendar not in self.calendars:
                raise ValueError(f"rule {rule.id!r} names unknown calendar {calendar!r}")
        if self.scoring is not None:
            for name, group in self.scoring.groups.items():
                for rule_id in group.rules:
                    if rule_id not in seen:
                        raise ValueError(f"scoring group {name!r} names unknown rule {rule_id!r}")
        return self

    @property
    def key(self) -> str:
        return f"{self.standard}@{self.version}"

    def in_force_at(self, moment: datetime) -> bool:
        return self.effective_from <= moment and (
            self.effective_to is None or moment < self.effective_to
        )

    def rule(self, rule_id: str) -> Any:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
