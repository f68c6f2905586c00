"""`svcstd evaluate`: invalid lines to the dead-letter file, standing violations out, compare, truth."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from processors.cli import main
from standards.evaluate import Outcome, evaluate
from standards.loader import load_standards
from standards.testing import as_json, event

CST = timezone(timedelta(hours=8))


def _line(event_id: str, kind: str, subject: str, time: str, **data: object) -> str:
    moment = datetime.fromisoformat(time)
    return json.dumps(
        as_json(event(kind, moment, subject, id=event_id, **data)), ensure_ascii=False
    )


@pytest.fixture
def events(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    lines = [
        _line("1", "hall.stain.reported", "s1", "2026-03-02T10:00:00+08:00", area="x"),
        "{not json",
        _line("2", "hall.stain.cleaned", "s1", "2026-03-02T10:05:01+08:00", area="x"),
        _line("3", "hall.stain.reported", "s2", "2026-03-02T10:00:00+08:00", area="x"),
        _line("4", "hall.stain.cleaned", "s2", "2026-03-02T10:05:00+08:00", area="x"),
        _line("5", "hall.stain.reported", "s3", "2026-03-02T10:20:00+08:00", area="x"),
        "",
        _line("6", "hall.day.closed", "hd", "2026-03-02T10:30:00+08:00"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_writes_standing_violations_and_dead_letters(events: Path, tmp_path: Path) -> None:
    out, dead, kpis = tmp_path / "v.jsonl", tmp_path / "d.jsonl", tmp_path / "k.jsonl"
    code = main(
        [
            "evaluate",
            "--events",
            str(events),
            "--out",
            str(out),
            "--deadletter",
            str(dead),
            "--kpis",
            str(kpis),
        ]
    )
    assert code == 0
    found = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(v["subject"] for v in found) == ["s1", "s3"]
    for violation in found:
        assert {
            "rule",
            "subject",
            "province",
            "unit",
            "clause",
            "standard",
            "version",
            "detected_at",
            "evidence",
        } <= violation.keys()
    [letter] = [json.loads(line) for line in dead.read_text(encoding="utf-8").splitlines()]
    assert letter["line"] == 2
    assert letter["raw"] == "{not json"
    rows = [json.loads(line) for line in kpis.read_text(encoding="utf-8").splitlines()]
    [day] = [r for r in rows if r["kind"] == "rule_day" and r["rule"] == "hall.stain_cleanup"]
    assert (day["checked"], day["violated"]) == (3, 2)


def test_truth_comparison_passes_and_fails(events: Path, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    case = {"rule": "hall.stain_cleanup", "province": "GD", "unit": "GD-SZ-0001"}
    good.write_text(
        "\n".join(
            json.dumps(case | {"subject": s, "violation": v})
            for s, v in (("s1", True), ("s2", False), ("s3", True))
        ),
        encoding="utf-8",
    )
    bad.write_text(json.dumps(case | {"subject": "s2", "violation": True}), encoding="utf-8")
    assert main(["evaluate", "--events", str(events), "--truth", str(good)]) == 0
    assert main(["evaluate", "--events", str(events), "--truth", str(bad)]) == 1


def test_compare_prints_counts_per_rule_and_province(
    events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["evaluate", "--events", str(events), "--compare", "cmcc-service@1", "cmcc-service@1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "hall.stain_cleanup" in out
    assert any(
        line.split()[:2] == ["hall.stain_cleanup", "GD"] and line.split()[-1] == "+0"
        for line in out.splitlines()
    )


def test_a_named_standard_version_applies_to_every_event(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.jsonl"
    assert (
        main(
            ["evaluate", "--events", str(events), "--standard", "cmcc-service@1", "--out", str(out)]
        )
        == 0
    )
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert main(["evaluate", "--events", str(events), "--standard", "cmcc-service@9"]) == 2


def test_diff_command_compares_a_draft_file_with_the_published_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from standards.loader import RULES_DIR

    draft_dir = tmp_path / "cmcc-service"
    draft_dir.mkdir()
    text = (RULES_DIR / "cmcc-service" / "v1.yaml").read_text(encoding="utf-8")
    draft = draft_dir / "v2.yaml"
    draft.write_text(
        text.replace("version: 1\n", "version: 2\n", 1).replace(
            "        default: PT5M\n", "        default: PT4M\n", 1
        ),
        encoding="utf-8",
    )
    assert main(["standards", "diff", "cmcc-service@1", str(draft)]) == 0
    out = capsys.readouterr().out
    assert "cmcc-service@1 → cmcc-service@2" in out
    assert "~ hall.stain_cleanup: params.limits.default: PT5M → PT4M" in out


def _stains() -> list[bytes]:
    """s1 cleaned in time, s2 never, s3 late (10:30), s4 reported near the end."""
    lines = [
        _line("1", "hall.stain.reported", "s1", "2026-03-02T10:00:00+08:00", area="x"),
        _line("2", "hall.stain.cleaned", "s1", "2026-03-02T10:02:00+08:00", area="x"),
        _line("3", "hall.stain.reported", "s2", "2026-03-02T10:10:00+08:00", area="x"),
        "{not json",
        _line("4", "hall.stain.reported", "s3", "2026-03-02T10:20:00+08:00", area="x"),
        _line("5", "hall.stain.reported", "s4", "2026-03-02T10:29:00+08:00", area="x"),
        _line("6", "hall.stain.cleaned", "s3", "2026-03-02T10:30:00+08:00", area="x"),
    ]
    return [line.encode() for line in lines]


def _standing(outcome: Outcome) -> dict[str, str]:
    return {v.subject: v.detected_at.isoformat() for v in outcome.violations.values()}


def test_until_far_past_the_data_fires_the_pending_deadlines() -> None:
    standards = load_standards()
    flushed = evaluate(_stains(), standards)
    # the end of input is 10:30: s4's deadline (10:34) is still pending
    assert _standing(flushed) == {
        "s2": "2026-03-02T10:15:00+08:00",
        "s3": "2026-03-02T10:30:00+08:00",
    }
    later = evaluate(_stains(), standards, until=datetime(2026, 3, 9, tzinfo=CST))
    assert _standing(later) == _standing(flushed) | {"s4": "2026-03-02T10:34:00+08:00"}
    assert (later.events, later.invalid, later.after_until) == (6, 1, 0)


def test_events_at_or_after_until_are_not_evaluated() -> None:
    standards = load_standards()
    # s3 reported exactly at `until`: skipped, like s4's report and s3's cleaning
    at_s3 = evaluate(_stains(), standards, until=datetime(2026, 3, 2, 10, 20, tzinfo=CST))
    assert _standing(at_s3) == {"s2": "2026-03-02T10:15:00+08:00"}
    assert (at_s3.events, at_s3.invalid, at_s3.after_until) == (3, 1, 3)
    # by 10:26 s3's deadline (10:25) has passed; its cleaning at 10:30 is not seen
    before_cleaning = evaluate(_stains(), standards, until=datetime(2026, 3, 2, 10, 26, tzinfo=CST))
    assert _standing(before_cleaning) == {
        "s2": "2026-03-02T10:15:00+08:00",
        "s3": "2026-03-02T10:25:00+08:00",
    }
    assert (before_cleaning.events, before_cleaning.after_until) == (4, 2)
    # a deadline exactly at `until` has not passed yet
    at_deadline = evaluate(_stains(), standards, until=datetime(2026, 3, 2, 10, 15, tzinfo=CST))
    assert _standing(at_deadline) == {}


def test_the_until_option_answers_as_of_a_time(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.jsonl"
    args = ["evaluate", "--events", str(events), "--out", str(out)]

    def subjects() -> list[str]:
        lines = out.read_text(encoding="utf-8").splitlines()
        return sorted(json.loads(line)["subject"] for line in lines)

    assert main([*args, "--until", "2026-03-02T10:24:00+08:00"]) == 0
    assert subjects() == ["s1"]  # s1 was cleaned late; s3's deadline (10:25) is still ahead
    assert main([*args, "--until", "2026-03-02T10:26:00+08:00"]) == 0
    assert subjects() == ["s1", "s3"]


def test_an_until_without_offset_is_refused(
    events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["evaluate", "--events", str(events), "--until", "2026-03-02T10:10:00"])
    assert exited.value.code == 2
    assert "has no offset" in capsys.readouterr().err
