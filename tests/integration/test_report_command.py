"""`svcstd report` as an operator runs it: a PDF with the province's figures and nobody else's.

chDB opens one data directory per process, so the rows are loaded and the command
run in child processes, on a chDB of this test's own.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import report_support as month
from pypdf import PdfReader

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=REPO_ROOT, env=env,
        timeout=300, check=False,
    )  # fmt: skip


def squashed(data: bytes) -> str:
    """The PDF's text without whitespace (extraction joins table cells without spaces); pypdf
    puts a NUL before each character of fpdf2's two-byte font codes, dropped too."""
    pages = PdfReader(io.BytesIO(data)).pages
    return "".join("\n".join(p.extract_text() for p in pages).replace("\x00", "").split())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("report-command")
    dsn = f"chdb://{home / 'clickhouse'}"
    loaded = _run(dict(os.environ), str(Path(month.__file__)), dsn)
    assert loaded.returncode == 0, loaded.stderr
    return {**os.environ, "SVC_CLICKHOUSE_DSN": dsn}


def test_the_pdf_holds_the_provinces_scorecard_units_clauses_and_disputes(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "hi.pdf"
    done = _run(env, "-m", "processors.cli", "report", "--province", "hi", "--month", month.MONTH,
                "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "60 checks, 3 violations, 1 open disputes" in done.stderr
    found = squashed(out.read_bytes())
    for line in (
        "HI 省 2026 年 11 月服务标准稽核报告",
        "营业厅 40 2 95.0% ★★★★☆",
        "10086 热线 20 1 95.0% ★★★★☆",
        "合计 60 3 95.0% ★★★★☆",
        "已有 1 条违规经申诉核准作废",
        f"{month.HALL} 营业厅 2 95.0%",
        f"{month.CALL_CENTRE} 10086 热线 1 95.0%",
        "hall.wait_time CH 1.4.7 2 1 2026-11-01 00:10",
        f"hi-cc-1 {month.CALL_CENTRE} hotline.greeting 2026-11-21 hi-manager {month.OPEN_REASON}",
    ):
        assert "".join(line.split()) in found, line
    assert "XJ" not in found
    assert month.OTHER_REASON not in found
    assert "排队机故障" not in found, "an accepted dispute is no longer open"


def test_the_english_pdf_and_a_province_without_rows(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "tj.pdf"
    done = _run(env, "-m", "processors.cli", "report", "--province", "TJ", "--month", month.MONTH,
                "--out", str(out), "--lang", "en")  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = squashed(out.read_bytes())
    assert "Servicestandardsaudit:TJ,2026-11" in found
    assert "Nothingrecordedthismonth" in found
    assert "Noopendisputes" in found


def test_a_bad_month_or_a_missing_font_is_a_clear_error(env: dict[str, str]) -> None:
    done = _run(env, "-m", "processors.cli", "report", "--province", "HI", "--month", "11/2026")
    assert done.returncode == 2
    assert "month must be YYYY-MM" in done.stderr
    missing = {**env, "SVC_REPORT_FONT": "/nowhere/font.ttc"}
    done = _run(missing, "-m", "processors.cli", "report", "--province", "HI", "--month", "2026-11")
    assert done.returncode == 2
    assert "SVC_REPORT_FONT=/nowhere/font.ttc: no such font file" in done.stderr
