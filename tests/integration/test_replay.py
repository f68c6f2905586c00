"""Replay of history against the real ClickHouse engine (chDB), no broker needed.

The archive (`svc.events`) and the verdicts in force (`svc.violations`) are
written the way the projector writes them (`ClickHouseSink`). A replay under a
draft must find exactly what offline evaluation (`standards.evaluate`) finds
under that draft, and its diff must list exactly the findings that only one
side has: a finding is (rule, subject, occurrence), whatever the version.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from clickhouse_connect.driver.client import Client
from scenario_support import simulate_file

from events.errors import UserError
from events.topics import topic_for
from processors.replay import diff, whatif
from processors.replay.run import Request, replay
from processors.sink.batch_sink import ClickHouseSink
from standards.evaluate import evaluate, read_lines
from standards.loader import RULES_DIR, find, load_standard, load_standards
from standards.model import Standard
from standards.suites import pinned
from standards.verdicts import Violation

pytestmark = pytest.mark.integration

# A period inside the simulated one, so entities cross both of its ends; no other test
# of the session writes events or violations this far ahead.
SIM_START = "2028-05-01"
START = datetime.fromisoformat("2028-05-03T00:00:00+08:00")
END = datetime.fromisoformat("2028-05-07T12:00:00+08:00")
REMOVED_RULE = "hotline.greeting"
DUPLICATED = 2_000


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "events.jsonl"
    # provinces of its own: the session's chDB is shared, and the stream scenarios
    # compare every standing violation of their provinces' units
    return simulate_file(path, "GS,NM", SIM_START, "8d", None, seed=8)


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cmcc-service@2: waits tightened (adds), urban repairs loosened (removes), one rule gone."""
    spec = yaml.safe_load((RULES_DIR / "cmcc-service" / "v1.yaml").read_text(encoding="utf-8"))
    spec["version"] = 2
    spec["changelog"].append({"version": 2, "note": "replay test draft"})
    rules = {rule["id"]: rule for rule in spec["rules"]}
    rules["hall.wait_time"]["params"]["limits"] = {
        "gotone_vip": "PT8M",
        "gotone": "PT12M",
        "default": "PT30M",
    }
    rules["repair.deadline"]["params"]["limits"] = {
        "urban": "PT60H",
        "rural": "PT72H",
        "default": "PT60H",
    }
    spec["rules"] = [rule for rule in spec["rules"] if rule["id"] != REMOVED_RULE]
    for group in spec["scoring"]["groups"].values():
        group["rules"] = [rule for rule in group["rules"] if rule != REMOVED_RULE]
    path = tmp_path_factory.mktemp("drafts") / "cmcc-service" / "v2.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def archive(clickhouse: Client, events_file: Path) -> list[bytes]:
    """Every line into svc.events as the projector stores it; some of them twice, and one
    row that is JSON but no valid event (the projector keeps such rows). Returns the lines."""
    lines = list(read_lines(events_file))
    client = clickhouse
    sink = ClickHouseSink(client)
    for offset, line in enumerate(lines):
        sink.add(topic_for(json.loads(line)["type"]), 0, offset, line)
    sink.flush()
    for offset, line in enumerate(_duplicated(lines)):
        sink.add(topic_for(json.loads(line)["type"]), 1, offset, line)
    bogus = json.loads(lines[len(lines) // 2])
    bogus.update(id="replay-test-bogus", type="hall.visit.teleported")
    sink.add("svc.events.hall", 2, 0, json.dumps(bogus).encode())
    sink.flush()
    return lines


def _in_force(client: Client, violations: Iterable[Violation]) -> set[str]:
    """The stream's verdicts into svc.violations; a few are then retracted (a later revision).
    Returns the retracted ids."""
    sink = ClickHouseSink(client)
    retracted: set[str] = set()
    for offset, violation in enumerate(violations):
        record = violation.to_record()
        sink.add("svc.violations", 0, 2 * offset, json.dumps(record).encode())
        if offset % 50 == 0:
            retracted.add(violation.violation_id)
            record.update(retracted=True, revision=record["revision"] + 1)
            sink.add("svc.violations", 0, 2 * offset + 1, json.dumps(record).encode())
    sink.flush()
    return retracted


def _duplicated(lines: list[bytes]) -> list[bytes]:
    return lines[len(lines) // 2 :][:DUPLICATED]


def _stamped_in_period(line: bytes) -> bool:
    return START <= datetime.fromisoformat(json.loads(line)["time"]) < END


def _in_period(violations: Iterable[Violation]) -> dict[str, Violation]:
    return {v.violation_id: v for v in violations if START <= v.detected_at < END}


def _finding(v: Violation) -> tuple[str, str, str]:
    return (v.rule, v.subject, v.occurrence)


def test_a_replay_under_a_draft_lists_exactly_what_offline_evaluation_adds_and_removes(
    clickhouse: Client, archive: list[bytes], draft: Path
) -> None:
    lines = archive
    stream = evaluate(lines, load_standards())
    retracted = _in_force(clickhouse, stream.violations.values())
    standard: Standard = load_standard(draft)

    blocks: list[int] = []
    totals: list[int] = []
    run = replay(
        clickhouse,
        Request("test-draft-v2", standard, START, END, draft),
        on_total=totals.append,
        on_block=blocks.append,
    )

    # the replay is the offline evaluation, under the draft, of the period's events: an event
    # stored twice is read once, the bogus row is counted invalid
    period = [line for line in lines if _stamped_in_period(line)]
    assert all(map(_stamped_in_period, _duplicated(lines)))
    offline = evaluate(period, [pinned(standard)], until=END)
    assert run.events == offline.events == len(period) and run.invalid == 1
    assert totals == [len(period) + 1] and sum(blocks) == totals[0] and len(blocks) > 1
    stored = clickhouse.query(
        f"SELECT violation_id FROM {whatif.VIOLATIONS} WHERE replay = 'test-draft-v2'"
    ).result_rows
    assert {row[0] for row in stored} == set(offline.violations)

    in_force = {
        i: v for i, v in _in_period(stream.violations.values()).items() if i not in retracted
    }
    whatif_found = _in_period(offline.violations.values())
    kept = {_finding(v) for v in in_force.values()} & {_finding(v) for v in whatif_found.values()}
    added = {i for i, v in whatif_found.items() if _finding(v) not in kept}
    removed = {i for i, v in in_force.items() if _finding(v) not in kept}
    assert added and removed and kept, "the draft must add, remove and keep findings"
    assert any(in_force[i].rule == REMOVED_RULE for i in removed)
    assert not retracted & removed

    finished = whatif.read_run(clickhouse, "test-draft-v2")
    assert finished is not None and finished.version == 2 and finished.draft == str(draft)
    listed = list(diff.changes(clickhouse, finished))
    assert {c.violation_id for c in listed if c.change == "+"} == added
    assert {c.violation_id for c in listed if c.change == "-"} == removed
    rows = {(r.rule, r.province): r for r in diff.summary(clickhouse, finished)}
    assert Counter({k: r.added for k, r in rows.items() if r.added}) == Counter(
        (whatif_found[i].rule, whatif_found[i].province) for i in added
    )
    assert Counter({k: r.removed for k, r in rows.items() if r.removed}) == Counter(
        (in_force[i].rule, in_force[i].province) for i in removed
    )
    assert sum(r.in_force for r in rows.values()) == len(in_force)
    assert sum(r.whatif for r in rows.values()) == len(whatif_found)


def test_the_stored_diff_is_the_live_diff_and_runs_without_one_are_diffed_live(
    clickhouse: Client, archive: list[bytes], draft: Path
) -> None:
    """The draft replay of the first test (run again here if this test runs alone)."""
    run = whatif.read_run(clickhouse, "test-draft-v2") or replay(
        clickhouse, Request("test-draft-v2", load_standard(draft), START, END, draft)
    )
    assert run.diff_stored
    recorded_before = replace(run, diff_stored=False)  # as a run from before the stored diff
    for provinces in (None, {"GS"}, {"NM"}, {"XZ"}):
        stored = diff.summary(clickhouse, run, provinces)
        assert stored == diff.summary(clickhouse, recorded_before, provinces)
        listed = list(diff.changes(clickhouse, run, provinces))
        assert listed == list(diff.changes(clickhouse, recorded_before, provinces))
        assert list(diff.changes(clickhouse, run, provinces, limit=3)) == listed[:3]
        assert bool(stored) == (provinces != {"XZ"})
        assert all(r.province in (provinces or {"GS", "NM"}) for r in stored)
        assert sum(r.added + r.removed for r in stored) == len(listed)

    whatif.drop(clickhouse, "test-draft-v2")
    left = clickhouse.query(
        f"SELECT (SELECT count() FROM {whatif.DIFF} WHERE replay = 'test-draft-v2')"
        f" + (SELECT count() FROM {whatif.CHANGES} WHERE replay = 'test-draft-v2')"
    ).result_rows[0][0]
    assert left == 0


def test_a_replay_name_is_kept_unless_replaced(clickhouse: Client, archive: list[bytes]) -> None:
    v1 = find(load_standards(), "cmcc-service@1")
    short = Request("test-rename", v1, START, START + timedelta(hours=12))
    first = replay(clickhouse, short)
    with pytest.raises(UserError, match="exists"):
        replay(clickhouse, short)
    again = replay(clickhouse, short, replace=True)
    stored = clickhouse.query(
        f"SELECT count() FROM {whatif.VIOLATIONS} WHERE replay = 'test-rename'"
    ).result_rows[0][0]
    assert again.violations == first.violations == stored
