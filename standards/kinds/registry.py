"""Kind name → runtime builder: the one place a new kind is plugged in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from standards.emit import RuleContext
from standards.kinds import (
    attributes,
    availability,
    conversation,
    deadline,
    interval,
    phrases,
    priority,
    ratio,
    window,
)
from standards.kinds.base import Env, Runtime

Builder = Callable[[RuleContext, Env, Any], Runtime]

BUILDERS: dict[str, Builder] = {
    "deadline": deadline.build,
    "interval": interval.build,
    "attributes": attributes.build,
    "window": window.build,
    "phrases": phrases.build,
    "conversation": conversation.build,
    "ratio": ratio.build,
    "availability": availability.build,
    "priority": priority.build,
}
