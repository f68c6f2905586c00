"""A rule file's content cannot change while its version stays the same: the committed lock
(`standards/rules/versions.lock`) holds each version's digest, and the files must match it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from processors.cli import main
from standards.loader import RULES_DIR, load_standards
from standards.lock import check_lock, lock_line, lock_path, read_lock
from standards.testing import installed, revised, set_limit

[V1] = installed()


def test_every_rule_file_is_locked_under_its_version_and_unchanged() -> None:
    report = check_lock(load_standards(), read_lock(lock_path(RULES_DIR)))
    assert report.changed == [], "content changed under a locked version: bump the version"
    assert report.removed == []
    assert report.unlocked == [], "a new version: add its line to standards/rules/versions.lock"


def test_changed_content_under_the_same_version_is_refused_and_a_new_version_is_not() -> None:
    locked = {V1.key: lock_line(V1).split()[1]}
    same_number = revised(
        V1,
        version=1,
        effective_from=V1.effective_from,
        change=set_limit("hall.stain_cleanup", "PT6M"),
    )
    [changed] = check_lock([same_number], locked).changed
    assert changed.startswith("cmcc-service@1: content differs") and "bump the version" in changed
    bumped = revised(
        V1,
        version=2,
        effective_from=V1.effective_from,
        change=set_limit("hall.stain_cleanup", "PT6M"),
    )
    report = check_lock([V1, bumped], locked)
    assert report.ok and report.unlocked == [
        f"cmcc-service@2 is not in versions.lock: once final, add the line '{lock_line(bumped)}'"
    ]
    assert check_lock([bumped], locked).removed == [
        "cmcc-service@1 is locked but has no rule file: a published version stays"
    ]


def test_a_malformed_lock_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "versions.lock"
    path.write_text("# comment\n\ncmcc-service@1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"versions.lock:3: expected"):
        read_lock(path)


def test_validate_fails_on_an_edit_under_a_locked_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    assert main(["standards", "validate", "--dir", str(rules)]) == 0
    rule_file = rules / "cmcc-service" / "v1.yaml"
    text = rule_file.read_text(encoding="utf-8")
    assert "PT5M" in text
    rule_file.write_text(text.replace("PT5M", "PT6M", 1), encoding="utf-8")
    capsys.readouterr()
    assert main(["standards", "validate", "--dir", str(rules)]) == 1
    assert "cmcc-service@1: content differs from the locked version" in capsys.readouterr().out
