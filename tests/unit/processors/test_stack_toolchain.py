"""Java/Maven checks and the jar cache: what the user is told when a tool is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from events.errors import UserError
from events.settings import load_settings
from processors.stack import jars, kafka_runtime, toolchain


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ('openjdk version "25-ea" 2025-09-16', 25),
        ("no version here", None),
    ],
)
def test_parse_java_major(output: str, major: int | None) -> None:
    assert toolchain.parse_java_major(output) == major


def test_missing_java_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolchain.shutil, "which", lambda _name: None)
    with pytest.raises(UserError) as caught:
        toolchain.require_java()
    message = str(caught.value)
    assert "\n" not in message
    assert "Java 17 or newer" in message
    assert "openjdk-17-jdk-headless" in message
    assert "SVC_KAFKA_BOOTSTRAP" in message


def test_old_java_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolchain.shutil, "which", lambda _name: "/usr/bin/java")

    def fake_run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 0, "", 'openjdk version "11.0.2"')

    monkeypatch.setattr(toolchain.subprocess, "run", fake_run)
    with pytest.raises(UserError, match=r"is Java 11; Java 17 or newer"):
        toolchain.require_java()


def test_missing_maven_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolchain.shutil, "which", lambda _name: None)
    with pytest.raises(UserError, match=r"apt-get install maven"):
        toolchain.require_maven()


def test_up_without_java_is_a_user_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(toolchain.shutil, "which", lambda _name: None)
    settings = load_settings({"SVC_VAR_DIR": str(tmp_path)})
    options = kafka_runtime.KafkaOptions(cache_dir=tmp_path / "cache")
    with pytest.raises(UserError, match="Java 17 or newer"):
        kafka_runtime.ensure_up(settings, options=options, report=lambda _line: None)


def test_cached_jars_need_no_maven(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(toolchain.shutil, "which", lambda _name: None)
    directory = jars.jar_dir(tmp_path, "9.9.9")
    directory.mkdir(parents=True)
    (directory / "kafka_2.13-9.9.9.jar").write_bytes(b"")
    (directory / jars.COMPLETE_MARKER).write_text("done", encoding="utf-8")
    assert jars.ensure_jars(tmp_path, "9.9.9", lambda _line: None) == directory


def test_half_finished_copy_is_redone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(toolchain.shutil, "which", lambda _name: None)
    directory = jars.jar_dir(tmp_path, "9.9.9")
    directory.mkdir(parents=True)
    (directory / "kafka_2.13-9.9.9.jar").write_bytes(b"")  # no marker: copy was interrupted
    assert not jars.jars_ready(directory, "9.9.9")
    with pytest.raises(UserError, match="Maven is needed"):
        jars.ensure_jars(tmp_path, "9.9.9", lambda _line: None)
