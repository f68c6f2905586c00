"""The CloudEvents 1.0 envelope every channel system publishes (EVENTS.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Envelope(BaseModel):
    """One event as published: structured-mode CloudEvents JSON with our extensions.

    `time` must carry an offset: SLA clocks run on event time, and a naive time
    would silently shift by the producer's zone.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"]
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: AwareDatetime
    subject: str = Field(min_length=1)
    datacontenttype: Literal["application/json"] = "application/json"
    province: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    data: dict[str, Any] = Field(default_factory=dict)


def parse_event(raw: bytes | str) -> Envelope:
    """Parse one message; raises pydantic.ValidationError with the reason."""
    return Envelope.model_validate_json(raw)
