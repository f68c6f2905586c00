"""Fast RFC 3339 rendering of epoch milliseconds in +08:00 (China Standard Time).

The simulator renders hundreds of thousands of timestamps a second; datetime
objects and isoformat() would dominate the run time, so times are integers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

OFFSET_MS = 8 * 3_600_000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
SECOND_MS = 1_000
LOCAL = timezone(timedelta(hours=8))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_D3 = [f"{i:03d}" for i in range(1000)]
_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
_DATES: dict[int, str] = {}


def _date(day: int) -> str:
    text = (EPOCH + timedelta(days=day)).date().isoformat()
    _DATES[day] = text
    return text


def iso(ms: int) -> str:
    """`2026-03-02T09:30:00.000+08:00` for epoch milliseconds."""
    day, rem = divmod(ms + OFFSET_MS, DAY_MS)
    sec, milli = divmod(rem, 1000)
    return f"{_DATES.get(day) or _date(day)}T{_HMS[sec]}.{_D3[milli]}+08:00"


def local_date(ms: int) -> str:
    """The +08:00 calendar day of an instant, `YYYY-MM-DD`."""
    day = (ms + OFFSET_MS) // DAY_MS
    return _DATES.get(day) or _date(day)


def local_month(ms: int) -> str:
    """The +08:00 calendar month of an instant, `YYYY-MM`."""
    return local_date(ms)[:7]


def local_midnight(ms: int) -> int:
    """Epoch ms of the +08:00 midnight starting the day of `ms`."""
    return (ms + OFFSET_MS) // DAY_MS * DAY_MS - OFFSET_MS


def weekday(ms: int) -> int:
    """Monday 0 … Sunday 6 in +08:00."""
    return ((ms + OFFSET_MS) // DAY_MS + 3) % 7


def to_ms(moment: datetime) -> int:
    """Epoch ms of an aware datetime."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    """The aware +08:00 datetime of epoch ms."""
    return (EPOCH + timedelta(milliseconds=ms)).astimezone(LOCAL)
