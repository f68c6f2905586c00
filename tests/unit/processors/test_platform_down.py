"""`svcstd down` stops what `up` started, whatever dashboard port or var dir `up` was given."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from events.settings import load_settings
from processors.cli import main
from processors.platform import Service
from processors.stack import launches
from processors.stack.processes import command_line, is_alive, read_pid

SLEEPER = (sys.executable, "-c", "import time; time.sleep(60)")


def _started(service: Service, var_dir: Path) -> int:
    settings = load_settings({"SVC_VAR_DIR": str(var_dir)})
    pid, started = service.start(settings)
    assert started
    deadline = time.monotonic() + 10
    while not command_line(pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # between fork and exec the command line is still empty
    return pid


def test_a_service_is_recognised_whatever_port_it_was_started_with(tmp_path: Path) -> None:
    pid = _started(Service("dashboard", (*SLEEPER, "--port", "18502")), tmp_path)
    settings = load_settings({"SVC_VAR_DIR": str(tmp_path)})
    other_port = Service("dashboard", (*SLEEPER, "--port", "8501"))
    try:
        assert other_port.running_pid(settings) == pid
        assert other_port.stop(settings)
        assert not is_alive(pid)
    finally:
        other_port.stop(settings)


def test_another_program_with_a_recycled_pid_is_not_stopped(tmp_path: Path) -> None:
    pid = _started(Service("dashboard", SLEEPER), tmp_path)
    settings = load_settings({"SVC_VAR_DIR": str(tmp_path)})
    stranger = Service("dashboard", (sys.executable, "-m", "dashboard.serve", "--port", "1"))
    try:
        assert stranger.running_pid(settings) is None
        assert is_alive(pid)
    finally:
        Service("dashboard", SLEEPER).stop(settings)


def test_down_without_svc_var_dir_stops_what_up_started_in_another_var_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.chdir(tmp_path)
    launches.record(elsewhere, tmp_path)
    assert launches.to_stop(tmp_path / "var", tmp_path, {}) == [
        (tmp_path / "var").resolve(),
        elsewhere.resolve(),
    ]
    assert launches.to_stop(tmp_path / "x", tmp_path, {"SVC_VAR_DIR": "x"}) == [
        (tmp_path / "x").resolve()
    ]

    import processors.platform as platform

    monkeypatch.setattr(
        platform,
        "services",
        lambda port: [Service("worker", SLEEPER), Service("dashboard", (*SLEEPER, "--port", "9"))],
    )
    pids = [
        _started(Service("worker", SLEEPER), elsewhere),
        _started(Service("dashboard", (*SLEEPER, "--port", "18502")), elsewhere),
    ]
    monkeypatch.delenv("SVC_VAR_DIR", raising=False)
    monkeypatch.delenv("SVC_KAFKA_BOOTSTRAP", raising=False)
    try:
        assert main(["down"]) == 0
        assert [is_alive(pid) for pid in pids] == [False, False]
        assert read_pid(elsewhere / "run" / "dashboard.pid") is None
        assert launches.to_stop(tmp_path / "var", tmp_path, {}) == [(tmp_path / "var").resolve()]
    finally:
        for name in ("worker", "dashboard"):
            Service(name, SLEEPER).stop(load_settings({"SVC_VAR_DIR": str(elsewhere)}))
