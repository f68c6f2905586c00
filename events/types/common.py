"""Shared pieces of the data models: the config every type uses and common field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

# Known fields are checked strictly (a string is not a bool); unknown ones are kept,
# so a producer on a newer minor version of the contract still validates.
DATA_CONFIG = ConfigDict(extra="allow", strict=True)

Id = Annotated[str, Field(min_length=1)]
Money = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]


@with_config(DATA_CONFIG)
class Empty(TypedDict):
    """A type with no fields of its own (extra fields are still kept)."""
