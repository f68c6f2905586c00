"""Shared pieces of the data models: the config every type uses and common field types."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, with_config
from typing_extensions import TypedDict

# Known fields are checked strictly (a string is not a bool); unknown ones are kept,
# so a producer on a newer minor version of the contract still validates.
DATA_CONFIG = ConfigDict(extra="allow", strict=True)

# A decimal written as a string: plain digits, an optional fraction, nothing else
# (no exponent, sign, blanks, NaN or Infinity), so every consumer reads it the same way.
DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
_DECIMAL_TEXT = re.compile(DECIMAL_PATTERN)


def _decimal_text(value: Any) -> Any:
    """Strings must be plain decimals; then pydantic makes a Decimal of either form.

    The before-validator hands pydantic a Python value, hence `strict=False` on the
    field: strict Decimal validation of Python values takes only Decimal instances.
    A bool is still refused (it is not a number here).
    """
    if isinstance(value, bool):
        raise ValueError("a decimal must be a number or a decimal string, not a bool")
    if isinstance(value, str) and not _DECIMAL_TEXT.match(value):
        raise ValueError(f"{value!r} is not a decimal such as 58.00")
    return value


Id = Annotated[str, Field(min_length=1)]
# Money is exact (fee waivers are compared to the cent): a JSON number or a decimal
# string, held as Decimal.
Money = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    Field(ge=0, strict=False),
    WithJsonSchema({"type": ["number", "string"], "minimum": 0, "pattern": DECIMAL_PATTERN}),
]
Count = Annotated[int, Field(ge=0)]


@with_config(DATA_CONFIG)
class Empty(TypedDict):
    """A type with no fields of its own (extra fields are still kept)."""
