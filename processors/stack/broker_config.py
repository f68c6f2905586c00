"""Files of the local broker under var/kafka, and the text of its two config files.

Pure functions of ports and paths, so they are unit-tested without a JVM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
LOG_MAX_SIZE = "20MB"
LOG_KEEP = 5


@dataclass(frozen=True)
class BrokerLayout:
    """Where the local broker keeps its config, data, pid and logs."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j_config(self) -> Path:
        return self.root / "log4j2.properties"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def meta(self) -> Path:
        return self.data / "meta.properties"

    @property
    def pid_file(self) -> Path:
        return self.root / "broker.pid"

    @property
    def log(self) -> Path:
        return self.root / "broker.log"

    @property
    def console(self) -> Path:
        """The JVM's own stdout/stderr: crashes before logging starts end up here."""
        return self.root / "broker.out"

    @property
    def lock(self) -> Path:
        return self.root / "stack.lock"


def render_server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    """A single-node KRaft broker+controller listening on loopback only."""
    lines = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir),
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    body = "\n".join(f"{key}={value}" for key, value in lines.items())
    return f"# Written by `svcstd stack up`; rewritten on every start.\n{body}\n"


def render_log4j2(log_file: Path) -> str:
    """log4j2 config: INFO to a size-rotated broker.log, timestamps with their UTC offset."""
    return f"""# Written by `svcstd stack up`; rewritten on every start.
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.filePattern = {log_file}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d{{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}}] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = {LOG_MAX_SIZE}
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = {LOG_KEEP}
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
"""


_LISTENER_RE = re.compile(r"^listeners=.*PLAINTEXT://[^:,]+:(\d+)", re.MULTILINE)


def read_listener_port(config_text: str) -> int | None:
    """The PLAINTEXT port a rendered server.properties listens on."""
    match = _LISTENER_RE.search(config_text)
    return int(match.group(1)) if match else None
