"""The local single-node Kafka broker: configure, format, start, wait, create topics, stop.

The Python API shared by `svcstd stack`, the test harness and other packages:
`ensure_up`, `stop`, `is_running`, `broker_status`. With SVC_KAFKA_BOOTSTRAP set,
nothing is started or stopped; the named broker only gets its topics.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from events.errors import UserError
from events.settings import Settings
from events.topics import ALL_TOPICS
from processors.stack.broker_config import (
    HOST,
    BrokerLayout,
    read_listener_port,
    render_log4j2,
    render_server_properties,
)
from processors.stack.jars import default_cache_dir, ensure_jars, kafka_version
from processors.stack.kafka_admin import connect_admin, ensure_topics, present_topics
from processors.stack.processes import (
    command_line,
    file_lock,
    is_alive,
    port_accepts,
    port_is_free,
    read_pid,
    start_detached,
    stop_pid,
    write_pid,
)
from processors.stack.toolchain import require_java

Report = Callable[[str], None]

BROKER_MAIN = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"
VERSION_PROPERTY = "svc.kafka.version"
_VERSION_RE = re.compile(rf"-D{re.escape(VERSION_PROPERTY)}=(\S+)")


@dataclass(frozen=True)
class KafkaOptions:
    """How to run the local broker, beyond what Settings says (env: SVC_KAFKA_VERSION,
    SVC_CACHE_DIR, SVC_KAFKA_CONTROLLER_PORT)."""

    version: str = field(default_factory=kafka_version)
    cache_dir: Path = field(default_factory=default_cache_dir)
    controller_port: int | None = None
    heap: str = "1g"
    startup_timeout_s: float = 60.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> KafkaOptions:
        env = dict(os.environ) if environ is None else environ
        controller = env.get("SVC_KAFKA_CONTROLLER_PORT", "").strip()
        return cls(
            version=kafka_version(env),
            cache_dir=default_cache_dir(env),
            controller_port=int(controller) if controller else None,
        )

    def controller_port_for(self, port: int) -> int:
        """The KRaft controller's port: configured, else the client port + 1."""
        return self.controller_port if self.controller_port is not None else port + 1


@dataclass(frozen=True)
class BrokerInfo:
    """What `ensure_up` did: where the broker is and whether it was started now."""

    bootstrap: str
    pid: int | None  # None for a broker named by SVC_KAFKA_BOOTSTRAP
    started: bool
    kafka_version: str | None
    topics_created: tuple[str, ...]


@dataclass(frozen=True)
class BrokerStatus:
    """What `broker_status` found."""

    running: bool
    managed: bool  # a local broker that `svcstd stack` starts and stops
    bootstrap: str
    pid: int | None
    kafka_version: str | None
    topics: tuple[str, ...]  # the platform topics present on the broker


def layout(settings: Settings) -> BrokerLayout:
    return BrokerLayout(settings.kafka_dir)


def ensure_up(
    settings: Settings,
    *,
    options: KafkaOptions | None = None,
    report: Report = print,
) -> BrokerInfo:
    """Make the broker answer and its topics exist, starting the local one if needed."""
    opts = options or KafkaOptions.from_env()
    deadline = time.monotonic() + opts.startup_timeout_s
    if not settings.kafka_is_local:
        report(f"using the Kafka broker at {settings.kafka_bootstrap} (SVC_KAFKA_BOOTSTRAP)")
        created = _ensure_topics(settings, deadline, "check SVC_KAFKA_BOOTSTRAP", report)
        return BrokerInfo(settings.kafka_bootstrap, None, False, None, created)
    lay = layout(settings)
    with file_lock(lay.lock):
        pid = _running_pid(lay)
        started = pid is None
        version: str | None
        if pid is None:
            _discard_stale_pid(lay, report)
            pid = _start(settings, opts, lay, report)
            version = opts.version
        else:
            _check_same_port(lay, pid, settings.kafka_port)
            version = _running_version(pid)
            report(f"Kafka broker already running (pid {pid}) on {settings.kafka_bootstrap}")
        _wait_for_listener(settings.kafka_port, pid, lay, deadline)
        created = _ensure_topics(settings, deadline, f"see {lay.log}", report)
    return BrokerInfo(settings.kafka_bootstrap, pid, started, version, created)


