"""Compare the violations an evaluation found with a simulator's ground truth.

The truth is built by construction (each injected case is made to one side of
its limit), never by the engine. Per rule: cases found, cases missed, compliant
cases flagged, and violations on entities that were never a case (background
traffic is built far inside every limit, so those are false positives too).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RuleScore:
    found: int = 0
    missed: list[str] = field(default_factory=list)
    flagged_compliant: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    compliant_cases: int = 0

    @property
    def exact(self) -> bool:
        return not (self.missed or self.flagged_compliant or self.unexpected)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def compare(
    found: Iterable[dict[str, Any]], truth: Iterable[dict[str, Any]]
) -> dict[str, RuleScore]:
    """Per rule, by (rule, subject)."""
    cases: dict[tuple[str, str], bool] = {}
    for case in truth:
        key = (case["rule"], case["subject"])
        cases[key] = cases.get(key, False) or bool(case["violation"])
    flagged = {(v["rule"], v["subject"]) for v in found}
    scores: dict[str, RuleScore] = defaultdict(RuleScore)
    for (rule, subject), violation in cases.items():
        score = scores[rule]
        if violation:
            if (rule, subject) in flagged:
                score.found += 1
            else:
                score.missed.append(subject)
        else:
            score.compliant_cases += 1
            if (rule, subject) in flagged:
                score.flagged_compliant.append(subject)
    for rule, subject in sorted(flagged - cases.keys()):
        scores[rule].unexpected.append(subject)
    return dict(sorted(scores.items()))


def report(scores: dict[str, RuleScore]) -> list[str]:
    lines = [f"{'rule':34} {'found':>7} {'missed':>7} {'fp-case':>7} {'fp-bg':>7} {'ok-cases':>8}"]
    for rule, s in scores.items():
        lines.append(
            f"{rule:34} {s.found:7d} {len(s.missed):7d} {len(s.flagged_compliant):7d} "
            f"{len(s.unexpected):7d} {s.compliant_cases:8d}"
        )
        for label, subjects in (
            ("missed", s.missed),
            ("flagged compliant", s.flagged_compliant),
            ("unexpected", s.unexpected),
        ):
            if subjects:
                lines.append(
                    f"    {label}: {', '.join(subjects[:5])}{' …' if len(subjects) > 5 else ''}"
                )
    exact = all(s.exact for s in scores.values())
    lines.append("truth reproduced exactly" if exact else "truth NOT reproduced")
    return lines
