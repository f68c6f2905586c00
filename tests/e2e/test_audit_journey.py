"""Issue 11's acceptance journey in headless Chromium, on the session's running stack: the HQ
auditor goes from the national scorecard to one violation's evidence; the GD manager disputes
it; HQ accepts, and the violation is voided and its unit's compliance rate changes; the
Excel and the monthly PDF download. Screenshots of every page in both languages, and of the
journey's steps, go to var/screenshots/.

Labels come from the strings catalog, so the test reads the page as a Chinese user does.
Nothing sleeps to synchronise: every step waits for what it needs on screen (the projection
into ClickHouse is asynchronous, and the pages cache their queries for 30 s)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from e2e_support import VAR, Stack
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pypdf import PdfReader

from dashboard.i18n import LANGUAGES, text
from dashboard.pages import PAGES

pytestmark = pytest.mark.e2e

SHOTS = VAR / "screenshots"
PROVINCE = "GD"
WAIT_MS = 60_000
SETTLE_S = 300.0
"""How long the simulated traffic may take to land in full."""
CACHE_MS = 31_000
T = TypeVar("T")


def zh(key: str, **values: object) -> str:
    return text(key, "zh", **values)


def _idle(page: Page) -> None:
    """Wait until Streamlit has finished running the script for the last interaction."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        timeout=WAIT_MS
    )


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@dataclass
class Browsing:
    """One tab of one person. A fresh load may land on the login form (the re-login cookie
    does not always log in first): `visit` then logs in again, and the URL's page stays."""

    page: Page
    url: str
    name: str = ""
    password: str = ""

    def log_in(self, name: str, password: str) -> None:
        self.name, self.password = name, password
        if not self.page.get_by_label(zh("core.auth.username")).is_visible():
            self.page.goto(self.url)
        self._form()
        self.page.get_by_role("button", name=zh("core.auth.logout")).wait_for(timeout=WAIT_MS)

    def _form(self, lang: str = "zh") -> None:
        """The login form, in the language the page was loaded in."""
        self.page.get_by_label(text("core.auth.username", lang)).fill(self.name)
        self.page.get_by_label(text("core.auth.password", lang), exact=True).fill(self.password)
        self.page.get_by_role("button", name=text("core.auth.login", lang)).click()

    def log_out(self) -> None:
        self.page.get_by_role("button", name=zh("core.auth.logout")).click()
        self.page.get_by_text(zh("core.auth.logged_out")).wait_for(timeout=WAIT_MS)
        self.page.get_by_role("button", name=zh("core.auth.again")).click()
        self.page.get_by_label(zh("core.auth.username")).wait_for(timeout=WAIT_MS)

    def visit(self, key: str, query: str = "", lang: str = "zh") -> None:
        """Open page `key` (`?query`) by its URL, and wait for its title."""
        path = "" if key == PAGES[0].key else key
        self.page.goto(f"{self.url}/{path}{'?' if query else ''}{query}")
        title = self.page.get_by_role("heading", name=text(f"page.{key}", lang)).first
        form = self.page.get_by_label(text("core.auth.username", lang))
        title.or_(form).wait_for(timeout=WAIT_MS)
        if not title.is_visible():
            self._form(lang)
        title.wait_for(timeout=WAIT_MS)
        self.page.locator("[data-testid='stSidebar'] strong").filter(
            has_text=re.compile(f"^{re.escape(self.name)}$")
        ).wait_for(timeout=WAIT_MS)
        _idle(self.page)


def _download(page: Page, key: str) -> bytes:
    """The file behind the download button with widget key `key`. A click that lands while
    Streamlit reruns the page (the login cookie's component reruns a fresh page once) is
    dropped with the button it hit: then the new button is clicked."""
    button = page.locator(f".st-key-{key} button")
    for attempt in (1, 2):
        button.wait_for(timeout=WAIT_MS)
        _idle(page)
        try:
            with page.expect_download(timeout=WAIT_MS // 2) as started:
                button.click()
        except PlaywrightTimeout:
            if attempt == 2:
                raise
        else:
            break
    return Path(started.value.path()).read_bytes()


def _csv(page: Page, key: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_download(page, key).decode("utf-8-sig"))))


