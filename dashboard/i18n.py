"""One catalog of every string the dashboard shows, Chinese first, with an English switch.

Strings live in `dashboard/strings/*.yaml`, one file per area of the dashboard
(so areas are edited apart), each a mapping `key: {zh: …, en: …}`. Pages never
hard-code text: they ask for a key, and a missing key or language fails loudly
(a unit test loads the whole catalog) instead of showing a blank.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
STRINGS = Path(__file__).parent / "strings"
LANGUAGE_KEY = "lang"
"""Where the chosen language lives: `st.session_state` and the page's query parameters."""


class CatalogError(ValueError):
    """A strings file that would leave some text blank or ambiguous."""


@cache
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS.glob("*.yaml")):
        entries: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, texts in entries.items():
            if key in merged:
                raise CatalogError(f"{path.name}: {key!r} is defined in another strings file too")
            if not isinstance(texts, dict) or set(texts) != set(LANGUAGES):
                raise CatalogError(f"{path.name}: {key!r} needs exactly {', '.join(LANGUAGES)}")
            merged[str(key)] = {lang: str(texts[lang]) for lang in LANGUAGES}
    return merged


def text(key: str, lang: str, /, **values: object) -> str:
    """The string `key` in `lang`, with `{name}` placeholders filled from `values`."""
    template = catalog()[key][lang]
    return template.format(**values) if values else template


def current_language() -> str:
    import streamlit as st

    lang = st.session_state.get(LANGUAGE_KEY) or st.query_params.get(LANGUAGE_KEY)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, /, **values: object) -> str:
    """The string `key` in the viewer's language (inside a Streamlit page)."""
    return text(key, current_language(), **values)
