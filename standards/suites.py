"""Rule test suites: events in, the violations expected out, beside each standard.

`rules/<standard>/tests/<rule>.yaml` lists cases for one rule. Each case is run
through the real engine with the whole standard, to the end of its input; the
violations of that rule that stand (after retractions) must be exactly those
expected. Suites are how an owner proves a changed number does what they meant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from events.envelope import Envelope
from standards.model import Standard
from standards.testing import event, run, standing
from standards.verdicts import Violation
from standards.yamlsrc import SourceError, load_yaml, problems_of

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TOLERANCE = 1e-6


class SuiteEvent(BaseModel):
    """One input event; envelope fields default from the suite."""

    model_config = ConfigDict(extra="forbid")

    type: str
    at: timedelta | None = Field(default=None, description="offset from the case start")
    time: AwareDatetime | None = None
    id: str | None = None
    subject: str | None = None
    province: str | None = None
    unit: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_time(self) -> SuiteEvent:
        if (self.at is None) == (self.time is None):
            raise ValueError("give exactly one of at (offset) or time")
        return self


class Expected(BaseModel):
    """A violation that must stand; only the fields given are compared."""

    model_config = ConfigDict(extra="forbid")

    subject: str | None = None
    unit: str | None = None
    measured: float | None = None
    limit: float | None = None
    detected_at: timedelta | None = Field(default=None, description="offset from the case start")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    start: AwareDatetime | None = None
    events: list[SuiteEvent] = Field(min_length=1)
    expect: list[Expected]
    retracted: int | None = Field(default=None, description="retractions expected, when checked")


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = "s1"
    province: str = "GD"
    unit: str = "GD-SZ-0001"


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    versions: list[int] | None = Field(
        default=None, description="versions it applies to; all if absent"
    )
    start: AwareDatetime
    lateness: timedelta = Field(default=timedelta(0), description="how far the watermark trails")
    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[Case] = Field(min_length=1)

    def applies_to(self, version: int) -> bool:
        return self.versions is None or version in self.versions


@dataclass(frozen=True)
class CaseResult:
    suite: str
    rule: str
    version: int
    case: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def suites_dir(standard_dir: Path) -> Path:
    return standard_dir / "tests"


def load_suite(path: Path) -> Suite:
    data, lines = load_yaml(path.read_text(encoding="utf-8"), str(path))
    try:
        return Suite.model_validate(data)
    except ValidationError as exc:
        raise SourceError(problems_of(exc, lines, str(path))) from exc


def load_suites(directory: Path) -> dict[Path, Suite]:
    return {p: load_suite(p) for p in sorted(directory.glob("*.y*ml"))}


def pinned(standard: Standard) -> Standard:
    """The same rules in force at every moment: suites and what-ifs ignore effective dates."""
    return standard.model_copy(update={"effective_from": EPOCH, "effective_to": None})


def case_events(suite: Suite, case: Case, index: int) -> list[Envelope]:
    """The events of one case, envelope fields defaulted from the suite."""
    start = case.start or suite.start
    d = suite.defaults
    return [
        event(
            item.type,
            item.time if item.time is not None else start + (item.at or timedelta(0)),
            item.subject or d.subject,
            unit=item.unit or d.unit,
            province=item.province or d.province,
            id=item.id or f"c{index}-e{n}",
            data=item.data,
        )
        for n, item in enumerate(case.events)
    ]


def run_case(
    standard: Standard, suite: Suite, case: Case, index: int
) -> tuple[list[Violation], int]:
    """The violations of the suite's rule standing at end of input, and how many were retracted.

    The watermark trails the latest event by the suite's lateness, as the stream's does."""
    verdicts = run(
        case_events(suite, case, index), [pinned(standard)], lateness=suite.lateness, flush=True
    )
    return standing(verdicts, suite.rule)


def _differences(expected: Expected, actual: Violation, start: datetime) -> list[str]:
    wrong = []
    for name in ("subject", "unit"):
        want = getattr(expected, name)
        if want is not None and want != getattr(actual, name):
            wrong.append(f"{name} {getattr(actual, name)!r} ≠ {want!r}")
    for name in ("measured", "limit"):
        want = getattr(expected, name)
        got = getattr(actual, name)
        if want is not None and (got is None or abs(got - want) > TOLERANCE):
            wrong.append(f"{name} {got} ≠ {want}")
    if expected.detected_at is not None and actual.detected_at != start + expected.detected_at:
        wrong.append(
            f"detected_at {actual.detected_at.isoformat()} ≠ start + {expected.detected_at}"
        )
    return wrong


def check_case(standard: Standard, suite: Suite, case: Case, index: int) -> list[str]:
    actual, retracted = run_case(standard, suite, case, index)
    start = case.start or suite.start
    failures = []
    if len(actual) != len(case.expect):
        shown = (
            ", ".join(f"{v.subject} (measured {v.measured}, limit {v.limit})" for v in actual)
            or "none"
        )
        failures.append(f"expected {len(case.expect)} violation(s), got {len(actual)}: {shown}")
    remaining = list(actual)
    for expected in case.expect:
        matches = [v for v in remaining if not _differences(expected, v, start)]
        if matches:
            remaining.remove(matches[0])
        elif remaining:
            failures.append("; ".join(_differences(expected, remaining[0], start)))
    if case.retracted is not None and case.retracted != retracted:
        failures.append(f"expected {case.retracted} retraction(s), got {retracted}")
    return failures


def run_suites(standard: Standard, directory: Path) -> list[CaseResult]:
    """Every case of every suite that applies to this standard version."""
    results = []
    rule_ids = {rule.id for rule in standard.rules}
    for path, suite in load_suites(directory).items():
        if not suite.applies_to(standard.version):
            continue
        if suite.rule not in rule_ids:
            results.append(
                CaseResult(
                    str(path),
                    suite.rule,
                    standard.version,
                    "-",
                    [f"no rule {suite.rule} in {standard.key}"],
                )
            )
            continue
        for index, case in enumerate(suite.cases):
            failures = check_case(standard, suite, case, index)
            results.append(CaseResult(str(path), suite.rule, standard.version, case.name, failures))
    return results
