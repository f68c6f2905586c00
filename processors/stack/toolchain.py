"""Checks for the two host tools the local broker needs: a JDK 17+ and Maven.

Kafka 4.x brokers refuse older JVMs with an obscure class-version error, so the
check runs first and names what to install instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from events.errors import UserError

MIN_JAVA_MAJOR = 17
_ALTERNATIVE = "or set SVC_KAFKA_BOOTSTRAP to an existing broker"
JAVA_MISSING = (
    f"Java {MIN_JAVA_MAJOR} or newer is needed to run the local Kafka broker: install a JDK "
    f"{MIN_JAVA_MAJOR}+ (Debian: apt-get install openjdk-17-jdk-headless) {_ALTERNATIVE}"
)
MAVEN_MISSING = (
    "Maven is needed once to download the Kafka broker's jars: install Maven "
    f"(Debian: apt-get install maven) {_ALTERNATIVE}"
)

_VERSION_RE = re.compile(r'version "([^"]+)"')


def parse_java_major(version_output: str) -> int | None:
    """The major version in `java -version` output ("1.8.0_292" → 8, "21.0.2" → 21)."""
    match = _VERSION_RE.search(version_output)
    if match is None:
        return None
    parts = re.split(r"[._+-]", match.group(1))
    major = parts[1] if parts[0] == "1" and len(parts) > 1 else parts[0]
    return int(major) if major.isdigit() else None


def require_java() -> str:
    """Path of a `java` on PATH that is new enough; UserError otherwise."""
    java = shutil.which("java")
    if java is None:
        raise UserError(JAVA_MISSING)
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    major = parse_java_major(result.stderr + result.stdout)
    if major is None or major < MIN_JAVA_MAJOR:
        found = f"Java {major}" if major is not None else "an unrecognised Java"
        raise UserError(f"{java} is {found}; {JAVA_MISSING}")
    return java


def require_maven() -> str:
    """Path of `mvn` on PATH; UserError otherwise."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise UserError(MAVEN_MISSING)
    return mvn
