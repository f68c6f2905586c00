"""Offline evaluation: a JSONL event file through the same engine the stream runs.

Invalid lines go to a dead-letter file and the run goes on. The watermark
trails the latest event time by `lateness` (as in the worker), so moderate
disorder is absorbed; at end of input it becomes the latest event time, so
deadlines already passed are reported. The output is the violations that
stand at the end: retracted ones are dropped.

With `until`, the evaluation is "as of" that instant instead: events stamped at
or after it are skipped (counted in `after_until`), and at end of input the
watermark moves to `until` rather than the end being flushed. A stream's clock
stops at some point W fixed by the events it has read; evaluating offline as of
W gives exactly the verdicts the stream has given by then.
"""

from __future__ import annotations

import gc
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from events.envelope import parse_event
from standards.engine import Engine
from standards.kpis import KpiBook
from standards.model import Standard
from standards.verdicts import Check, ClockState, Verdict, Violation

ADVANCE_EVERY = 512
GC_THRESHOLD = (
    1_000_000  # net new containers between young collections: few, since little is cyclic
)
LATENESS = timedelta(seconds=30)


@dataclass
class Outcome:
    """What one evaluation found, and how fast."""

    events: int = 0
    invalid: int = 0
    after_until: int = 0  # valid events skipped: stamped at or after `until`
    checks: int = 0
    retracted: int = 0
    clocks: int = 0  # deadline clock states published (opened and closed), as the stream does
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    violations: dict[str, Violation] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def per_cpu_second(self) -> float:
        """Events per second of this process's CPU time: what one core does, whatever else runs."""
        return self.events / self.cpu_seconds if self.cpu_seconds else 0.0

    def counts(self) -> Counter[tuple[str, str]]:
        """Standing violations per (rule, province)."""
        return Counter((v.rule, v.province) for v in self.violations.values())


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
    return f"{type(exc).__name__}: {exc}"


def evaluate(
    lines: Iterable[bytes],
    standards: list[Standard],
    *,
    deadletter: IO[str] | None = None,
    kpis: KpiBook | None = None,
    lateness: timedelta = LATENESS,
    until: datetime | None = None,
) -> Outcome:
    """Evaluate every line; with `until`, as of that instant (see the module docstring):
    events at or after it are skipped, and the end advances the watermark to `until`
    (firing the deadlines before it) instead of flushing."""
    engine = Engine(standards)
    outcome = Outcome()
    collector = gc.get_threshold()
    gc.freeze()  # the standards and the code are long-lived: keep them out of every collection
    gc.set_threshold(GC_THRESHOLD, *collector[1:])
    try:
        _run(lines, engine, outcome, deadletter, kpis, lateness, until)
    finally:
        gc.set_threshold(*collector)
        gc.unfreeze()
    return outcome


def _run(
    lines: Iterable[bytes],
    engine: Engine,
    outcome: Outcome,
    deadletter: IO[str] | None,
    kpis: KpiBook | None,
    lateness: timedelta,
    until: datetime | None,
) -> None:
    standing = outcome.violations
    started, started_cpu = time.perf_counter(), time.process_time()

    def take(verdicts: list[Verdict]) -> None:
        for verdict in verdicts:
            if isinstance(verdict, Check):
                outcome.checks += 1
                if kpis is not None:
                    kpis.add(verdict)
            elif isinstance(verdict, ClockState):
                outcome.clocks += 1
            elif verdict.retracted:
                outcome.retracted += 1
                standing.pop(verdict.violation_id, None)
            else:
                standing[verdict.violation_id] = verdict

    process, advance = engine.process, engine.advance
    events = 0
    for number, raw in enumerate(lines, start=1):
        if raw.isspace() or not raw:
            continue
        try:
            event = parse_event(raw)
        except (ValidationError, ValueError) as exc:
            outcome.invalid += 1
            if deadletter is not None:
                letter = {
                    "line": number,
                    "reason": _reason(exc),
                    "raw": raw.decode("utf-8", "replace").rstrip("\n"),
                }
                deadletter.write(json.dumps(letter, ensure_ascii=False) + "\n")
            continue
        if until is not None and event.time >= until:
            outcome.after_until += 1
            continue
        events += 1
        found = process(event)
        if found:
            take(found)
        if not events % ADVANCE_EVERY:
            latest = engine.latest
            if latest is not None:
                take(advance(latest - lateness))
    take(engine.flush() if until is None else advance(until))
    outcome.events = events
    outcome.seconds = time.perf_counter() - started
    outcome.cpu_seconds = time.process_time() - started_cpu


def read_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from handle


def write_violations(outcome: Outcome, handle: IO[str]) -> None:
    for violation in outcome.violations.values():
        handle.write(json.dumps(violation.to_record(), ensure_ascii=False) + "\n")


def write_records(records: Iterable[dict[str, Any]], handle: IO[str]) -> None:
    for record in records:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def compare_table(a: Outcome, b: Outcome, name_a: str, name_b: str) -> list[str]:
    """Per rule and province: counts under each version and the difference."""
    counts_a, counts_b = a.counts(), b.counts()
    lines = [f"{'rule':34} {'province':8} {name_a:>14} {name_b:>14} {'diff':>7}"]
    for rule, province in sorted(counts_a.keys() | counts_b.keys()):
        x, y = counts_a[(rule, province)], counts_b[(rule, province)]
        lines.append(f"{rule:34} {province:8} {x:14d} {y:14d} {y - x:+7d}")
    total_a, total_b = sum(counts_a.values()), sum(counts_b.values())
    lines.append(f"{'total':34} {'':8} {total_a:14d} {total_b:14d} {total_b - total_a:+7d}")
    return lines
