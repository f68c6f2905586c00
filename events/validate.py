"""Checking a JSONL file of events against the contract, line by line, in bounded memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from events.envelope import parse_event


@dataclass(frozen=True)
class Problem:
    """One bad line: where, which field, and why."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


def check_line(number: int, raw: bytes) -> list[Problem]:
    """Every problem of one line (empty when it is a valid event)."""
    try:
        parse_event(raw)
    except ValidationError as exc:
        return [_problem(number, error) for error in exc.errors(include_url=False)]
    except ValueError as exc:
        return [Problem(number, "-", str(exc))]
    return []


def _problem(number: int, error: object) -> Problem:
    assert isinstance(error, dict)
    loc = ".".join(str(part) for part in error.get("loc", ()) if part != "__root__") or "-"
    if error.get("type") == "json_invalid":
        return Problem(number, "-", f"unparseable JSON: {error.get('msg')}")
    return Problem(number, loc, str(error.get("msg")))


def check_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, list[Problem]]]:
    """(line number, problems) per non-blank line, streaming."""
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield number, check_line(number, raw)
