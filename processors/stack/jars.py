"""The Kafka broker's jars, resolved once from Maven Central into a local cache.

Maven is the one tool that resolves a Kafka release's exact runtime classpath
from its published pom; the cache keeps later `up`s offline and fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from events.errors import UserError
from processors.stack.processes import file_lock
from processors.stack.toolchain import require_maven

KAFKA_VERSION = "4.1.1"
# The log4j-core version kafka_2.13 4.1.1 depends on; its slf4j binding must match it.
LOG4J_VERSION = "2.24.3"
SCALA_VERSION = "2.13"
COMPLETE_MARKER = ".complete"


def kafka_version(environ: dict[str, str] | None = None) -> str:
    """The Kafka release to run: SVC_KAFKA_VERSION, else the tested default."""
    env = os.environ if environ is None else environ
    return env.get("SVC_KAFKA_VERSION", "").strip() or KAFKA_VERSION


def default_cache_dir(environ: dict[str, str] | None = None) -> Path:
    """SVC_CACHE_DIR, else `.cache/` at the project root, else ~/.cache/svcstd."""
    env = os.environ if environ is None else environ
    configured = env.get("SVC_CACHE_DIR", "").strip()
    if configured:
        return Path(configured).resolve()
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file():
        return root / ".cache"
    return Path.home() / ".cache" / "svcstd"


def jar_dir(cache_dir: Path, version: str) -> Path:
    return cache_dir / "kafka" / version / "jars"


def broker_jar_name(version: str) -> str:
    return f"kafka_{SCALA_VERSION}-{version}.jar"


def jars_ready(jars: Path, version: str) -> bool:
    """Complete only with the marker written after a successful copy."""
    return (jars / COMPLETE_MARKER).is_file() and (jars / broker_jar_name(version)).is_file()


def ensure_jars(cache_dir: Path, version: str, report: Callable[[str], None]) -> Path:
    """The jar directory for `version`, resolving it with Maven if not cached yet."""
    jars = jar_dir(cache_dir, version)
    if jars_ready(jars, version):
        report(f"Kafka {version} jars: cached in {jars}")
        return jars
    workdir = jars.parent
    with file_lock(workdir / "resolve.lock"):
        if jars_ready(jars, version):
            return jars
        mvn = require_maven()
        report(f"resolving Kafka {version} jars from Maven Central into {jars} …")
        shutil.rmtree(jars, ignore_errors=True)
        pom = workdir / "pom.xml"
        pom.write_bytes(resources.files("processors.stack").joinpath("kafka-pom.xml").read_bytes())
        log = workdir / "mvn.log"
        command = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={jars}",
            f"-Dmaven.repo.local={cache_dir / 'm2'}",
            f"-Dkafka.version={version}",
            f"-Dlog4j.version={LOG4J_VERSION}",
        ]
        with log.open("wb") as out:
            result = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, check=False
            )
        if result.returncode != 0 or not (jars / broker_jar_name(version)).is_file():
            raise UserError(
                f"Maven could not resolve org.apache.kafka:kafka_{SCALA_VERSION}:{version} "
                f"(details in {log}); check network access to Maven Central or the mirrors "
                "in ~/.m2/settings.xml"
            )
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        (jars / COMPLETE_MARKER).write_text(f"{stamp}\n", encoding="utf-8")
    return jars
