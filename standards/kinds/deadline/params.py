"""What a deadline rule says in its rule file: the params model, validated once at load.

Which mode a rule runs in follows from these (see `standards.kinds.deadline`).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from events.envelope import Envelope
from standards.kinds.limits import PositiveDuration, Segmented, check_limits
from standards.match import EventMatch

Display = Literal["seconds", "minutes", "hours"]


class Anchor(BaseModel):
    """The deadline is a timestamp in the start event's data, shifted by `offset`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    offset: timedelta = Field(
        default=timedelta(0), description="negative: the end event is due that long before"
    )


class Prorate(BaseModel):
    """The follow-up must carry at least `fee_field` (of the start event) × outage ÷ `per`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount_field: str
    fee_field: str
    per: timedelta

    @field_validator("per")
    @classmethod
    def _positive(cls, per: timedelta) -> timedelta:
        if per <= timedelta(0):
            raise ValueError(f"per must be positive, got {per}")
        return per

    def owed_cents(self, start: Envelope, end: Envelope) -> int | None:
        """Rounded up to the cent; the outage runs from the start event to the end event."""
        fee = cents(start.data.get(self.fee_field))
        if fee is None:
            return None
        outage = (end.time - start.time) // timedelta(milliseconds=1)
        return -(-fee * outage // (self.per // timedelta(milliseconds=1)))


def cents(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return int((Decimal(str(value)) * 100).to_integral_value())
    except InvalidOperation:
        return None


class Followup(BaseModel):
    """After a late, non-exempt end, `require` must follow within `within`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    require: EventMatch
    within: timedelta
    prorate: Prorate | None = None

    @field_validator("within")
    @classmethod
    def _positive(cls, within: timedelta) -> timedelta:
        if within <= timedelta(0):
            raise ValueError(f"within must be positive, got {within}")
        return within


class DeadlineParams(Segmented):
    """Time from a start event to one of the end events, limited by segment."""

    start: EventMatch
    end: list[EventMatch] = Field(min_length=1)
    cancel: list[EventMatch] = Field(default_factory=list)
    limits: dict[str, PositiveDuration] | None = None
    bound: Literal["max", "min"] = Field(
        default="max", description="max: end by the limit; min: the span must last the limit"
    )
    calendar: str | None = Field(
        default=None, description="limits count working days of this calendar"
    )
    anchor: Anchor | None = None
    exempt: list[EventMatch] = Field(
        default_factory=list, description="end events that void the breach (retracting it)"
    )
    excused_by: EventMatch | None = Field(
        default=None, description="a breach is no violation if this event came by the deadline"
    )
    followup: Followup | None = None
    display: Display = "minutes"

    @field_validator("limits")
    @classmethod
    def _limits_positive(cls, limits: dict[str, timedelta] | None) -> dict[str, timedelta] | None:
        return None if limits is None else check_limits(limits)

    @model_validator(mode="after")
    def _consistent(self) -> DeadlineParams:
        if (self.anchor is None) == (self.limits is None):
            raise ValueError("give either limits or an anchor")
        if self.calendar is not None and self.limits is not None:
            for segment, limit in self.limits.items():
                if limit % timedelta(days=1):
                    raise ValueError(f"limit for {segment!r} must be whole working days")
        if self.bound == "min" and (
            self.anchor or self.excused_by or self.followup or self.calendar
        ):
            raise ValueError("a minimum duration takes only limits")
        if self.excused_by is not None and self.followup is not None:
            raise ValueError("excused_by and followup are separate rules")
        if self.calendar is not None and self.anchor is not None:
            raise ValueError("a calendar counts the limits in working days: it takes no anchor")
        return self

    def limit_for(self, segment: str | None) -> timedelta:
        assert self.limits is not None
        return self.limits.get(segment or "default", self.limits["default"])
