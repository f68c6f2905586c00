"""The strings catalog is whole, and values read as people read them."""

from __future__ import annotations

import pytest

from dashboard import humanize
from dashboard.i18n import LANGUAGES, catalog, text
from dashboard.pages import PAGES


def test_every_page_has_a_title_in_every_language() -> None:
    for page in PAGES:
        assert all(text(f"page.{page.key}", lang) for lang in LANGUAGES)
        assert page.path.is_file(), page.path


def test_the_catalog_loads_with_both_languages_for_every_key() -> None:
    entries = catalog()
    assert entries
    assert all(set(texts) == set(LANGUAGES) for texts in entries.values())


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [(45, "45 秒", "45 s"), (720, "12 分钟", "12 min"), (9000, "2.5 小时", "2.5 h"),
     (3 * 86400, "3 天", "3 d"), (None, "—", "—")],
)  # fmt: skip
def test_durations_read_in_the_largest_sensible_unit(
    seconds: float | None, zh: str, en: str
) -> None:
    assert humanize.duration(seconds, "zh") == zh
    assert humanize.duration(seconds, "en") == en


def test_money_and_missing_values_never_show_none() -> None:
    assert humanize.money(4.83, "zh") == "¥4.83"
    assert humanize.measured(None, "seconds", "en") == "—"
    assert humanize.measured(0.9731, "ratio", "zh") == "97.3%"
