"""YAML with line numbers: every value's path maps to the line it starts on.

Owners need "v1.yaml:42: limit for 'gotone' must be positive", not a pydantic
dump; pydantic reports a location path, this module turns it into a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One reason a file is rejected, at one line."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class SourceError(Exception):
    """A rule or suite file that cannot be used, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark.line)
            _walk(value, (*path, name), lines)
            lines[(*path, name)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def load_yaml(text: str, file: str) -> tuple[Any, dict[Path_, int]]:
    """The parsed document and the line of every path in it."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = f"bad YAML: {exc.problem or exc}"
        if exc.context and exc.context_mark is not None:
            reason += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise SourceError([Problem(file, line, reason)]) from exc
    except yaml.YAMLError as exc:
        raise SourceError([Problem(file, 1, f"bad YAML: {exc}")]) from exc
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def line_of(location: tuple[str | int, ...], lines: dict[Path_, int]) -> int:
    """The line of the deepest known path along a pydantic error location.

    Pydantic inserts union tags (e.g. the rule kind) into locations; those are
    skipped because they are not keys of the document.
    """
    path: Path_ = ()
    for part in location:
        candidate = (*path, part)
        if candidate in lines:
            path = candidate
    return lines.get(path, 1)


def problems_of(exc: ValidationError, lines: dict[Path_, int], file: str) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        location = tuple(error["loc"])
        where = ".".join(str(p) for p in location)
        message = error["msg"].removeprefix("Value error, ")
        reason = f"{where}: {message}" if where else message
        problems.append(Problem(file, line_of(location, lines), reason))
    return problems