def _until(read: Callable[[], T], done: Callable[[T], bool], timeout_s: float, what: str) -> T:
    """Read again (each read reloads a page) until `done`; fails with the last value read."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while not done(value):
        assert time.monotonic() < deadline, f"{what}: still {value!r}"
        value = read()
    return value


def _select(page: Page, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label`."""
    box = page.locator("[data-testid='stSelectbox']").filter(
        has=page.get_by_text(label, exact=True)
    )
    box.first.click()
    page.get_by_role("option", name=option, exact=True).click()
    _idle(page)


def _browsing(browser: Browser, url: str) -> Browsing:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    return Browsing(context.new_page(), url)


def _hand_over(tab: Browsing, browser: Browser, name: str, password: str) -> Browsing:
    """Log out; the next person logs in at a browser of their own, as people do.
    (streamlit-authenticator deletes its re-login cookie through a browser component; the
    dashboard once reran right after logout, which could cut it off and log the last person
    back in on a shared browser's next load: seen once in four runs, since fixed in app.py.)"""
    tab.log_out()
    tab.page.context.close()
    following = _browsing(browser, tab.url)
    following.log_in(name, password)
    return following


def _settled(tab: Browsing) -> None:
    """Wait until the simulated traffic has landed: the scorecard's provinces read the same
    twice, a cache time apart (the pages cache their queries for 30 s), GD among them."""
    seen: list[list[dict[str, str]]] = []

    def read() -> list[list[dict[str, str]]]:
        if seen:
            tab.page.wait_for_timeout(CACHE_MS)
        tab.visit("scorecard")
        seen.append(_csv(tab.page, "download-scorecard-provinces-csv"))
        return seen[-2:]

    _until(
        read,
        lambda last: (
            len(last) == 2
            and last[0] == last[1]
            and any(PROVINCE in r[zh("common.province")] for r in last[1])
        ),
        SETTLE_S,
        "the scorecard is still changing",
    )


def _unit_row(tab: Browsing, month: str, unit: str) -> dict[str, str]:
    tab.visit("drilldown", f"province={PROVINCE}&month={month}")
    rows = _csv(tab.page, "download-drilldown-units-csv")
    found = [r for r in rows if r[zh("common.unit")] == unit]
    assert found, (unit, rows[:3])
    return found[0]


def _rate(row: dict[str, str]) -> float:
    """The rate as shown, in per cent."""
    return float(row[zh("core.rate")].rstrip("%").strip())


def _exact_rate(row: dict[str, str]) -> float:
    """The rate from the row's own figures: 1 − standing violations ÷ checks."""
    return 1 - int(row[zh("core.violations")]) / int(row[zh("core.checked")])


def _to_evidence(tab: Browsing) -> dict[str, str]:
    """From the scorecard to one open GD violation's evidence, through the menu and the
    explorer's filters; returns that violation's row of the explorer's Excel export."""
    page = tab.page
    page.get_by_role("link", name=zh("page.violations")).click()
    page.get_by_role("heading", name=zh("page.violations")).first.wait_for(timeout=WAIT_MS)
    _idle(page)
    _select(page, zh("common.province"), PROVINCE)
    expect(page).to_have_url(re.compile(f"province={PROVINCE}"), timeout=WAIT_MS)
    _select(page, zh("evidence.status"), zh("evidence.status.open"))
    expect(page).to_have_url(re.compile("status=open"), timeout=WAIT_MS)
    _shot(page, "journey-02-explorer")
    book = load_workbook(io.BytesIO(_download(page, "download-violations-xlsx")), read_only=True)
    sheet = book.worksheets[0]
    header, *rows = [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    for key in ("common.province", "common.unit", "common.rule", "evidence.col.id"):
        assert zh(key) in header, header
    assert rows, "the Excel holds no rows"
    table = [dict(zip(header, row, strict=True)) for row in rows]
    assert {r[zh("common.province")] for r in table} == {PROVINCE}, table[:3]
    assert {r[zh("evidence.status")] for r in table} == {zh("evidence.status.open")}
    first = table[0]
    page.get_by_role("button", name=zh("evidence.open_button")).click()
    expect(page).to_have_url(
        re.compile(f"violation={re.escape(first[zh('evidence.col.id')])}"), timeout=WAIT_MS
    )
    page.get_by_text(zh("evidence.timeline"), exact=True).wait_for(timeout=WAIT_MS)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=WAIT_MS)
    page.locator(".st-key-download-evidence-timeline-xlsx").wait_for(timeout=WAIT_MS)
    _idle(page)
    _shot(page, "journey-03-evidence")
    return first


