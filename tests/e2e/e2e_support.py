"""The running stack of the e2e tests (`make run` on a private var dir and free ports), and
where their files and timings go. conftest.py holds the session's one stack."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
CHROMIUM = os.environ.get("SVC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def record_timing(name: str, seconds: float) -> None:
    """Measured, not asserted: the README's numbers come from here (var/e2e-timings.json)."""
    path = VAR / "e2e-timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = round(seconds, 1)
    path.write_text(json.dumps(timings, indent=2))


@dataclass(frozen=True)
class Stack:
    env: dict[str, str]
    port: int
    var_dir: Path
    started: float
    """time.monotonic() when the first `make run` began."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def make_run(self, *extra: str) -> float:
        """Run the README's main command; returns how long it took to return."""
        started = time.monotonic()
        result = subprocess.run(
            ["make", "run", f"ARGS=--dashboard-port {self.port} {' '.join(extra)}"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        assert f"Dashboard: {self.url}" in output, output[-4000:]
        return time.monotonic() - started

    def down(self, check: bool = True) -> None:
        command = [str(ROOT / ".venv/bin/svcstd"), "down", "--dashboard-port", str(self.port)]
        subprocess.run(command, cwd=ROOT, env=self.env, check=check, timeout=120)

    def password(self, name: str) -> str:
        """The password `make run` generated for a demo user (var/.../demo-logins.txt)."""
        for line in (self.var_dir / "dashboard" / "demo-logins.txt").read_text().splitlines():
            user, _, rest = line.partition(" / ")
            if user == name:
                return rest.split()[0]
        raise AssertionError(f"no demo login {name!r}")
