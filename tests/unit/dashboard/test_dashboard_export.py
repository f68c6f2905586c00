"""CSV and Excel exports: Chinese headers that Excel reads, the rows as shown, times in China time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.export import csv_bytes, xlsx_bytes
from dashboard.localtime import SHANGHAI as DISPLAY_TZ


def wall(*fields: int) -> datetime:
    """What Excel holds for a China time: the wall-clock reading, without a zone."""
    return datetime(*fields, tzinfo=DISPLAY_TZ).replace(tzinfo=None)


ROWS = [
    {"省份": "GD", "单位": "广州天河营业厅", "检出时间": datetime(2026, 11, 3, 1, 30, tzinfo=UTC),
     "实测": 720.5, "限值": None, "证据": ["ev-1", "ev-2"]},
    {"省份": "GD", "单位": "深圳福田营业厅", "检出时间": datetime(2026, 11, 4, 16, 0, tzinfo=UTC),
     "实测": 3, "限值": 600.0, "证据": []},
]  # fmt: skip


def test_csv_starts_with_a_bom_and_keeps_chinese_headers_and_cells() -> None:
    data = csv_bytes(ROWS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["省份", "单位", "检出时间", "实测", "限值", "证据"]
    assert rows[1] == ["GD", "广州天河营业厅", "2026-11-03 09:30:00", "720.5", "", "ev-1, ev-2"]
    assert rows[2][2] == "2026-11-05 00:00:00"
    assert len(rows) == 3


def test_xlsx_reads_back_with_the_same_headers_values_and_local_times() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes(ROWS, sheet="violations")))
    sheet = book["violations"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["省份", "单位", "检出时间", "实测", "限值", "证据"]
    assert values[1] == [
        "GD",
        "广州天河营业厅",
        wall(2026, 11, 3, 9, 30),
        720.5,
        None,
        "ev-1, ev-2",
    ]
    assert values[2][3] == 3
    assert values[2][4] == 600.0
    assert len(values) == 3
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"


def test_a_dataframe_exports_like_its_rows_with_numbers_as_numbers() -> None:
    rows = [{**row, "实测": float(row["实测"]), "违规数": 7} for row in ROWS]
    frame = pd.DataFrame(rows)
    assert csv_bytes(frame) == csv_bytes(rows)
    sheet = load_workbook(io.BytesIO(xlsx_bytes(frame))).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == [
        "GD", "广州天河营业厅", wall(2026, 11, 3, 9, 30), 720.5, None, "ev-1, ev-2", 7
    ]  # fmt: skip
    assert sheet["G2"].data_type == "n"


def test_an_empty_table_is_a_header_only_file() -> None:
    frame = pd.DataFrame(columns=["规则", "违规数"])
    assert csv_bytes(frame).decode("utf-8-sig") == "规则,违规数\r\n"
    assert csv_bytes([]) == b"\xef\xbb\xbf\r\n"


def test_naive_times_are_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="naive"):
        csv_bytes([{"t": wall(2026, 11, 3, 9, 30)}])


def test_long_sheet_names_are_cut_to_what_excel_accepts() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes(ROWS, sheet="x" * 40)))
    assert book.sheetnames == ["x" * 31]