def stop(settings: Settings, *, report: Report = print, timeout_s: float = 30.0) -> bool:
    """Stop the local broker `ensure_up` started, by its pid; True if one was running."""
    if not settings.kafka_is_local:
        report(f"SVC_KAFKA_BOOTSTRAP is set ({settings.kafka_bootstrap}): no local broker to stop")
        return False
    lay = layout(settings)
    if not lay.root.is_dir():
        report("no local Kafka broker is running")
        return False
    with file_lock(lay.lock):
        pid = _running_pid(lay)
        if pid is None:
            _discard_stale_pid(lay, report)
            report("no local Kafka broker is running")
            return False
        report(f"stopping the Kafka broker (pid {pid}) …")
        clean = stop_pid(pid, timeout_s)
        lay.pid_file.unlink(missing_ok=True)
    report("stopped" if clean else f"no clean shutdown within {timeout_s:.0f} s: killed it")
    return True


def is_running(settings: Settings, timeout_s: float = 5.0) -> bool:
    """Whether the broker answers: the local one (started by us) or SVC_KAFKA_BOOTSTRAP's."""
    return broker_status(settings, timeout_s=timeout_s).running


def broker_status(settings: Settings, *, timeout_s: float = 5.0) -> BrokerStatus:
    """Running or not, where, which version, and which platform topics exist."""
    if not settings.kafka_is_local:
        topics = _topics_if_answering(settings.kafka_bootstrap, timeout_s)
        running = topics is not None
        return BrokerStatus(running, False, settings.kafka_bootstrap, None, None, topics or ())
    lay = layout(settings)
    pid = _running_pid(lay)
    port = _configured_port(lay) if pid is not None else None
    bootstrap = f"{HOST}:{port or settings.kafka_port}"
    if pid is None or port is None or not port_accepts(HOST, port):
        return BrokerStatus(False, True, bootstrap, pid, None, ())
    topics = _topics_if_answering(bootstrap, timeout_s)
    return BrokerStatus(
        topics is not None, True, bootstrap, pid, _running_version(pid), topics or ()
    )


def _topics_if_answering(bootstrap: str, timeout_s: float) -> tuple[str, ...] | None:
    try:
        with connect_admin(bootstrap, timeout_s, "") as admin:
            return tuple(present_topics(admin))
    except UserError:
        return None


def _running_pid(lay: BrokerLayout) -> int | None:
    """The pid in the pid file if it is alive and is the broker run from this var dir."""
    pid = read_pid(lay.pid_file)
    if pid is None or not is_alive(pid):
        return None
    command = command_line(pid) or ""
    return pid if BROKER_MAIN in command and str(lay.config) in command else None


def _discard_stale_pid(lay: BrokerLayout, report: Report) -> None:
    if lay.pid_file.exists():
        stale = lay.pid_file.read_text(encoding="ascii", errors="replace").strip()
        lay.pid_file.unlink()
        report(f"removed stale pid file {lay.pid_file} (pid {stale} is not a running broker)")


