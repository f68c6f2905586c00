"""Limits by segment (brand, hall tier, area …): data, never code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SegmentSource = Literal["event", "unit"]


def _positive(limit: timedelta) -> timedelta:
    if limit <= timedelta(0):
        shown = f"-{-limit}" if limit < timedelta(0) else str(limit)
        raise ValueError(f"a limit must be positive, got {shown}")
    return limit


PositiveDuration = Annotated[timedelta, AfterValidator(_positive)]
"""A duration > 0; errors point at the very entry (its line) that is wrong."""


def check_limits(limits: dict[str, timedelta]) -> dict[str, timedelta]:
    if "default" not in limits:
        raise ValueError("limits needs a 'default' entry")
    return limits


class Segmented(BaseModel):
    """Where a rule reads the segment that picks its limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segment_field: str | None = Field(
        default=None, description="data field naming the segment, e.g. brand, tier, area"
    )
    segment_source: SegmentSource = Field(
        default="event",
        description="event: the start event's data; unit: the unit's profile (hall.day.opened)",
    )

    def segment_of(
        self, data: Mapping[str, Any], unit: str, profiles: Mapping[str, Mapping[str, Any]]
    ) -> str:
        if self.segment_field is None:
            return "default"
        source = data if self.segment_source == "event" else profiles.get(unit, {})
        value = source.get(self.segment_field)
        return value if isinstance(value, str) else "default"
