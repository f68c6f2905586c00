"""Download buttons under a table on screen: CSV and Excel of exactly the rows shown.

Usage, in a page, right after showing a table:

    from dashboard.downloads import download_buttons

    download_buttons(rows, name="violations")

`rows` is what the page displays (dict rows or a DataFrame, headers already in
the viewer's language), read through the query layer for the viewer's scope:
nothing is queried again, so an export holds no row the page could not show.
`name` names the files (`violations.csv`, `violations.xlsx`) and keys the
buttons, so it must be unique on the page. The files are built only when a
button is clicked, and the click does not rerun the page.
"""

from __future__ import annotations

import streamlit as st

from dashboard.export import CSV_MIME, XLSX_MIME, Rows, csv_bytes, xlsx_bytes
from dashboard.i18n import t


def download_buttons(rows: Rows, name: str) -> None:
    """A CSV and an Excel button, side by side, for the table `rows` called `name`."""
    empty = len(rows) == 0
    row = st.container(horizontal=True)
    row.download_button(
        t("export.csv"),
        data=lambda: csv_bytes(rows),
        file_name=f"{name}.csv",
        mime=CSV_MIME,
        key=f"download-{name}-csv",
        on_click="ignore",
        disabled=empty,
        icon=":material/download:",
    )
    row.download_button(
        t("export.xlsx"),
        data=lambda: xlsx_bytes(rows, sheet=name),
        file_name=f"{name}.xlsx",
        mime=XLSX_MIME,
        key=f"download-{name}-xlsx",
        on_click="ignore",
        disabled=empty,
        icon=":material/table_view:",
    )
