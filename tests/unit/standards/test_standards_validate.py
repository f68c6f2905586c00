"""Broken rule files are rejected with file, line and reason; a running process keeps the valid set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from events.errors import UserError
from processors.cli import main
from standards.loader import RULES_DIR, load_standards, reload, validate_dir

V1 = RULES_DIR / "cmcc-service" / "v1.yaml"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules" / "cmcc-service"
    target.mkdir(parents=True)
    shutil.copy(V1, target / "v1.yaml")
    return target / "v1.yaml"


def _line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(needle)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_rule_files_are_valid() -> None:
    standards, problems = validate_dir(RULES_DIR)
    assert problems == []
    assert [s.key for s in standards] == ["cmcc-service@1"]


def test_bad_yaml_reports_the_line(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, "        gotone: PT15M\n", "        gotone: [PT15M\n")
    _, [problem] = validate_dir(tmp_path / "rules")
    assert problem.file == str(path)
    assert "bad YAML" in problem.reason
    assert abs(problem.line - _line_of(path, "gotone: [PT15M")) <= 1


def test_unknown_kind_reports_the_rule_line(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, "    kind: attributes\n", "    kind: telepathy\n")
    _, [problem] = validate_dir(tmp_path / "rules")
    assert problem.line == _line_of(path, "kind: telepathy") - 2  # the rule's first line
    assert "telepathy" in problem.reason


def test_negative_limit_reports_the_limit_line(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, "        gotone: PT15M\n", "        gotone: -PT15M\n")
    _, [problem] = validate_dir(tmp_path / "rules")
    assert problem.line == _line_of(path, "gotone: -PT15M")
    assert "must be positive" in problem.reason
    assert "limits.gotone" in problem.reason


def test_unknown_catalog_id_reports_the_id_line(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, "  - id: hall.stain_cleanup\n", "  - id: hall.stain_polish\n")
    _, [problem] = validate_dir(tmp_path / "rules")
    assert problem.line == _line_of(path, "id: hall.stain_polish")
    assert "unknown catalog id 'hall.stain_polish'" in problem.reason
    assert str(problem).startswith(f"{path}:{problem.line}: ")


def test_validate_command_prints_file_line_reason_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path)
    _edit(path, "        gotone: PT15M\n", "        gotone: PT0S\n")
    assert main(["standards", "validate", "--dir", str(tmp_path / "rules")]) == 1
    line = _line_of(path, "gotone: PT0S")
    assert f"{path}:{line}: " in capsys.readouterr().out


def test_reload_keeps_the_set_in_force_when_a_file_breaks(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    current = load_standards(tmp_path / "rules")
    _edit(path, "    kind: ratio\n", "    kind: vibes\n")
    reloaded = reload(current, tmp_path / "rules")
    assert reloaded.standards is current
    assert not reloaded.changed
    assert reloaded.problems


def test_reload_takes_a_valid_change(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    current = load_standards(tmp_path / "rules")
    _edit(path, "        default: PT5M\n", "        default: PT6M\n")
    reloaded = reload(current, tmp_path / "rules")
    assert reloaded.changed
    assert (
        reloaded.standards[0].rule("hall.stain_cleanup").params.limits["default"].total_seconds()
        == 360
    )


def test_a_version_that_disagrees_with_its_file_name_is_rejected(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, "version: 1\n", "version: 2\n")
    _, [problem] = validate_dir(tmp_path / "rules")
    assert problem.line == _line_of(path, "version: 2")


def test_load_standards_raises_a_user_error_for_a_broken_file(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    _edit(path, "    kind: ratio\n", "    kind: vibes\n")
    with pytest.raises(UserError, match=r"v1\.yaml:\d+: "):
        load_standards(tmp_path / "rules")
