"""Checking a JSONL file of events against the contract, line by line, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from events.envelope import EVENT_MODELS, parse_event


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of an event."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True)
class BadLine:
    """One invalid input line: its number and every problem found in it."""

    number: int
    problems: tuple[Problem, ...]

    def __str__(self) -> str:
        return f"line {self.number}: " + "; ".join(map(str, self.problems))


def problems_of(raw: bytes | str) -> tuple[Problem, ...]:
    """Every problem of one message (empty when it is a valid event)."""
    try:
        parse_event(raw)
    except ValidationError as exc:
        return tuple(_problem(error) for error in exc.errors(include_url=False))
    return ()


def _problem(error: Any) -> Problem:
    kind, msg = error["type"], str(error["msg"])
    if kind == "json_invalid":
        return Problem("-", f"unparseable JSON ({msg.removeprefix('Invalid JSON: ')})")
    loc = list(error["loc"])
    if loc and loc[0] in EVENT_MODELS:  # the union's tag: the type, not a field
        loc = loc[1:]
    field = ".".join(str(part) for part in loc) or "-"
    return Problem(field, msg.removeprefix("Value error, "))


def bad_lines(lines: Iterable[bytes]) -> Iterator[BadLine]:
    """Each invalid non-blank line, streaming, numbered from 1."""
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            problems = problems_of(raw)
            if problems:
                yield BadLine(number, problems)
