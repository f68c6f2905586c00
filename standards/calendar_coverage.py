"""Which years a standard's working-day rules need their calendars to know.

A working-day deadline that runs into a year without its State Council notice
(holidays and make-up working days) is computed on weekends and the holidays
listed so far, and its verdict is flagged `calendar_uncovered`. `standards
validate` warns ahead of that: a rule file whose validity reaches past its
calendar's years is valid, but its owner should extend the calendar.
"""

from __future__ import annotations

from datetime import timedelta

from standards.calendar import parse_offset
from standards.model import Standard


def _span(years: frozenset[int]) -> str:
    if not years:
        return "no year"
    low, high = min(years), max(years)
    return f"{low}–{high}" if len(years) == high - low + 1 else ", ".join(map(str, sorted(years)))


def calendar_warnings(standard: Standard) -> list[str]:
    """One line per working-day rule whose deadlines can reach a year its calendar lacks."""
    tz = parse_offset(standard.timezone)
    first = standard.effective_from.astimezone(tz).year
    lines = []
    for rule in standard.rules:
        name = getattr(rule.params, "calendar", None)
        if name is None:
            continue
        years = standard.calendars[name].covered_years()
        limits = getattr(rule.params, "limits", None) or {}
        longest = max(limits.values(), default=timedelta(0))
        if standard.effective_to is None:
            missing = [y for y in range(first, max(years, default=first) + 1) if y not in years]
            beyond = f"with no end, so from {max(years, default=first - 1) + 1} on"
        else:
            # a deadline set on the last day in force runs up to `longest` working days on
            last = (standard.effective_to + 2 * longest + timedelta(days=14)).astimezone(tz).year
            missing = [y for y in range(first, last + 1) if y not in years]
            beyond = ""
        if not missing and not beyond:
            continue
        gaps = ", ".join(map(str, missing))
        reach = " and ".join(part for part in (gaps, beyond) if part)
        lines.append(
            f"warning: {standard.key} rule {rule.id}: calendar {name!r} covers {_span(years)}, "
            f"but the standard is in force {reach}: working-day deadlines there count weekends "
            f"and the holidays listed only, and their verdicts are flagged calendar_uncovered"
        )
    return lines
