"""Catalog rule → rule file → tests: every required catalog rule must have all three.

A suite counts only with at least one violating case and one compliant case,
so a limit is pinned from both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from standards.catalog import catalog
from standards.model import Standard
from standards.suites import Suite, load_suites


@dataclass(frozen=True)
class Row:
    rule: str
    optional: bool
    rule_file: str | None
    cases: int
    violating: int
    compliant: int

    @property
    def covered(self) -> bool:
        return self.rule_file is not None and self.violating > 0 and self.compliant > 0

    @property
    def gap(self) -> bool:
        return not self.covered and not self.optional


def coverage(standards: list[Standard], rules_dir: Path) -> list[Row]:
    """One row per catalog rule, for the latest version of every standard."""
    latest: dict[str, Standard] = {}
    for standard in standards:
        if standard.standard not in latest or standard.version > latest[standard.standard].version:
            latest[standard.standard] = standard
    where: dict[str, tuple[Standard, Suite | None]] = {}
    for standard in latest.values():
        suites = load_suites(rules_dir / standard.standard / "tests")
        by_rule = {s.rule: s for s in suites.values() if s.applies_to(standard.version)}
        for rule in standard.rules:
            where[rule.id] = (standard, by_rule.get(rule.id))
    rows = []
    for entry in catalog():
        found = where.get(entry.id)
        if found is None:
            rows.append(Row(entry.id, entry.optional, None, 0, 0, 0))
            continue
        standard, suite = found
        cases = suite.cases if suite is not None else []
        rows.append(
            Row(
                entry.id,
                entry.optional,
                f"{standard.standard}/v{standard.version}.yaml",
                len(cases),
                sum(1 for c in cases if c.expect),
                sum(1 for c in cases if not c.expect),
            )
        )
    return rows


def table(rows: list[Row]) -> list[str]:
    lines = [f"{'catalog rule':34} {'rule file':22} {'cases':>5} {'viol':>4} {'ok':>4}  status"]
    for row in rows:
        status = "ok" if row.covered else ("optional" if row.optional else "GAP")
        lines.append(
            f"{row.rule:34} {row.rule_file or '-':22} {row.cases:5d} {row.violating:4d} {row.compliant:4d}  {status}"
        )
    gaps = sum(1 for r in rows if r.gap)
    lines.append(f"{len(rows)} catalog rules, {sum(r.covered for r in rows)} covered, {gaps} gaps")
    return lines