def _open_violation(tab: Browsing, violation_id: str) -> None:
    tab.visit("violations", f"violation={violation_id}")
    tab.page.get_by_text(zh("evidence.timeline"), exact=True).wait_for(timeout=WAIT_MS)
    _idle(tab.page)


def _every_page(tab: Browsing) -> None:
    """A screenshot of every page in both languages (a fresh load takes `?lang=` first)."""
    for spec in PAGES:
        for lang in LANGUAGES:
            tab.visit(spec.key, f"lang={lang}", lang)
            _shot(tab.page, f"{spec.key}-{lang}")


def test_hq_to_evidence_dispute_accepted_rate_changes_and_exports(
    stack: Stack, browser: Browser
) -> None:
    tab = _browsing(browser, stack.url)
    try:
        page = tab.page
        tab.log_in("hq", stack.password("hq"))
        _settled(tab)
        _shot(page, "journey-01-scorecard")
        violation = _to_evidence(tab)
        violation_id = violation[zh("evidence.col.id")]
        unit = violation[zh("common.unit")]
        month = violation[zh("evidence.col.detected_at")][:7]

        tab = _hand_over(tab, browser, "gd", stack.password("gd"))
        page = tab.page
        _open_violation(tab, violation_id)
        page.get_by_label(zh("evidence.file.reason")).fill("e2e：测量时钟在营业厅停电期间失准")
        page.get_by_role("button", name=zh("evidence.file.submit")).click()
        # Shown at once (pending), then stored: the page polls until its row has landed.
        page.get_by_text(zh("evidence.dispute_status.disputed")).wait_for(timeout=WAIT_MS)
        page.get_by_text(zh("evidence.pending")).wait_for(state="hidden", timeout=WAIT_MS)
        expect(page.get_by_text(zh("evidence.pending_row"))).to_have_count(0)
        expect(page.get_by_text(zh("evidence.dispute_status.disputed"))).to_be_visible()
        _shot(page, "journey-04-disputed")

        tab = _hand_over(tab, browser, "hq", stack.password("hq"))
        page = tab.page
        before = _unit_row(tab, month, unit)
        _open_violation(tab, violation_id)
        page.get_by_role("button", name=zh("evidence.decide.accept")).click()
        page.get_by_text(zh("evidence.voided_note")).wait_for(timeout=WAIT_MS)
        _shot(page, "journey-05-voided")
        voided = zh("core.voided")
        after = _until(
            lambda: _unit_row(tab, month, unit),
            lambda row: int(row[voided]) == int(before[voided]) + 1,
            120,
            "the voided violation still counts",
        )
        _shot(page, "journey-06-unit-after")
        assert int(after[zh("core.violations")]) == int(before[zh("core.violations")]) - 1
        assert after[zh("core.checked")] == before[zh("core.checked")]
        # One void moves a unit of thousands of checks by less than the 0.1 % shown: the
        # rate is compared as the page computes it, from the figures it shows.
        assert _exact_rate(after) > _exact_rate(before), (before, after)
        assert _rate(after) >= _rate(before), (before, after)

        tab.visit("report", f"province={PROVINCE}&month={month}")
        figures = _csv(page, f"download-scorecard-{PROVINCE}-{month}-csv")
        pdf = _download(page, "download-report-pdf")
        _shot(page, "journey-07-report")
        assert pdf.startswith(b"%PDF")
        words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        words = words.replace("\x00", "")  # the CJK font's two-byte codes, as pypdf reads them
        total = figures[-1]
        assert zh("report.total") == total[zh("report.col.channel")]
        expected = [
            f"{int(total[zh('report.col.checks')]):,}",
            f"{int(total[zh('report.col.violations')]):,}",
            total[zh("report.col.rate")],
        ]
        assert all(figure in words for figure in expected), (expected, words[:800])

        _every_page(tab)
    except BaseException:
        _shot(tab.page, "journey-failed")
        raise
    finally:
        tab.page.context.close()
