"""`svcstd report --province GD --month 2026-11`: the monthly audit report of a province as a PDF.

Run by an operator, it reads every province (HQ's scope); the dashboard's report
page offers the same file to a viewer for the provinces in their scope.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from events.errors import UserError
from events.settings import load_settings
from processors.storage.client import chdb_in_use, connect


def register(subparsers: Any) -> None:
    command = subparsers.add_parser(
        "report",
        help="the monthly audit report of one province as a PDF",
        description=(
            "Writes the province's scorecard per channel, worst units, worst clauses and open "
            "disputes for one month (China time) as a PDF, in Chinese by default. The CJK "
            "font comes from SVC_REPORT_FONT or the system (Debian: fonts-noto-cjk)."
        ),
    )
    command.add_argument("--province", required=True, type=str.upper, help="e.g. GD")
    command.add_argument("--month", required=True, metavar="YYYY-MM", help="e.g. 2026-11")
    command.add_argument(
        "--out", type=Path, metavar="FILE", help="default: audit-PROVINCE-MONTH.pdf, here"
    )
    command.add_argument("--lang", choices=("zh", "en"), default="zh")
    command.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from dashboard.data.report import month_period, monthly_report
    from dashboard.report_font import report_font
    from dashboard.report_pdf import render_pdf
    from dashboard.scope import Scope

    month_period(args.month)
    font = report_font()
    out: Path = args.out or Path(f"audit-{args.province}-{args.month}.pdf")
    dsn = load_settings().clickhouse_dsn
    if chdb_in_use(dsn):
        raise UserError(
            f"{dsn} is open in another process (chDB allows one; the local dashboard holds it): "
            "download the report from the dashboard's report page, stop the stack "
            "(svcstd down), or set SVC_CLICKHOUSE_DSN to a ClickHouse server"
        )
    client = connect(dsn)
    try:
        report = monthly_report(client, Scope(), args.province, args.month)
    finally:
        client.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render_pdf(report, args.lang, font))
    total = report.total
    print(
        f"{out}: {args.province} {args.month}, {total.checks:,} checks, "
        f"{total.violations:,} violations, {len(report.open_disputes)} open disputes",
        file=sys.stderr,
    )
    return 0
