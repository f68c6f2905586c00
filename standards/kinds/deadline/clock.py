"""One deadline clock, and the timers a clock sets, named.

A clock opens on a start event and is keyed by its subject; a timer names the clock
it was set for (subject and start event id: a later start replaces the clock, and the
earlier clock's timers then find nothing) and its phase, what it does when it fires.
Clocks and timer keys sit in worker checkpoints: they are plain, picklable data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import NamedTuple

from events.envelope import Envelope
from standards.verdicts import Violation


class Phase(Enum):
    """What a timer does when the watermark passes it."""

    DUE = "due"
    """The deadline: a clock still open is breached (a provisional violation)."""
    EVICT = "evict"
    """Retention is over: the clock is forgotten (a late retraction can no longer come)."""
    FOLLOWUP = "followup"
    """The time for the follow-up after a late end is over: owed or settled."""
    ORPHAN = "orphan"
    """An end event that came before its start is forgotten."""


class TimerKey(NamedTuple):
    """The engine hands this back to `on_timer`; `start_id` is the orphan's id for ORPHAN."""

    subject: str
    start_id: str
    phase: Phase


@dataclass(slots=True)
class Clock:
    """From `origin` (the start event's time, or its anchor), due by `deadline`.

    `limit` is what the rule allows (a duration, working days as whole days, or how far
    ahead for an anchor); `fired` the provisional violation raised at the deadline, kept
    so later facts can retract it; `ended` the end event of a clock that stays open after
    it (waiting for a follow-up), so a second end is ignored.
    """

    start: Envelope
    origin: datetime
    limit: timedelta
    deadline: datetime
    fired: Violation | None = None
    ended: Envelope | None = None
