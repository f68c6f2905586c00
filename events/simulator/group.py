"""Rendering events as contract JSON lines, grouped into units of inclusion.

A `Group` is what the simulator keeps or drops as a whole (one visit, one call,
one hour of heartbeats, an injected cluster of visits): cutting the run at a
window edge or at `--count` never leaves half a case behind, so the ground
truth stays true of what was actually written.
"""

from __future__ import annotations

import json

from events.simulator.timefmt import DAY_MS, iso, local_date, local_midnight
from events.topics import EVENT_TOPICS

# (time ms, topic, key, JSON line without newline)
Event = tuple[int, str, str, str]


def jstr(text: str) -> str:
    """A JSON string literal; for tables built once, not for the hot path."""
    return json.dumps(text, ensure_ascii=False)


class Unit:
    """One emitting unit (hall, call center, IVR platform, …) with its fixed JSON parts."""

    __slots__ = ("channel", "head", "province", "tail", "topic", "unit")

    def __init__(self, province: str, unit: str, channel: str, kind: str) -> None:
        self.province = province
        self.unit = unit
        self.channel = channel
        self.topic = EVENT_TOPICS[channel]
        self.head = f'","source":"/provinces/{province}/{kind}/{unit}","type":"'
        self.tail = f'","datacontenttype":"application/json","province":"{province}","unit":"{unit}","data":'


class Truth:
    """One deliberately built case: the rule, its subject and the verdict it must get."""

    __slots__ = ("province", "rule", "subject", "unit", "violation")

    def __init__(self, rule: str, subject: str, unit: Unit, violation: bool) -> None:
        self.rule = rule
        self.subject = subject
        self.province = unit.province
        self.unit = unit.unit
        self.violation = violation

    def line(self) -> str:
        return json.dumps(
            {
                "rule": self.rule,
                "subject": self.subject,
                "province": self.province,
                "unit": self.unit,
                "violation": self.violation,
            },
            ensure_ascii=False,
        )


class Silence:
    """A unit's heartbeats, as far as one group carries them: should the log run on past the
    last one plus `gap_ms` with no later group of the unit written, every day that silence
    reaches is a violation of `rule` (silence is downtime)."""

    __slots__ = ("day_case", "gap_ms", "last_ms", "rule", "unit")

    def __init__(
        self, rule: str, unit: Unit, last_ms: int, gap_ms: int, day_case: bool | None
    ) -> None:
        self.rule = rule
        self.unit = unit
        self.last_ms = last_ms
        self.gap_ms = gap_ms
        self.day_case = day_case  # the verdict already written for the last heartbeat's day

    def cases(self, end_ms: int) -> list[Truth]:
        """The days down between the last heartbeat plus the gap and the log's last event."""
        down_ms = self.last_ms + self.gap_ms
        cases = []
        day = local_midnight(down_ms)
        while day < end_ms and down_ms < end_ms:
            date = local_date(day)
            if not (date == local_date(self.last_ms) and self.day_case):
                cases.append(Truth(self.rule, f"{self.unit.unit}:{date}", self.unit, True))
            day += DAY_MS
        return cases


class Group:
    """Events kept or dropped together, with the cases they were built to show."""

    __slots__ = ("events", "gid", "silence", "start", "tallies", "truth", "unit")

    def __init__(self, unit: Unit, gid: str, start: int) -> None:
        self.unit = unit
        self.gid = gid
        self.start = start
        self.events: list[Event] = []
        self.truth: list[Truth] = []
        self.tallies: list[tuple[str, ...]] = []
        self.silence: Silence | None = None

    def add(self, ms: int, type_: str, subject: str, data: str = "{}", stamp: str = "") -> None:
        """Append one event; ids are `<group id>.<n>`, unique and stable per seed.

        `stamp` is `iso(ms)` when the caller already rendered it.
        """
        u = self.unit
        line = (
            f'{{"specversion":"1.0","id":"{self.gid}.{len(self.events)}{u.head}{type_}",'
            f'"time":"{stamp or iso(ms)}","subject":"{subject}{u.tail}{data}}}'
        )
        self.events.append((ms, u.topic, subject, line))

    def case(self, rule: str, subject: str, violation: bool) -> None:
        self.truth.append(Truth(rule, subject, self.unit, violation))
