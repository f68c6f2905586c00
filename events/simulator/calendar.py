"""Working days for device-repair deadlines (weekends and public holidays excluded).

The rule file holds the calendar; the simulator reads it from there (as data:
the events layer does not import the standards code). It only builds
device-repair cases whose whole span, with two days' margin, lies in the
calendar's complete years and avoids every public holiday and every weekend made
a working day (调休), so the verdict depends on weekends alone.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml

from events.simulator.timefmt import DAY_MS, weekday

RULES = Path(__file__).resolve().parents[2] / "standards" / "rules" / "cmcc-service"
CALENDAR = "cn-workdays"
MARGIN_DAYS = 2
_VERSION = re.compile(r"^v(\d+)\.ya?ml$")


def rule_file(directory: Path = RULES) -> Path:
    """The newest version of the standard the simulator's cases are built for."""
    versions = [(int(m.group(1)), p) for p in directory.iterdir() if (m := _VERSION.match(p.name))]
    if not versions:
        raise FileNotFoundError(f"no rule file v<N>.yaml in {directory}")
    return max(versions)[1]


@cache
def special_days(path: Path | None = None) -> tuple[frozenset[date], frozenset[int]]:
    """The calendar's holidays and make-up working days, and the years it is complete for."""
    data = yaml.safe_load((path or rule_file()).read_text(encoding="utf-8"))
    calendar = data["calendars"][CALENDAR]
    holidays = frozenset(calendar.get("holidays", ()))
    days = holidays | frozenset(calendar.get("workdays", ()))
    years = calendar.get("years")
    covered = frozenset(years) if years is not None else frozenset(d.year for d in holidays)
    return days, covered


def add_working_days(ms: int, days: int) -> int:
    """The same time of day `days` working days (Mon–Fri) later."""
    t = ms
    while days:
        t += DAY_MS
        if weekday(t) < 5:
            days -= 1
    return t


def plain_span(first: date, last: date) -> bool:
    """True when [first − margin, last + margin] is in a covered year and has no special day."""
    special, covered = special_days()
    lo, hi = first - timedelta(days=MARGIN_DAYS), last + timedelta(days=MARGIN_DAYS)
    if lo.year not in covered or hi.year not in covered:
        return False
    day = lo
    while day <= hi:
        if day in special:
            return False
        day += timedelta(days=1)
    return True