def _configured_port(lay: BrokerLayout) -> int | None:
    try:
        return read_listener_port(lay.config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _running_version(pid: int) -> str | None:
    match = _VERSION_RE.search(command_line(pid) or "")
    return match.group(1) if match else None


def _check_same_port(lay: BrokerLayout, pid: int, port: int) -> None:
    running_port = _configured_port(lay)
    if running_port is not None and running_port != port:
        raise UserError(
            f"the local Kafka broker is already running on {HOST}:{running_port} (pid {pid}); "
            f"run `svcstd stack down` first to move it to port {port}"
        )


def _start(settings: Settings, opts: KafkaOptions, lay: BrokerLayout, report: Report) -> int:
    """Resolve, configure, format if new, and start the broker detached; returns its pid."""
    java = require_java()
    jars = ensure_jars(opts.cache_dir, opts.version, report)
    port = settings.kafka_port
    controller_port = opts.controller_port_for(port)
    _check_ports_free(port, controller_port)
    lay.root.mkdir(parents=True, exist_ok=True)
    lay.config.write_text(render_server_properties(lay.data, port, controller_port), "utf-8")
    lay.log4j_config.write_text(render_log4j2(lay.log), "utf-8")
    java_base = [java, f"-Dlog4j2.configurationFile={lay.log4j_config}", "-cp", f"{jars}/*"]
    if lay.meta.is_file():
        report(f"reusing the broker storage in {lay.data}")
    else:
        report(f"formatting the broker storage in {lay.data} …")
        _format_storage(java_base, lay)
    report(f"starting the Kafka {opts.version} broker on {HOST}:{port} (log: {lay.log}) …")
    jvm_flags = [
        f"-Xmx{opts.heap}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-D{VERSION_PROPERTY}={opts.version}",  # lets `status` tell the running version
    ]
    command = [java, *jvm_flags, *java_base[1:], BROKER_MAIN, str(lay.config)]
    pid = start_detached(command, lay.console, cwd=lay.root)
    write_pid(lay.pid_file, pid)
    return pid


def _check_ports_free(port: int, controller_port: int) -> None:
    if not port_is_free(HOST, port):
        raise UserError(
            f"port {port} on {HOST} is already taken by another process; stop it, or choose "
            "another port with --kafka-port / SVC_KAFKA_PORT, or set SVC_KAFKA_BOOTSTRAP to "
            "use a broker that is already running"
        )
    if not port_is_free(HOST, controller_port):
        raise UserError(
            f"port {controller_port} on {HOST} (the broker's controller port) is already taken "
            "by another process; choose another with --controller-port / "
            "SVC_KAFKA_CONTROLLER_PORT"
        )


def _format_storage(java_base: list[str], lay: BrokerLayout) -> None:
    """Give the new data directory a cluster id and its standalone KRaft quorum, once."""
    tool = [*java_base, STORAGE_TOOL]
    cluster_id = _run_tool([*tool, "random-uuid"], "random-uuid").splitlines()[-1].strip()
    _run_tool(
        [*tool, "format", "--standalone", "-t", cluster_id, "-c", str(lay.config)],
        "formatting the broker storage",
    )


def _run_tool(command: list[str], what: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise UserError(f"{what} failed ({STORAGE_TOOL}): {lines[-1]}")
    return result.stdout


def _wait_for_listener(port: int, pid: int, lay: BrokerLayout, deadline: float) -> None:
    """Wait for the broker's port, failing fast (with the log's path) if the JVM exits."""
    while not port_accepts(HOST, port):
        if not is_alive(pid):
            lay.pid_file.unlink(missing_ok=True)
            raise UserError(
                f"the Kafka broker (pid {pid}) exited during startup; see {lay.log} and {lay.console}"
            )
        if time.monotonic() >= deadline:
            raise UserError(
                f"the Kafka broker (pid {pid}) did not open {HOST}:{port} in time; see {lay.log} "
                "(`svcstd stack down` stops it)"
            )
        time.sleep(0.2)


def _ensure_topics(
    settings: Settings, deadline: float, hint: str, report: Report
) -> tuple[str, ...]:
    report(f"waiting for the broker at {settings.kafka_bootstrap} …")
    remaining = max(deadline - time.monotonic(), 1.0)
    with connect_admin(settings.kafka_bootstrap, remaining, hint) as admin:
        report(f"creating topics ({settings.partitions} partitions each) …")
        created = ensure_topics(admin, settings.partitions)
    present = len(ALL_TOPICS) - len(created)
    report(f"topics: {len(created)} created, {present} already present")
    return tuple(created)
