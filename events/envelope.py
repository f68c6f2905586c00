"""The CloudEvents 1.0 envelope every channel system publishes (EVENTS.md).

`parse_event` is the one validated entry point: it checks the envelope and the
data of the event's type in a single pass over the JSON (a tagged union on
`type`, resolved inside pydantic-core), and returns an `Envelope` whose `data` is
a plain dict: known fields validated and coerced (timestamps become aware
datetimes), unknown fields kept as sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
)

from events.types import DATA_MODELS


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


def model_name(event_type: str) -> str:
    """`hall.visit.checked_in` → `HallVisitCheckedIn`."""
    return "".join(part.capitalize() for part in event_type.replace("_", ".").split("."))


def _typed(event_type: str, data_model: type) -> type[Envelope]:
    """The envelope of one type: `type` fixed, `data` validated by the type's model.

    `data` may be left out only when the type has no required fields.
    """
    required: frozenset[str] = getattr(data_model, "__required_keys__", frozenset())
    data_field = (data_model, ...) if required else (data_model, Field(default_factory=dict))
    fields: dict[str, Any] = {"type": (Literal[event_type], ...), "data": data_field}
    model: type[Envelope] = create_model(model_name(event_type), __base__=Envelope, **fields)
    model.__doc__ = f"A `{event_type}` event."
    return model


EVENT_MODELS: dict[str, type[Envelope]] = {
    event_type: _typed(event_type, data_model) for event_type, data_model in DATA_MODELS.items()
}
# Module attributes too, so pickle finds them: the worker's state checkpoints hold events.
globals().update({model.__name__: model for model in EVENT_MODELS.values()})

# Built at run time from the registry, so typed as Any for the checker.
_ANY_EVENT_TYPE: Any = Annotated[Union[tuple(EVENT_MODELS.values())], Field(discriminator="type")]  # noqa: UP007
_ANY_EVENT: TypeAdapter[Envelope] = TypeAdapter(_ANY_EVENT_TYPE)
# pydantic-core's own entry point: the adapter's wrapper costs a tenth of a validation
_VALIDATE_JSON: Callable[[bytes | str], Envelope] = _ANY_EVENT.validator.validate_json


def _known_type(value: str) -> str:
    if value not in EVENT_MODELS:
        raise ValueError(f"unknown event type {value!r}")
    return value


class _UntypedEvent(Envelope):
    """Only for reporting: checks the envelope of an event whose type is missing or unknown."""

    type: Annotated[str, AfterValidator(_known_type)]


_NO_TYPE = frozenset({"union_tag_not_found", "union_tag_invalid"})


def parse_event(raw: bytes | str) -> Envelope:
    """Parse and validate one message.

    Raises pydantic.ValidationError: unparseable JSON (`json_invalid`), a missing
    or bad field, a naive time (`timezone_aware`), or an unknown type (a `type`
    error naming it, together with every other envelope problem).
    """
    try:
        return _VALIDATE_JSON(raw)
    except ValidationError as exc:
        if exc.error_count() == 1 and exc.errors()[0]["type"] in _NO_TYPE:
            _UntypedEvent.model_validate_json(raw)  # raises the full report
        raise
