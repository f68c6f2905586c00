"""The stack as a user runs it: the README's main command, then the dashboard in
headless Chromium, logged in as the demo HQ auditor `make run` created, where the
simulated violations must show up by province on the scorecard and must still be
there after `svcstd down` and another `make run`."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from processors.stack.processes import free_port_pair

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
CHROMIUM = os.environ.get("SVC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PROVINCES = ("GD", "BJ")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _make_run(env: dict[str, str], port: int, *extra: str) -> float:
    """Run the README's main command; returns how long it took to return."""
    started = time.monotonic()
    result = subprocess.run(
        ["make", "run", f"ARGS=--dashboard-port {port} {' '.join(extra)}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert f"Dashboard: http://127.0.0.1:{port}" in output, output[-4000:]
    return time.monotonic() - started


def _record_timing(name: str, seconds: float) -> None:
    """Measured, not asserted: the README's numbers come from here (var/e2e-timings.json)."""
    path = VAR / "e2e-timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = round(seconds, 1)
    path.write_text(json.dumps(timings, indent=2))


def _demo_password(var_dir: Path, name: str) -> str:
    """The password `make run` generated for a demo user (var/.../demo-logins.txt)."""
    for line in (var_dir / "dashboard" / "demo-logins.txt").read_text().splitlines():
        user, _, rest = line.partition(" / ")
        if user == name:
            return rest.split()[0]
    raise AssertionError(f"no demo login {name!r}")


def _open_scorecard(page: Page, url: str, password: str) -> None:
    """A fresh load of the scorecard, through the login form unless the cookie logs in."""
    page.goto(url)
    title = page.get_by_text("全国计分卡").first
    name = page.get_by_label("用户名")
    title.or_(name).wait_for(timeout=60_000)
    if not title.is_visible():
        name.fill("hq")
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
    title.wait_for(timeout=60_000)


def _violations_by_province(
    browser: Browser, url: str, password: str, shot: Path, timeout_s: float
) -> dict[str, int]:
    """Log in as HQ, open the scorecard and wait until every simulated province has a row."""
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
            if all(p in counts for p in PROVINCES):
                break
        time.sleep(5)
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return counts


def test_main_command_shows_violations_that_survive_a_restart() -> None:
    var_dir = VAR / "e2e"
    shutil.rmtree(var_dir, ignore_errors=True)
    env = {**os.environ, "SVC_VAR_DIR": str(var_dir), "SVC_KAFKA_PORT": str(free_port_pair())}
    env.pop("SVC_KAFKA_BOOTSTRAP", None)
    env.pop("SVC_CLICKHOUSE_DSN", None)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    svcstd = [str(ROOT / ".venv/bin/svcstd"), "down", "--dashboard-port", str(port)]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                started = time.monotonic()
                _make_run(env, port)
                password = _demo_password(var_dir, "hq")
                first = _violations_by_province(
                    browser, url, password, VAR / "e2e-dashboard.png", 180
                )
                _record_timing("first_run_to_violations_s", time.monotonic() - started)
                assert all(first.get(p, 0) > 0 for p in PROVINCES), first

                subprocess.run(svcstd, cwd=ROOT, env=env, check=True, timeout=120)
                started = time.monotonic()
                _make_run(env, port, "--no-simulate")
                again = _violations_by_province(
                    browser, url, password, VAR / "e2e-dashboard-restarted.png", 60
                )
                _record_timing("restart_to_violations_s", time.monotonic() - started)
                assert all(again.get(p, 0) >= first[p] for p in PROVINCES), (first, again)
            finally:
                browser.close()
    finally:
        subprocess.run(svcstd, cwd=ROOT, env=env, check=False, timeout=120)
