"""The monthly audit report as a PDF, in Chinese (or English) with an embedded CJK font.

fpdf2 draws it: it embeds OpenType fonts with PostScript (CFF) outlines, which is
what Noto Sans CJK is, and subsets them to the glyphs used (about 20 KB for a
report). ReportLab, the other maintained generator, refuses those fonts
("postscript outlines are not supported") and would need a TrueType-outline CJK font.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from fpdf import FPDF
from fpdf.fonts import FontFace

from dashboard import humanize
from dashboard.data.report import ChannelScore, MonthlyReport
from dashboard.i18n import catalog, text
from dashboard.report_font import CjkFont, report_font

FAMILY = "cjk"
HEADINGS = FontFace(emphasis="BOLD", fill_color=(225, 232, 240))
Row = Sequence[str]


def stars(count: int | None, lang: str) -> str:
    """★★★☆☆ for three of five; the missing mark when nothing was checked."""
    return humanize.missing(lang) if count is None else "★" * count + "☆" * (5 - count)


def channel_name(channel: str, lang: str) -> str:
    key = f"report.channel.{channel}"
    return text(key, lang) if key in catalog() else channel


def disputes_more(report: MonthlyReport, lang: str) -> str:
    """The note under a cut list of open disputes: how many there are in all."""
    return text(
        "report.disputes_more",
        lang,
        total=f"{report.open_dispute_count:,}",
        shown=len(report.open_disputes),
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


class _Document(FPDF):
    lang = "zh"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.cell(0, 8, text("report.page_number", self.lang, n=self.page_no()), align="C")


def render_pdf(report: MonthlyReport, lang: str, font: CjkFont | None = None) -> bytes:
    """The report as PDF bytes; `font` defaults to `report_font()` (`SVC_REPORT_FONT`)."""
    font = font or report_font()
    pdf = _Document(orientation="portrait", unit="mm", format="A4")
    pdf.lang = lang
    pdf.add_font(FAMILY, "", str(font.path), collection_font_number=font.index)
    pdf.add_font(FAMILY, "B", str(font.bold), collection_font_number=font.index)
    year, month = report.month.split("-")
    title = text("report.title", lang, province=report.province, year=year, month=month)
    pdf.set_title(title)
    pdf.set_creator("svc-standards")
    pdf.set_creation_date(report.made_at)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    _line(pdf, 9, title)
    pdf.set_font(FAMILY, size=9)
    last_day = report.end - timedelta(days=1)
    period = text(
        "report.period",
        lang,
        start=report.start.date().isoformat(),
        end=last_day.date().isoformat(),
    )
    _line(pdf, 5, period)
    _line(pdf, 5, text("report.made_at", lang, when=_when(report.made_at)))
    _scorecard(pdf, report, lang)
    _section(pdf, text("report.worst_units", lang))
    _table(
        pdf,
        [text(f"report.col.{c}", lang) for c in ("unit", "channel", "violations", "rate")],
        [
            [
                u.unit,
                channel_name(u.channel, lang),
                f"{u.violations:,}",
                humanize.percent(u.rate, lang),
            ]
            for u in report.worst_units
        ],
        (3, 2, 1.2, 1.2),
        text("report.no_rows", lang),
        numbers=(2, 3),
    )
    _section(pdf, text("report.worst_clauses", lang))
    _table(
        pdf,
        [text(f"report.col.{c}", lang) for c in ("rule", "clause", "violations", "units", "first")],
        [
            [c.rule, c.clause, f"{c.violations:,}", f"{c.units:,}", _when(c.first_detected)]
            for c in report.worst_clauses
        ],
        (2.6, 1.8, 1, 1, 1.6),
        text("report.no_rows", lang),
        numbers=(2, 3),
    )
    _section(pdf, text("report.open_disputes", lang))
    _table(
        pdf,
        [
            text(f"report.col.{c}", lang)
            for c in ("violation", "unit", "rule", "filed", "filed_by", "reason")
        ],
        [
            [
                d.violation_id[:8],
                d.unit,
                d.rule,
                d.filed_at.date().isoformat(),
                d.filed_by,
                d.reason,
            ]
            for d in report.open_disputes
        ],
        (1.2, 2.2, 2, 1.4, 1.4, 2.8),
        text("report.no_disputes", lang),
    )
    if report.open_dispute_count > len(report.open_disputes):
        pdf.set_font(FAMILY, size=8)
        _line(pdf, 5, disputes_more(report, lang))
    return bytes(pdf.output())


def _scorecard(pdf: FPDF, report: MonthlyReport, lang: str) -> None:
    _section(pdf, text("report.scorecard", lang))

    def line(name: str, score: ChannelScore) -> Row:
        return [
            name,
            f"{score.checks:,}",
            f"{score.violations:,}",
            humanize.percent(score.rate, lang),
            stars(score.stars, lang),
        ]

    rows = [line(channel_name(c.channel, lang), c) for c in report.channels]
    if rows:
        rows.append(line(text("report.total", lang), report.total))
    _table(
        pdf,
        [
            text(f"report.col.{c}", lang)
            for c in ("channel", "checks", "violations", "rate", "stars")
        ],
        rows,
        (2.4, 1.2, 1.2, 1.2, 1.4),
        text("report.no_rows", lang),
        numbers=(1, 2, 3),
    )
    pdf.set_font(FAMILY, size=8)
    voided = report.total.voided
    if voided:
        _line(pdf, 5, text("report.voided_note", lang, n=f"{voided:,}"))
    _line(pdf, 5, text("report.stars_note", lang))


def _line(pdf: FPDF, height: float, content: str) -> None:
    """A paragraph the width of the page, the next one starting below it at the margin."""
    pdf.multi_cell(0, height, content, new_x="LMARGIN", new_y="NEXT")


def _section(pdf: FPDF, title: str) -> None:
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 12)
    _line(pdf, 8, title)


def _table(
    pdf: FPDF,
    headers: Row,
    rows: Sequence[Row],
    widths: Sequence[float],
    empty: str,
    numbers: Sequence[int] = (),
) -> None:
    """A table with a shaded header row; the columns at `numbers` aligned right."""
    pdf.set_font(FAMILY, size=9)
    if not rows:
        _line(pdf, 6, empty)
        return
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=HEADINGS,
        line_height=6,
        padding=1,
        first_row_as_headings=True,
        text_align=tuple("RIGHT" if i in numbers else "LEFT" for i in range(len(headers))),
    ) as table:
        for values in [headers, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
