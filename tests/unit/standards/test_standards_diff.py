"""`standards diff`: rules added, removed, and changed parameters."""

from __future__ import annotations

from standards.diff import diff
from standards.loader import load_standards

[V1] = load_standards()


def test_identical_versions_have_no_changes() -> None:
    assert diff(V1, V1) == []


def test_changed_limit_added_and_removed_rules_are_listed() -> None:
    stain = V1.rule("hall.stain_cleanup")
    params = stain.params.model_copy(
        update={"limits": {"default": stain.params.limits["default"] * 2}}
    )
    rules = [r.model_copy(update={"params": params}) if r.id == stain.id else r for r in V1.rules]
    rules = [r for r in rules if r.id != "hotline.closing"]
    v2 = V1.model_copy(update={"version": 2, "rules": rules})
    lines = diff(V1, v2)
    assert "~ hall.stain_cleanup: params.limits.default: PT5M → PT10M" in lines
    assert "- hotline.closing (phrases, HL 1.1(1))" in lines
    assert "+ hotline.closing (phrases, HL 1.1(1))" in diff(v2, V1)
