"""A table on screen as a file: CSV (UTF-8 with a BOM) and Excel (.xlsx).

The rows are what the page shows, already read through the query layer for the
viewer's scope, with display headers in the viewer's language: exporting never
queries again, so a download cannot hold a row the page could not show.

The CSV starts with a byte-order mark because Excel, opening a CSV without one,
reads it in the machine's ANSI code page and garbles Chinese. Times are written
in China Standard Time (Excel has no time zones), lists as comma-separated text,
and a missing value as an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dashboard.localtime import SHANGHAI

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_CHARS = 31
"""Excel refuses longer sheet names."""

Rows: TypeAlias = Sequence[Mapping[str, Any]] | pd.DataFrame


def table(rows: Rows) -> tuple[list[str], list[list[Any]]]:
    """Headers and cell values of `rows`: a DataFrame, or dict rows (headers in first-seen order)."""
    if isinstance(rows, pd.DataFrame):
        headers = [str(c) for c in rows.columns]
        records = [
            dict(zip(headers, values, strict=True)) for values in rows.itertuples(index=False)
        ]
    else:
        headers = list(dict.fromkeys(key for row in rows for key in row))
        records = [dict(row) for row in rows]
    return headers, [[_cell(record.get(h)) for h in headers] for record in records]


def _cell(value: Any) -> Any:
    """A value a spreadsheet cell holds: None for missing, local naive time, text for lists."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: export only timezone-aware times")
        return value.astimezone(SHANGHAI).replace(tzinfo=None)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (str, int, float, bool, date)):
        return value
    return str(value)


def csv_bytes(rows: Rows) -> bytes:
    """The table as CSV, UTF-8 with a byte-order mark, so Excel reads Chinese correctly."""
    headers, cells = table(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(["" if v is None else _csv_text(v) for v in row] for row in cells)
    return out.getvalue().encode("utf-8-sig")


def _csv_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)


def xlsx_bytes(rows: Rows, sheet: str = "data") -> bytes:
    """The table as one Excel sheet: a bold header row kept in view, columns sized to fit."""
    headers, cells = table(rows)
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:_SHEET_TITLE_CHARS]
    ws.append(headers)
    for row in cells:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        column = [header, *(row[index - 1] for row in cells[:1000])]
        ws.column_dimensions[get_column_letter(index)].width = min(
            60, max(_display_width(v) for v in column) + 2
        )
        for cell in ws[get_column_letter(index)][1:]:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _display_width(value: Any) -> int:
    """Columns a value takes in Excel: a CJK character is about two Latin ones wide."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    shown = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in shown)
