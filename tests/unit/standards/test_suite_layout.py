"""The suite's own layout (kept here for want of a package of its own).

pytest imports test modules by file name, putting each test file's folder on
sys.path ("prepend" mode). Two test files of one name therefore stop collection,
and a test module directly in tests/unit would put tests/unit on sys.path, where
its folders `events/`, `standards/` and `processors/` (no __init__.py, one per
package under test) would shadow the packages themselves as namespace packages.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]


def test_every_test_file_name_is_unique_across_the_suite() -> None:
    names = Counter(path.name for path in TESTS.rglob("*.py") if path.name != "__init__.py")
    assert [name for name, count in names.items() if count > 1 and name != "conftest.py"] == []


def test_unit_tests_live_in_the_folder_of_their_package() -> None:
    unit = TESTS / "unit"
    assert sorted(p.name for p in unit.glob("*.py")) == []
    packages = {p.name for p in unit.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert packages <= {"events", "standards", "processors", "dashboard"}
    assert not list(unit.rglob("__init__.py"))
