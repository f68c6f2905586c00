"""Load rule files from disk; a bad file is rejected with file, line and reason.

A standard lives in `rules/<standard>/v<N>.yaml`; its test suites sit beside
it in `rules/<standard>/tests/`. A running process reloads with `reload`, which
keeps the set in force when any file is broken.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from events.errors import UserError
from standards.model import Standard
from standards.yamlsrc import Problem, SourceError, load_yaml, problems_of

RULES_DIR = Path(__file__).parent / "rules"
VERSION_FILE = re.compile(r"^v(\d+)\.ya?ml$")

log = logging.getLogger(__name__)


def standard_files(directory: Path = RULES_DIR) -> list[Path]:
    """Every `<standard>/v<N>.yaml` under `directory` (suites are not standards)."""
    return sorted(p for p in directory.glob("*/v*.y*ml") if VERSION_FILE.match(p.name))


def parse_standard(path: Path) -> Standard:
    """One rule file; raises SourceError with every problem, each at its line."""
    file = str(path)
    data, lines = load_yaml(path.read_text(encoding="utf-8"), file)
    try:
        standard = Standard.model_validate(data)
    except ValidationError as exc:
        raise SourceError(problems_of(exc, lines, file)) from exc
    problems = _placement(path, standard, lines)
    if problems:
        raise SourceError(problems)
    return standard


def _placement(
    path: Path, standard: Standard, lines: dict[tuple[str | int, ...], int]
) -> list[Problem]:
    """The file's place must agree with what it says: rules/<standard>/v<version>.yaml."""
    match = VERSION_FILE.match(path.name)
    problems = []
    if match and int(match.group(1)) != standard.version:
        problems.append(
            Problem(
                str(path),
                lines.get(("version",), 1),
                f"file says version {standard.version}, name says v{match.group(1)}",
            )
        )
    if path.parent.name != standard.standard and path.parent.name != "rules":
        problems.append(
            Problem(
                str(path),
                lines.get(("standard",), 1),
                f"standard {standard.standard!r} sits in folder {path.parent.name!r}",
            )
        )
    return problems


def validate_dir(directory: Path = RULES_DIR) -> tuple[list[Standard], list[Problem]]:
    """Every standard that loads, and every problem of those that don't."""
    standards: list[Standard] = []
    problems: list[Problem] = []
    for path in standard_files(directory):
        try:
            standards.append(parse_standard(path))
        except SourceError as exc:
            problems.extend(exc.problems)
    return standards, problems


def load_standard(path: Path) -> Standard:
    try:
        return parse_standard(path)
    except SourceError as exc:
        raise UserError(str(exc).replace("\n", "; ")) from exc


def load_standards(directory: Path = RULES_DIR) -> list[Standard]:
    """Every rule file under `directory`, oldest version first; any broken file is an error."""
    standards, problems = validate_dir(directory)
    if problems:
        raise UserError("; ".join(str(p) for p in problems))
    if not standards:
        raise UserError(f"no rule files under {directory}")
    return sorted(standards, key=lambda s: (s.standard, s.version))


@dataclass(frozen=True)
class Reloaded:
    """The set now in force and the problems that kept a new one out (if any)."""

    standards: list[Standard]
    problems: list[Problem]

    @property
    def changed(self) -> bool:
        return not self.problems


def reload(current: list[Standard], directory: Path = RULES_DIR) -> Reloaded:
    """Re-read the rule files; a broken file keeps the previously valid set in force."""
    try:
        standards, problems = validate_dir(directory)
    except OSError as exc:
        problems, standards = [Problem(str(directory), 1, str(exc))], []
    if problems or not standards:
        for problem in problems:
            log.error("rule file rejected, keeping the set in force: %s", problem)
        return Reloaded(current, problems or [Problem(str(directory), 1, "no rule files")])
    return Reloaded(sorted(standards, key=lambda s: (s.standard, s.version)), [])


def find(standards: list[Standard], ref: str) -> Standard:
    """`ID@VERSION` → that standard version."""
    standard_id, _, version = ref.partition("@")
    if not version.isdigit():
        raise UserError(f"{ref!r}: expected STANDARD@VERSION, e.g. cmcc-service@1")
    for standard in standards:
        if standard.standard == standard_id and standard.version == int(version):
            return standard
    known = ", ".join(s.key for s in standards) or "none"
    raise UserError(f"no standard {ref} (known: {known})")
