"""Working days for device-repair deadlines (weekends and public holidays excluded).

The rule file holds the authoritative calendar. The simulator only builds
device-repair cases whose whole span, with two days' margin, avoids every
public holiday and every weekend made a working day (调休) listed here, so the
verdict depends on weekends alone and cannot drift with the holiday list.
"""

from __future__ import annotations

from datetime import date, timedelta

from events.simulator.timefmt import DAY_MS, weekday

# PRC public holidays and adjusted working weekends, 2025 and 2026 (State Council notices).
_SPECIAL: tuple[tuple[str, str], ...] = (
    ("2025-01-01", "2025-01-01"), ("2025-01-26", "2025-02-08"), ("2025-04-04", "2025-04-06"),
    ("2025-04-27", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-09-28", "2025-10-11"),
    ("2026-01-01", "2026-01-04"), ("2026-02-14", "2026-02-28"), ("2026-04-04", "2026-04-06"),
    ("2026-05-01", "2026-05-09"), ("2026-06-19", "2026-06-21"), ("2026-09-20", "2026-10-10"),
)  # fmt: skip
COVERED_YEARS = frozenset({2025, 2026})
MARGIN_DAYS = 2


def _expand() -> frozenset[date]:
    days: set[date] = set()
    for first, last in _SPECIAL:
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


SPECIAL_DAYS = _expand()


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
    lo, hi = first - timedelta(days=MARGIN_DAYS), last + timedelta(days=MARGIN_DAYS)
    if lo.year not in COVERED_YEARS or hi.year not in COVERED_YEARS:
        return False
    day = lo
    while day <= hi:
        if day in SPECIAL_DAYS:
            return False
        day += timedelta(days=1)
    return True
