"""`svcstd up` / `svcstd down`: the whole local platform as a user runs it.

`up` brings the stack up, publishes simulated traffic, starts the worker and
the dashboard as detached processes tracked by pid files, and prints the
dashboard's address; running it again starts nothing twice. `down` stops, by
pid, everything `up` started.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from events.errors import UserError
from events.settings import Settings, load_settings
from processors.stack import kafka_runtime, launches
from processors.stack.clickhouse_runtime import ensure_clickhouse
from processors.stack.processes import (
    command_line,
    is_alive,
    read_pid,
    start_detached,
    stop_pid,
    write_pid,
)

DEFAULT_DASHBOARD_PORT = 8501
DEMO_PROVINCES = "GD,BJ"


@dataclass(frozen=True)
class Service:
    """A long-running process of the platform, recognised by pid and command line."""

    name: str
    command: tuple[str, ...]

    def pid_file(self, settings: Settings) -> Path:
        return settings.var_dir / "run" / f"{self.name}.pid"

    def log_file(self, settings: Settings) -> Path:
        return settings.var_dir / "log" / f"{self.name}.log"

    @property
    def identity(self) -> str:
        """What recognises the process whatever options (`--port`) it was started with."""
        head = itertools.takewhile(lambda part: not part.startswith("--"), self.command[1:])
        return " ".join(head)

    def running_pid(self, settings: Settings) -> int | None:
        pid = read_pid(self.pid_file(settings))
        if pid is None or not is_alive(pid):
            return None
        cmdline = command_line(pid) or ""
        return pid if self.identity in cmdline else None

    def start(self, settings: Settings) -> tuple[int, bool]:
        """Start unless running; returns (pid, started)."""
        pid = self.running_pid(settings)
        if pid is not None:
            return pid, False
        for path in (self.pid_file(settings), self.log_file(settings)):
            path.parent.mkdir(parents=True, exist_ok=True)
        pid = start_detached(self.command, self.log_file(settings), Path.cwd())
        write_pid(self.pid_file(settings), pid)
        return pid, True

    def stop(self, settings: Settings) -> bool:
        pid = self.running_pid(settings)
        self.pid_file(settings).unlink(missing_ok=True)
        if pid is None:
            return False
        stop_pid(pid, timeout_s=20.0)
        return True


def services(dashboard_port: int) -> list[Service]:
    python = sys.executable
    return [
        Service("worker", (python, "-m", "processors.cli", "worker")),
        Service(
            "dashboard",
            (python, "-m", "dashboard.serve", "--port", str(dashboard_port)),
        ),
    ]


def register(subparsers: Any) -> None:
    up = subparsers.add_parser(
        "up", help="start everything: Kafka, ClickHouse, worker, dashboard, simulated traffic"
    )
    up.add_argument("--dashboard-port", type=int, default=DEFAULT_DASHBOARD_PORT)
    up.add_argument("--provinces", default=DEMO_PROVINCES, help="provinces to simulate")
    up.add_argument("--no-simulate", action="store_true", help="publish no simulated traffic")
    up.set_defaults(handler=_up)
    down = subparsers.add_parser("down", help="stop everything `svcstd up` started")
    down.add_argument(
        "--dashboard-port",
        type=int,
        default=DEFAULT_DASHBOARD_PORT,
        help="accepted for compatibility: the dashboard is stopped whatever its port",
    )
    down.set_defaults(handler=_down)


def _up(args: argparse.Namespace) -> int:
    settings = load_settings()
    launches.record(settings.var_dir, Path.cwd())
    print("==> stack")
    kafka_runtime.ensure_up(settings)
    ensure_clickhouse(settings)
    logins = _demo_logins()
    if not args.no_simulate:
        # before a worker starts: the traffic is last week's, and a worker that found its
        # partitions empty and quiet would move its clocks to the wall clock less the
        # allowed lateness, and dead-letter all of it as late (how long that takes after
        # it starts depends on the machine's load, so publishing first is the only order
        # that gives the same verdicts every time)
        print(f"==> publishing simulated traffic for {args.provinces}")
        _simulate(args.provinces)
    for service in services(args.dashboard_port):
        pid, started = service.start(settings)
        state = "started" if started else "already running"
        print(f"==> {service.name} {state} (pid {pid}, log {service.log_file(settings)})")
    url = f"http://127.0.0.1:{args.dashboard_port}"
    _wait_for_dashboard(url, services(args.dashboard_port)[1].log_file(settings))
    for service in services(args.dashboard_port):
        _require_alive(service, settings)
    print(f"\nDashboard: {url}\nStop everything with: .venv/bin/svcstd down")
    print(logins)
    return 0


def _demo_logins() -> str:
    """What to say about logging in: the demo users, created when no users file exists."""
    from dashboard.demo_users import ensure_demo_users, logins_path
    from dashboard.users import users_path

    path = users_path()
    created = ensure_demo_users(path)
    if created:
        lines = "\n".join(f"  {login.line()}" for login in created)
        return f"Demo logins (also in {logins_path(path)}):\n{lines}"
    return f"Logins: {path} (svcstd users add NAME --role ROLE [--province P])"


def _simulate(provinces: str) -> None:
    command = [
        sys.executable, "-m", "processors.cli", "simulate", "--to", "kafka",
        "--provinces", provinces, "--start", "now-14d", "--duration", "7d",
        "--violation-rate", "0.05",
    ]  # fmt: skip
    if subprocess.call(command) != 0:
        raise UserError("the simulator failed; see its output above")


def _wait_for_dashboard(url: str, log: Path, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise UserError(f"the dashboard did not answer at {url} within {timeout_s:.0f} s; see {log}")


def _require_alive(service: Service, settings: Settings) -> None:
    """A service that died on start is reported with the end of its log, not left for later."""
    if service.running_pid(settings) is not None:
        return
    log = service.log_file(settings)
    tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
    print("\n".join(tail), file=sys.stderr)
    raise UserError(f"the {service.name} stopped right after starting; see {log}")


def _down(args: argparse.Namespace) -> int:
    """Stop, by pid file, what `up` started in every var dir it ran in (launches.py)."""
    settings = load_settings()
    for var_dir in launches.to_stop(settings.var_dir, Path.cwd()):
        here = replace(settings, var_dir=var_dir)
        if var_dir != settings.var_dir.resolve():
            print(f"==> {var_dir}")
        for service in reversed(services(args.dashboard_port)):
            stopped = service.stop(here)
            print(f"{service.name}: {'stopped' if stopped else 'not running'}")
        kafka_runtime.stop(here)
        launches.forget(var_dir, Path.cwd())
    return 0
