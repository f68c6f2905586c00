"""Complaint (投诉) event data."""

from __future__ import annotations

from typing import NotRequired

from pydantic import AwareDatetime, with_config
from typing_extensions import TypedDict

from events.types.common import DATA_CONFIG, Empty, Id


@with_config(DATA_CONFIG)
class Opened(TypedDict):
    channel: Id
    customer: Id
    promised_reply_at: NotRequired[AwareDatetime | None]


@with_config(DATA_CONFIG)
class Closed(TypedDict):
    resolution: Id


DATA: dict[str, type] = {
    "complaint.opened": Opened,
    "complaint.replied": Empty,
    "complaint.closed": Closed,
}
