"""IVR event data."""

from __future__ import annotations

from typing import Literal

from pydantic import with_config
from typing_extensions import TypedDict

from events.types.common import DATA_CONFIG, Empty, Id


@with_config(DATA_CONFIG)
class SessionStarted(TypedDict):
    entry: Id
    customer: Id


@with_config(DATA_CONFIG)
class PromptPlayed(TypedDict):
    prompt: Id
    text: str


@with_config(DATA_CONFIG)
class MenuSelected(TypedDict):
    option: Id


@with_config(DATA_CONFIG)
class SessionEnded(TypedDict):
    outcome: Literal["self_served", "to_agent", "abandoned"]


@with_config(DATA_CONFIG)
class Availability(TypedDict):
    """A heartbeat, for the 24-hour service commitment."""

    available: bool


DATA: dict[str, type] = {
    "ivr.session.started": SessionStarted,
    "ivr.prompt.played": PromptPlayed,
    "ivr.menu.selected": MenuSelected,
    "ivr.agent.requested": Empty,
    "ivr.session.ended": SessionEnded,
    "ivr.availability": Availability,
}
