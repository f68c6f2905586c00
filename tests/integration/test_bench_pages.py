"""The page benchmark at a ten-thousandth of its size: the load is what it claims, every page
is timed for both viewers, and a provincial manager's queries are bound to the province.

The benchmark runs in a subprocess: chDB opens one data directory per process, and
this session's is the shared test database.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.pages import PAGES as DASHBOARD_PAGES

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH = REPO_ROOT / "bench"

BREAK_AND_VERIFY = """
import sys
sys.path.insert(0, sys.argv[1])
from page_data import Size, verify
from processors.storage.client import connect
client = connect("chdb://" + sys.argv[2])
assert verify(client, Size.at(1 / 10_000)) == []
client.command("ALTER TABLE svc.events DELETE WHERE type = 'hall.visit.called' SETTINGS mutations_sync = 1")
client.command("ALTER TABLE svc.checks DELETE WHERE violated SETTINGS mutations_sync = 1")
print("\\n".join(verify(client, Size.at(1 / 10_000))))
client.close()
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )


def test_every_registered_page_is_timed_for_both_viewers(tmp_path: Path) -> None:
    ran = _run(
        str(BENCH / "bench_pages.py"), "--scale", "1/10000", "--runs", "2", "--dir", str(tmp_path)
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    figures = json.loads((tmp_path / "pages-1_10000.json").read_text(encoding="utf-8"))

    assert figures["data"]["rows"] == {
        "checks": 6_000,
        "clocks": 780,
        "deadletters": 100,
        "disputes": 16,
        "events": 10_000,
        "violations": 1_050,
        "whatif_runs": 1,
        "whatif_violations": 100,
    }
    pages = figures["pages"]
    assert set(pages) == {p.key for p in DASHBOARD_PAGES}
    assert figures["pages_not_wired"] == []
    for by_viewer in pages.values():
        assert set(by_viewer) == {"hq_auditor", "province_manager GD"}
        for figure in by_viewer.values():
            assert len(figure["warm_runs_seconds"]) == 2
            assert (
                0
                < figure["warm_median_seconds"]
                == pytest.approx(statistics.median(figure["warm_runs_seconds"]), abs=0.001)
            )
    unfilled = ("dashboard.data.disputes.", "dashboard.data.clocks.")  # no rows generated
    for key in ("scorecard", "drilldown", "rules", "violations", "report"):
        for query in pages[key]["hq_auditor"]["queries"]:
            assert query["rows_to_read"] > 0 or query["query"].startswith(unfilled), query
    manager = pages["violations"]["province_manager GD"]["queries"]
    bound = [s["parameters"] for q in manager for s in q["statements"] if s["parameters"]]
    assert bound and all(p.get("scope") == ["GD"] for p in bound)
    assert figures["slowest"]["query"].startswith("dashboard.")
    # which query is slowest at this scale is a matter of timing; that its plan is printed is not
    assert figures["slowest"]["explain"] and all(figures["slowest"]["explain"])
    assert "dashboard.data.violations.find_violations" not in figures["untimed_query_functions"]

    again = _run(
        str(BENCH / "bench_pages.py"), "--scale", "1/10000", "--runs", "1", "--dir", str(tmp_path)
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reusing the load" in again.stdout


def test_the_load_check_names_missing_evidence_and_checks(tmp_path: Path) -> None:
    loaded = _run(
        str(BENCH / "bench_pages.py"), "--scale", "1/10000", "--runs", "1", "--dir", str(tmp_path)
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    broken = _run("-c", BREAK_AND_VERIFY, str(BENCH), str(tmp_path / "pages-chdb-1_10000"))
    assert broken.returncode == 0, broken.stderr[-3000:]
    problems = broken.stdout.splitlines()
    assert len(problems) == 2
    assert problems[0].endswith("evidence ids of the sample are not in svc.events")
    assert problems[1] == "0 failed checks for 1000 violations"
