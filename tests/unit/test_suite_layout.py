"""The suite's own layout: pytest imports test modules by their file name (rootdir
"prepend" mode), so two test files of one name in different folders stop collection."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_file_name_is_unique_across_the_suite() -> None:
    names = Counter(path.name for path in TESTS.rglob("*.py") if path.name != "__init__.py")
    assert [name for name, count in names.items() if count > 1 and name != "conftest.py"] == []
