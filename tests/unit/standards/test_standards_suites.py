"""Every rule's suite passes, and coverage has no gap: a rule without tests fails CI."""

from __future__ import annotations

import pytest

from standards.coverage import coverage
from standards.loader import RULES_DIR, load_standards
from standards.model import Standard
from standards.suites import Case, Suite, check_case, load_suites, suites_dir

STANDARDS = load_standards()


def _cases() -> list[tuple[str, Standard, Suite, Case, int]]:
    found = []
    for standard in STANDARDS:
        for path, suite in load_suites(suites_dir(RULES_DIR / standard.standard)).items():
            if suite.applies_to(standard.version):
                for index, case in enumerate(suite.cases):
                    found.append(
                        (f"{standard.key}:{path.stem}:{index}", standard, suite, case, index)
                    )
    return found


CASES = _cases()


@pytest.mark.parametrize(
    ("name", "standard", "suite", "case", "index"), CASES, ids=[c[0] for c in CASES]
)
def test_suite_case(name: str, standard: Standard, suite: Suite, case: Case, index: int) -> None:
    assert check_case(standard, suite, case, index) == []


def test_every_required_catalog_rule_has_a_rule_and_tests_from_both_sides() -> None:
    rows = coverage(STANDARDS, RULES_DIR)
    assert [row.rule for row in rows if row.gap] == []
    assert len(rows) == 35


def test_a_suite_that_expects_the_wrong_thing_fails() -> None:
    standard = STANDARDS[0]
    suite = Suite.model_validate(
        {
            "rule": "hall.stain_cleanup",
            "start": "2025-03-03T10:00:00+08:00",
            "cases": [
                {
                    "name": "5 min 1 s claimed compliant",
                    "events": [
                        {"at": "PT0S", "type": "hall.stain.reported", "data": {"area": "x"}},
                        {"at": "PT5M1S", "type": "hall.stain.cleaned", "data": {"area": "x"}},
                    ],
                    "expect": [],
                }
            ],
        }
    )
    [failure] = check_case(standard, suite, suite.cases[0], 0)
    assert failure.startswith("expected 0 violation(s), got 1")
