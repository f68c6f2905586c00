"""Parsing `--start` and `--duration`: `now-1h`, `today-90d`, `2026-03-01`, `1h30m`."""

from __future__ import annotations

import re
from datetime import datetime

from events.simulator.timefmt import (
    DAY_MS,
    HOUR_MS,
    LOCAL,
    MINUTE_MS,
    SECOND_MS,
    local_midnight,
    to_ms,
)

_UNITS = {"d": DAY_MS, "h": HOUR_MS, "m": MINUTE_MS, "s": SECOND_MS}
_DURATION = re.compile(r"(?:\d+[dhms])+")
_PART = re.compile(r"(\d+)([dhms])")
_RELATIVE = re.compile(r"(now|today)(?:([+-])(\S+))?")


def parse_duration(text: str) -> int:
    """`90d`, `1h30m`, `45s` → milliseconds (> 0)."""
    spec = text.strip().lower()
    if not _DURATION.fullmatch(spec):
        raise ValueError(f"bad duration {text!r}: use e.g. 90d, 1h30m, 45s")
    total = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(spec))
    if total <= 0:
        raise ValueError(f"duration must be positive, got {text!r}")
    return total


def parse_start(text: str, now_ms: int) -> int:
    """`now`, `now-1h`, `today-7d`, a date (+08:00 midnight) or an RFC 3339 time.

    A time without an offset is read as +08:00, the operator's local time.
    """
    spec = text.strip()
    relative = _RELATIVE.fullmatch(spec.lower())
    if relative:
        anchor, sign, amount = relative.groups()
        base = now_ms if anchor == "now" else local_midnight(now_ms)
        if not sign:
            return base
        delta = parse_duration(amount)
        return base - delta if sign == "-" else base + delta
    try:
        moment = datetime.fromisoformat(spec)
    except ValueError:
        raise ValueError(
            f"bad start {text!r}: use now-1h, today-90d, 2026-03-01 or an RFC 3339 time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    return to_ms(moment)
