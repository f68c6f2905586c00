"""A violation's evidence as an auditor reads it: times in China time, offsets humanized,
event data as "field: value", and the rule's own description from its standard version."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache

from dashboard.data.violations import EventRow
from dashboard.humanize import duration, missing
from dashboard.i18n import catalog, text
from dashboard.localtime import SHANGHAI
from standards.loader import load_standards


def moment(when: datetime | None, lang: str) -> str:
    """A time as people read it here: China time, to the second."""
    if when is None:
        return missing(lang)
    return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def event_type(name: str, lang: str) -> str:
    """An event type as people name it ("客户取号"), its code when the catalog lacks it."""
    key = f"evidence.event.{name}"
    return text(key, lang) if key in catalog() else name


def details(data: str, lang: str) -> str:
    """An event's data (JSON text) as "field: value · field: value"."""
    try:
        parsed = json.loads(data) if data else {}
    except json.JSONDecodeError:
        return data
    if not isinstance(parsed, dict):
        return str(parsed)
    if not parsed:
        return missing(lang)
    return " · ".join(
        f"{name}: {missing(lang) if value is None else value}" for name, value in parsed.items()
    )


def timeline_rows(events: list[EventRow], lang: str) -> list[dict[str, str]]:
    """The evidence in time order, each with how long after the first event it came."""
    ordered = sorted(events, key=lambda e: (e.time, e.id))
    first = ordered[0].time if ordered else None
    return [
        {
            "time": moment(e.time, lang),
            "offset": "+" + duration((e.time - first).total_seconds(), lang) if first else "",
            "type": event_type(e.type, lang),
            "subject": e.subject,
            "details": details(e.data, lang),
            "id": e.id,
        }
        for e in ordered
    ]


@cache
def _descriptions() -> dict[tuple[str, int, str], dict[str, str]]:
    return {
        (standard.standard, standard.version, rule.id): {
            "zh": rule.description.zh,
            "en": rule.description.en,
        }
        for standard in load_standards()
        for rule in standard.rules
    }


def rule_description(standard: str, version: int, rule: str, lang: str) -> str | None:
    """The rule's description in the version that found the violation, if installed here."""
    found = _descriptions().get((standard, version, rule))
    return None if found is None else found[lang]
