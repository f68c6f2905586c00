"""The stack as a user runs it: the README's main command, then the dashboard in
headless Chromium, where the simulated violations must show up by province."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SVC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def platform() -> Iterator[tuple[str, str]]:
    """`make run` with its own var dir and ports; `svcstd down` afterwards, whatever happened."""
    var_dir = ROOT / "var" / "e2e"
    env = {
        **os.environ,
        "SVC_VAR_DIR": str(var_dir),
        "SVC_KAFKA_PORT": str(_free_port()),
    }
    env.pop("SVC_KAFKA_BOOTSTRAP", None)
    env.pop("SVC_CLICKHOUSE_DSN", None)
    port = _free_port()
    started = time.monotonic()
    try:
        result = subprocess.run(
            ["make", "run", f"ARGS=--dashboard-port {port}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        assert f"Dashboard: http://127.0.0.1:{port}" in output, output[-4000:]
        print(f"make run returned after {time.monotonic() - started:.1f} s")
        yield f"http://127.0.0.1:{port}", output
    finally:
        subprocess.run(
            [str(ROOT / ".venv/bin/svcstd"), "down", "--dashboard-port", str(port)],
            cwd=ROOT,
            env=env,
            check=False,
            timeout=120,
        )


def _province_table_text(page: Page) -> str:
    table = page.locator("[data-testid='stTable'] table")
    table.first.wait_for(timeout=5_000)
    return table.first.inner_text()


def test_dashboard_shows_violations_by_province(platform: tuple[str, str]) -> None:
    url, _ = platform
    screenshot = ROOT / "var" / "e2e-dashboard.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_text("Service standards — national overview").wait_for(timeout=60_000)
            deadline = time.monotonic() + 180
            text = ""
            while time.monotonic() < deadline:
                try:
                    text = _province_table_text(page)
                except Exception:
                    text = ""
                if "GD" in text and "BJ" in text:
                    break
                time.sleep(2)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert "GD" in text and "BJ" in text, f"province table not shown; last text: {text!r}"
    rows = [line.split("\t") for line in text.splitlines() if line.startswith(("GD", "BJ"))]
    assert all(int(row[1]) > 0 for row in rows), rows
    assert screenshot.stat().st_size > 10_000
