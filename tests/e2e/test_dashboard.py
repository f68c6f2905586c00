"""The stack as a user runs it: the README's main command (the session's shared stack,
conftest.py), then the dashboard in headless Chromium, logged in as the demo HQ auditor
`make run` created, where the simulated violations must show up by province on the
scorecard and must still be there after `svcstd down` and another `make run`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from e2e_support import VAR, Stack, record_timing
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.e2e

PROVINCES = ("GD", "BJ")
SHANGHAI = timezone(timedelta(hours=8))


def _simulated_month() -> str:
    """`make run` simulates the week that ended 7 days ago; the scorecard shows the newest
    month with data by default, which early on the 1st of a month holds an hour of daily
    checks and nearly no violations, so the test asks for the week's month
    (that of its middle, 10.5 days ago in China time)."""
    return f"{datetime.now(SHANGHAI) - timedelta(days=10.5):%Y-%m}"


def _open_scorecard(page: Page, url: str, password: str) -> None:
    """A fresh load of the scorecard, through the login form unless the cookie logs in."""
    page.goto(f"{url}/?month={_simulated_month()}")
    title = page.get_by_text("全国计分卡").first
    name = page.get_by_label("用户名")
    title.or_(name).wait_for(timeout=60_000)
    if not title.is_visible():
        name.fill("hq")
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
    title.wait_for(timeout=60_000)


def _violations_by_province(
    browser: Browser,
    url: str,
    password: str,
    shot: Path,
    timeout_s: float,
    enough: Callable[[dict[str, int]], bool],
) -> dict[str, int]:
    """Log in as HQ, open the scorecard and reload it until its violations by province are
    `enough` (the sink writes checks before the violations found among them, so a province
    can show its row with 0 violations for a while)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    counts: dict[str, int] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        _open_scorecard(page, url, password)
        grid = page.locator("[data-testid='stDataFrame'] table")
        with contextlib.suppress(PlaywrightTimeout):
            grid.first.wait_for(timeout=15_000)
        if grid.count():
            rows = [r.locator("th, td").all_inner_texts() for r in grid.first.locator("tr").all()]
            counts = {
                cells[0].rsplit("(", 1)[-1].rstrip(")"): int(cells[4].replace(",", ""))
                for cells in rows[1:]
                if len(cells) >= 5 and cells[4].replace(",", "").isdigit()
            }
            if enough(counts):
                break
        time.sleep(5)
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return counts


def test_main_command_shows_violations_that_survive_a_restart(
    stack: Stack, browser: Browser
) -> None:
    url, password = stack.url, stack.password("hq")
    first = _violations_by_province(
        browser,
        url,
        password,
        VAR / "e2e-dashboard.png",
        180,
        lambda counts: all(counts.get(p, 0) > 0 for p in PROVINCES),
    )
    record_timing("first_run_to_violations_s", time.monotonic() - stack.started)
    assert all(first.get(p, 0) > 0 for p in PROVINCES), first

    stack.down()
    started = time.monotonic()
    stack.make_run("--no-simulate")
    again = _violations_by_province(
        browser,
        url,
        password,
        VAR / "e2e-dashboard-restarted.png",
        60,
        lambda counts: all(counts.get(p, 0) >= first[p] for p in PROVINCES),
    )
    record_timing("restart_to_violations_s", time.monotonic() - started)
    assert all(again.get(p, 0) >= first[p] for p in PROVINCES), (first, again)
