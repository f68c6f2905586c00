"""The test kit, shipped in the package as bytewax ships `bytewax.testing`: an event in one
line, a list of events run through the real engine, a clock advanced by hand, the verdicts
sorted out, and a later version of a standard with one thing changed.

Rule suites, unit tests, the integration helpers and the benchmarks build their events
here, so an envelope field added to the contract is added once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from events.envelope import Envelope
from standards.engine import Engine
from standards.loader import load_standards
from standards.model import Standard
from standards.publish import content
from standards.verdicts import Check, ClockState, Verdict, Violation

UNIT = "GD-SZ-0001"


def event(
    type: str,
    at: datetime,
    subject: str = "s1",
    /,
    *,
    unit: str = UNIT,
    province: str | None = None,
    id: str | None = None,
    source: str | None = None,
    data: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Envelope:
    """One event, as a channel would publish it; its data is `data` and the keywords left
    over (`brand="gotone_vip"`).

    The province defaults to the unit's prefix (`GD-SZ-0001` → `GD`); the id to one made of
    subject, type and time, so the same call twice is the same event (a redelivery).
    """
    province = province or unit.partition("-")[0]
    return Envelope(
        specversion="1.0",
        id=id or f"{subject}:{type}@{at.isoformat()}",
        source=source or f"/provinces/{province}/units/{unit}",
        type=type,
        time=at,
        subject=subject,
        province=province,
        unit=unit,
        data={**(data or {}), **fields},
    )


def as_json(event: Envelope) -> dict[str, Any]:
    """The event as JSON-ready data, the shape on the wire (for Kafka and event files)."""
    return event.model_dump(mode="json")


def as_bytes(event: Envelope) -> bytes:
    """The event as one message's bytes."""
    return event.model_dump_json().encode()


@functools.cache
def _installed() -> tuple[Standard, ...]:
    return tuple(load_standards())


def installed() -> list[Standard]:
    """The rule files shipped with the package, parsed once per process."""
    return list(_installed())


def engine(standards: Sequence[Standard] | None = None) -> Engine:
    """An engine applying `standards`, by default the installed rule files."""
    return Engine(list(standards) if standards is not None else installed())


def run(
    events: Iterable[Envelope],
    standards: Sequence[Standard] | Engine | None = None,
    *,
    lateness: timedelta | None = None,
    until: datetime | None = None,
    flush: bool = False,
) -> list[Verdict]:
    """Every verdict of `events` run through the engine, in the order it gave them.

    `lateness`: after each event the watermark moves to the latest event time less it, as
    the stream's does; without it the clock stands still while events go in. `until`: then
    the clock is moved there. `flush`: then end of input (what `svcstd evaluate` does).
    """
    target = standards if isinstance(standards, Engine) else engine(standards)
    verdicts: list[Verdict] = []
    for item in events:
        verdicts.extend(target.process(item))
        latest = target.latest
        if lateness is not None and latest is not None:
            verdicts.extend(target.advance(latest - lateness))
    if until is not None:
        verdicts.extend(target.advance(until))
    if flush:
        verdicts.extend(target.flush())
    return verdicts


class Clock:
    """Event time moved by hand: the watermark a test gives an engine, one step at a time."""

    def __init__(self, engine: Engine, now: datetime) -> None:
        self.engine = engine
        self.now = now

    def advance(self, by: timedelta) -> list[Verdict]:
        """Move the clock `by` forward; the verdicts of every deadline it passed."""
        return self.to(self.now + by)

    def to(self, moment: datetime) -> list[Verdict]:
        """Move the clock to `moment` (never back); the verdicts of every deadline it passed."""
        if moment < self.now:
            raise ValueError(f"the clock runs forward only: {moment} is before {self.now}")
        self.now = moment
        return self.engine.advance(moment)


def violations(verdicts: Iterable[Verdict], rule: str | None = None) -> list[Violation]:
    """The violations among `verdicts` (of `rule`, when given), retractions included."""
    return [v for v in verdicts if isinstance(v, Violation) and (rule is None or v.rule == rule)]


def checks(verdicts: Iterable[Verdict], rule: str | None = None) -> list[Check]:
    """The checks among `verdicts` (of `rule`, when given)."""
    return [v for v in verdicts if isinstance(v, Check) and (rule is None or v.rule == rule)]


def clocks(verdicts: Iterable[Verdict], rule: str | None = None) -> list[ClockState]:
    """The deadline clock states among `verdicts` (of `rule`, when given), opened and closed."""
    return [v for v in verdicts if isinstance(v, ClockState) and (rule is None or v.rule == rule)]


def standing(verdicts: Iterable[Verdict], rule: str | None = None) -> tuple[list[Violation], int]:
    """The violations that stand at the end (a revision replaces its id's earlier finding, a
    retraction removes it), and how many retractions there were."""
    found: dict[str, Violation] = {}
    retracted = 0
    for violation in violations(verdicts, rule):
        if violation.retracted:
            retracted += 1
            found.pop(violation.violation_id, None)
        else:
            found[violation.violation_id] = violation
    return list(found.values()), retracted


def revised(
    standard: Standard,
    *,
    version: int,
    effective_from: datetime,
    change: Callable[[dict[str, Any]], None],
) -> Standard:
    """`standard` as version `version`, in force from `effective_from`, with `change` applied
    to its content (the rule file's shape, as published)."""
    document = content(standard)
    document["version"] = version
    document["effective_from"] = effective_from.isoformat()
    change(document)
    return Standard.model_validate(document)


def set_limit(rule_id: str, limit: str) -> Callable[[dict[str, Any]], None]:
    """A `change` for `revised`: every limit of a deadline rule (each tier's and the default)
    becomes `limit` (an ISO 8601 duration)."""

    def change(document: dict[str, Any]) -> None:
        [rule] = [r for r in document["rules"] if r["id"] == rule_id]
        limits = rule["params"]["limits"]
        rule["params"]["limits"] = dict.fromkeys(limits, limit)

    return change
