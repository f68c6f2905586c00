"""The CloudEvents Kafka protocol binding: both content modes, read as one structured event.

Structured mode (what the SDK publishes): the whole event is the JSON value, with
the header `content-type: application/cloudevents+json`. Binary mode (the default
of several CloudEvents SDKs): attributes in `ce_*` headers, `datacontenttype` in
`content-type`, and the value is the event's `data` alone. A message with no
`ce_*` headers is structured, header or not (producers before the binding).

`structured_value` turns a binary-mode message into the structured JSON the
contract validates, so validation (and its error messages) stay in one place:
`events.envelope.parse_event`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

CONTENT_TYPE = "content-type"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
STRUCTURED_HEADERS: list[tuple[str, bytes]] = [(CONTENT_TYPE, STRUCTURED_CONTENT_TYPE.encode())]
PREFIX = "ce_"

Headers = Iterable[tuple[str, bytes | None]]


class BindingError(ValueError):
    """A binary-mode message whose headers cannot be read as CloudEvents attributes."""


def is_binary(headers: Headers | None) -> bool:
    """Binary mode: the attributes travel as `ce_*` headers. Asked of every message the
    worker reads, hence a plain loop over the three characters that matter."""
    for name, _ in headers or ():  # noqa: SIM110 (a generator costs twice the loop)
        if name[:3].lower() == PREFIX:
            return True
    return False


def structured_value(value: bytes | None, headers: Headers | None) -> bytes | None:
    """The message as structured-mode JSON: the value itself unless the message is binary.

    Raises BindingError on a header that is not UTF-8 text or a value that is not
    JSON. In binary mode a null or empty value means an event without data.
    """
    if not headers or not is_binary(headers):
        return value
    attributes: dict[str, object] = {}
    for name, raw in headers:
        lowered = name.lower()
        if lowered.startswith(PREFIX):
            key = lowered[len(PREFIX) :]
        elif lowered == CONTENT_TYPE:
            key = "datacontenttype"
        else:
            continue
        try:
            attributes[key] = (raw or b"").decode("utf-8")
        except UnicodeDecodeError:
            raise BindingError(f"header {name!r} is not UTF-8 text") from None
    attributes.pop("data_base64", None)
    if value:
        try:
            attributes["data"] = json.loads(value)
        except ValueError as exc:  # UnicodeDecodeError included
            raise BindingError(f"the value (the event's data) is not JSON: {exc}") from None
    return json.dumps(attributes, ensure_ascii=False).encode()
