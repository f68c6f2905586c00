"""Raw customer numbers, found wherever a producer left them and replaced by pseudonyms.

Channel systems should pseudonymise before publishing (`events.pseudonym`), but
not every producer uses the SDK. The worker therefore pseudonymises any `customer`
that is a raw Chinese mobile or fixed-line number, and masks such numbers inside
free text (transcripts, prompt text), before anything is evaluated or published;
the projector does the same before anything is stored. A number is replaced by
its pseudonym under the deployment's key, so a customer's events still join
whether the producer pseudonymised or not.

Numbers recognised (optionally after `+86`/`86`, with blanks or hyphens between
groups): mobiles `1[3-9]x xxxx xxxx`; fixed lines with their area code,
`0xx(x)-xxxxxxx(x)`, the area code possibly in parentheses. Digits glued to ASCII
letters or other digits are not a number (an order id, a pseudonym's hex is left
alone); Chinese text around a number is no obstacle.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from events.envelope import Envelope
from events.pseudonym import DEMO_KEY, KEY_VARIABLE, PREFIX, Pseudonymiser

_COUNTRY = r"(?P<cc>\+?86[\s-]?)?"
_MOBILE = r"1[3-9][0-9](?:[\s-]?[0-9]{4}){2}"
_FIXED = r"(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})[\s-]?[0-9]{7,8}"
# Glued to ASCII letters or digits it is part of something else (an id, a pseudonym's hex).
NUMBER = re.compile(rf"(?<![0-9A-Za-z+]){_COUNTRY}(?:{_MOBILE}|{_FIXED})(?![0-9A-Za-z])")
_DIGITS = re.compile(r"[^0-9]")


def deployment_key(environ: Mapping[str, str] | None = None) -> bytes:
    """SVC_PSEUDONYM_KEY, or the built-in demo key when it is unset (README)."""
    env = os.environ if environ is None else environ
    return env.get(KEY_VARIABLE, "").encode() or DEMO_KEY


def normalised(match: re.Match[str]) -> str:
    """The number's national digits: what channel systems pseudonymise."""
    text = match.group(0)
    if match.group("cc"):
        text = text[len(match.group("cc")) :]
    return _DIGITS.sub("", text)


class Redactor:
    """Replaces raw customer numbers by their pseudonyms under one key."""

    __slots__ = ("_pseudonymise",)

    def __init__(self, key: bytes) -> None:
        self._pseudonymise = Pseudonymiser(key)

    def _replace(self, match: re.Match[str]) -> str:
        return self._pseudonymise(normalised(match))

    def text(self, text: str) -> str:
        """Every number inside free text replaced by its pseudonym."""
        return NUMBER.sub(self._replace, text) if NUMBER.search(text) else text

    def customer(self, value: str) -> str:
        """A `customer` that is a raw number becomes its pseudonym; anything else stays."""
        if value.startswith(PREFIX):
            return value
        match = NUMBER.fullmatch(value.strip())
        return self._pseudonymise(normalised(match)) if match else value

    def data(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """`data` with its customer and text cleaned, or None when nothing needed it."""
        customer, text = data.get("customer"), data.get("text")
        clean_customer = self.customer(customer) if isinstance(customer, str) else customer
        clean_text = self.text(text) if isinstance(text, str) else text
        if clean_customer is customer and clean_text is text:
            return None
        changed = dict(data)
        if "customer" in data:
            changed["customer"] = clean_customer
        if "text" in data:
            changed["text"] = clean_text
        return changed

    def event(self, event: Envelope) -> Envelope:
        """The event as the platform may keep it (the same object when it was clean)."""
        data = self.data(event.data)
        return event if data is None else event.model_copy(update={"data": data})

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A structured event as decoded JSON, cleaned the same way (for storage)."""
        data = record.get("data")
        if isinstance(data, Mapping):
            clean = self.data(data)
            if clean is not None:
                return {**record, "data": clean}
        return record


@lru_cache(maxsize=4)
def redactor(key: bytes) -> Redactor:
    """One redactor per key, shared (its pseudonymiser is stateless)."""
    return Redactor(key)
