"""Pid files, detached processes and ports, with small Python processes instead of Kafka."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from events.settings import load_settings
from processors.stack import kafka_runtime
from processors.stack.logtail import tail_lines
from processors.stack.processes import (
    command_line,
    is_alive,
    port_is_free,
    read_pid,
    start_detached,
    stop_pid,
    write_pid,
)


def test_pid_file_round_trip_and_garbage(tmp_path: Path) -> None:
    pid_file = tmp_path / "x.pid"
    assert read_pid(pid_file) is None
    write_pid(pid_file, 4242)
    assert read_pid(pid_file) == 4242
    pid_file.write_text("not a pid", encoding="ascii")
    assert read_pid(pid_file) is None


def test_start_detached_and_stop_by_pid(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import time; print('hi', flush=True); time.sleep(60)"]
    pid = start_detached(command, tmp_path / "out.log", cwd=tmp_path)
    try:
        assert is_alive(pid)
        deadline = time.monotonic() + 10
        while not command_line(pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # between fork and exec the command line is still empty
        assert "time.sleep(60)" in (command_line(pid) or "")
    finally:
        assert stop_pid(pid, timeout_s=10)
    assert not is_alive(pid)


def test_stop_falls_back_to_sigkill(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    out = tmp_path / "out.log"
    pid = start_detached([sys.executable, "-c", script], out, cwd=tmp_path)
    deadline = time.monotonic() + 10
    while "ready" not in out.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stop_pid(pid, timeout_s=0.5) is False
    assert not is_alive(pid)


def test_port_is_free_sees_a_listener() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_is_free("127.0.0.1", port)


def test_a_pid_file_naming_another_process_is_stale(tmp_path: Path) -> None:
    settings = load_settings({"SVC_VAR_DIR": str(tmp_path)})
    layout = kafka_runtime.layout(settings)
    layout.root.mkdir(parents=True)
    pid = start_detached(
        [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "o", tmp_path
    )
    try:
        write_pid(layout.pid_file, pid)  # alive, but not our broker: never stopped by `down`
        lines: list[str] = []
        assert kafka_runtime.stop(settings, report=lines.append) is False
        assert is_alive(pid)
        assert not layout.pid_file.exists()
        assert any("stale pid file" in line for line in lines)
    finally:
        stop_pid(pid, timeout_s=10)


def test_tail_lines_reads_from_the_end(tmp_path: Path) -> None:
    log = tmp_path / "broker.log"
    log.write_text("".join(f"line {n}\n" for n in range(5000)), encoding="utf-8")
    assert tail_lines(log, 3) == ["line 4997", "line 4998", "line 4999"]
    assert tail_lines(log, 0) == []
    short = tmp_path / "short.log"
    short.write_text("only\n", encoding="utf-8")
    assert tail_lines(short, 10) == ["only"]
