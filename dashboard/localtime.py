"""Instants as auditors read them: China Standard Time, to the minute; the freshness line."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dashboard.humanize import missing
from dashboard.i18n import text

DISPLAY_TZ = "Asia/Shanghai"
"""Auditors read times in China Standard Time; storage stays UTC."""
SHANGHAI = ZoneInfo(DISPLAY_TZ)


def shown(moment: datetime | None, lang: str, *, seconds: bool = False) -> str:
    """`2026-11-30 22:15` in Shanghai time; a stored naive time is UTC."""
    if moment is None:
        return missing(lang)
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def freshness(latest: datetime | None, lang: str) -> str:
    """The line under a page's title: when its data last landed."""
    if latest is None:
        return text("common.fresh_never", lang)
    return text("common.fresh_as_of", lang, when=shown(latest, lang, seconds=True))
