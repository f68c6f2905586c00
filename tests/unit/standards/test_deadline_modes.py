"""Deadline rules in their modes: a checkpoint anywhere in a case changes no verdict (clocks and
timer keys survive pickling), and params that mix modes are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from standards import snapshot
from standards.kinds.deadline import DeadlineParams
from standards.loader import RULES_DIR
from standards.suites import Case, Suite, case_events, load_suites, pinned, suites_dir
from standards.testing import engine, installed, run
from standards.verdicts import Verdict

[V1] = installed()
PINNED = pinned(V1)
DEADLINE_RULES = {rule.id for rule in V1.rules if rule.kind == "deadline"}
CASES = [
    (f"{suite.rule}:{index}", suite, case, index)
    for suite in load_suites(suites_dir(RULES_DIR / V1.standard)).values()
    if suite.rule in DEADLINE_RULES
    for index, case in enumerate(suite.cases)
]


def _records(verdicts: list[Verdict]) -> list[dict[str, object]]:
    return [v.to_record() for v in verdicts]


def test_every_deadline_mode_has_cases() -> None:
    rules = {suite.rule for _, suite, _, _ in CASES}
    params = [r.params for r in V1.rules if r.id in rules and isinstance(r.params, DeadlineParams)]
    assert len(params) == len(rules)
    assert {p.bound for p in params} == {"max", "min"}
    assert any(p.excused_by for p in params) and any(p.followup for p in params)
    assert any(p.exempt for p in params) and any(p.calendar for p in params)
    assert any(p.anchor and p.anchor.offset.total_seconds() < 0 for p in params)


@pytest.mark.parametrize(("name", "suite", "case", "index"), CASES, ids=[c[0] for c in CASES])
def test_a_checkpoint_mid_case_changes_no_verdict(
    name: str, suite: Suite, case: Case, index: int
) -> None:
    events = case_events(suite, case, index)
    whole = run(events, [PINNED], lateness=suite.lateness, flush=True)
    for split in range(1, len(events)):
        first = engine([PINNED])
        before = run(events[:split], first, lateness=suite.lateness)
        restored = snapshot.loads(snapshot.dumps(first))
        after = run(events[split:], restored, lateness=suite.lateness, flush=True)
        assert _records(before + after) == _records(whole), f"checkpoint after event {split}"


def test_a_working_day_calendar_takes_limits_not_an_anchor() -> None:
    with pytest.raises(ValidationError, match="takes no anchor"):
        DeadlineParams.model_validate(
            {
                "start": "complaint.opened",
                "end": ["complaint.replied"],
                "anchor": {"field": "promised_reply_at"},
                "calendar": "cn-workdays",
            }
        )
