"""Values as people read them: "12 分钟", "¥4.83", "—"; never raw seconds or "None"."""

from __future__ import annotations

from dashboard.i18n import text


def missing(lang: str) -> str:
    return text("common.missing", lang)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def duration(seconds: float | None, lang: str) -> str:
    """The largest unit that keeps the number readable: 45 秒, 12 分钟, 2.5 小时, 3 天."""
    if seconds is None:
        return missing(lang)
    magnitude = abs(seconds)
    if magnitude < 120:
        return text("unit.seconds", lang, n=_number(round(seconds, 1)))
    if magnitude < 2 * 3600:
        return text("unit.minutes", lang, n=_number(round(seconds / 60, 1)))
    if magnitude < 3 * 86400:
        return text("unit.hours", lang, n=_number(round(seconds / 3600, 1)))
    return text("unit.days", lang, n=_number(round(seconds / 86400, 1)))


def money(yuan: float | None, lang: str) -> str:
    return missing(lang) if yuan is None else text("unit.yuan", lang, n=f"{yuan:,.2f}")


def percent(ratio: float | None, lang: str) -> str:
    """A ratio in 0..1 as a percentage with one decimal."""
    return missing(lang) if ratio is None else text("unit.percent", lang, n=f"{100 * ratio:.1f}")


def measured(value: float | None, measure: str, lang: str) -> str:
    """A rule's measured value or limit, in the unit its measure names."""
    if value is None:
        return missing(lang)
    if measure in ("seconds", "lead_seconds"):
        return duration(value, lang)
    if measure == "working_days":
        return text("unit.working_days", lang, n=_number(round(value, 1)))
    if measure == "ratio":
        return percent(value, lang)
    return _number(value)
