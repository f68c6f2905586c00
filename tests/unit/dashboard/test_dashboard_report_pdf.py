"""The report PDF: Chinese text that survives extraction, the CJK font embedded, English too."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from dashboard import report_font as fonts
from dashboard.data.report import (
    ChannelScore,
    ClauseCount,
    MonthlyReport,
    OpenDispute,
    UnitScore,
    month_period,
)
from dashboard.report_font import ReportFontError, report_font
from dashboard.report_pdf import render_pdf, stars

CST = ZoneInfo("Asia/Shanghai")
START, END = month_period("2026-11")
REPORT = MonthlyReport(
    province="HI",
    month="2026-11",
    start=START,
    end=END,
    channels=[ChannelScore("hall", 200, 9, 8, 1), ChannelScore("hotline", 1000, 5, 5, 0)],
    worst_units=[UnitScore("HI-海口龙华营业厅", "hall", 8, 200, 9, 1)],
    worst_clauses=[ClauseCount("hall.wait_time", "CH 1.4.7", 8, 1, datetime(2026, 11, 2, 9, 10, tzinfo=CST))],
    open_disputes=[
        OpenDispute("a1b2c3d4e5f6a7b8", "HI-海口龙华营业厅", "hall.wait_time",
                    datetime(2026, 11, 2, 9, 10, tzinfo=CST), datetime(2026, 11, 3, 10, 0, tzinfo=CST),
                    "hi-manager", "排队机故障")
    ],
    made_at=datetime(2026, 12, 1, 8, 0, tzinfo=CST),
)  # fmt: skip


def pdf_text(data: bytes) -> str:
    """All pages' text. pypdf decodes the two-byte codes of fpdf2's CID fonts with a NUL
    before each character (the PDF's ToUnicode map is right): the NULs are dropped."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def squashed(text: str) -> str:
    """Text without whitespace: extraction joins neighbouring table cells without a space."""
    return "".join(text.split())


def test_the_chinese_report_reads_back_with_its_figures() -> None:
    found = squashed(pdf_text(render_pdf(REPORT, "zh")))
    for line in (
        "HI 省 2026 年 11 月服务标准稽核报告",
        "统计期间：2026-11-01 至 2026-11-30（北京时间）",
        "营业厅 200 8 96.0% ★★★★☆",
        "10086 热线 1,000 5 99.5% ★★★★★",
        "合计 1,200 13 98.9% ★★★★★",
        "已有 1 条违规经申诉核准作废",
        "HI-海口龙华营业厅 营业厅 8 96.0%",
        "hall.wait_time CH 1.4.7 8 1 2026-11-02 09:10",
        "a1b2c3d4 HI-海口龙华营业厅 hall.wait_time 2026-11-03 hi-manager 排队机故障",
        "第 1 页",
    ):
        assert squashed(line) in found, line


def test_the_cjk_font_is_embedded_as_a_subset() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(REPORT, "zh")))
    fonts_used = reader.pages[0]["/Resources"]["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts_used.values()}
    assert names and all("+" in n and "CJK" in n for n in names), names
    descendant = next(iter(fonts_used.values())).get_object()["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    assert "/FontFile3" in descriptor or "/FontFile2" in descriptor


def test_the_english_report_and_empty_sections() -> None:
    empty = MonthlyReport("HI", "2026-11", START, END, [], [], [], [], REPORT.made_at)
    found = pdf_text(render_pdf(empty, "en"))
    assert "Service standards audit: HI, 2026-11" in found
    assert found.count("Nothing recorded this month") == 3
    assert "No open disputes" in found


def test_stars_read_as_five_marks() -> None:
    assert stars(3, "zh") == "★★★☆☆"
    assert stars(None, "en") == "—"


def test_a_configured_font_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ReportFontError, match=r"SVC_REPORT_FONT=/no/such\.ttc"):
        report_font({"SVC_REPORT_FONT": "/no/such.ttc"})


def test_without_any_cjk_font_the_error_names_the_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(fonts, "KNOWN_FONTS", (str(tmp_path / "none.ttc"),))
    with pytest.raises(ReportFontError, match="fonts-noto-cjk"):
        report_font({})


def test_the_simplified_chinese_face_of_the_noto_collection_is_chosen() -> None:
    font = report_font({})
    if font.path.name == "NotoSansCJK-Regular.ttc":
        assert font.index == 2
        assert font.bold.name == "NotoSansCJK-Bold.ttc"


def test_a_long_list_of_open_disputes_is_cut_and_says_how_many_there_are() -> None:
    many = replace(REPORT, open_dispute_count=250)
    found = squashed(pdf_text(render_pdf(many, "zh")))
    assert squashed("共 250 条未决申诉，此处列出最早的 1 条。") in found
    assert "未决申诉，此处" not in squashed(pdf_text(render_pdf(REPORT, "zh")))
