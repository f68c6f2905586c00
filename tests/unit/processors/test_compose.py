"""The compose profile cannot run here (no Docker engine), so its wiring is checked by parsing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_services_are_all_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= {
        "kafka",
        "clickhouse",
        "worker",
        "sink",
        "dashboard",
        "simulator",
    }


def test_official_images_for_the_real_dependencies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_platform_services_point_at_kafka_and_clickhouse(compose: dict[str, Any]) -> None:
    for name in ("worker", "sink", "dashboard", "simulator", "init"):
        env = compose["services"][name]["environment"]
        assert env["SVC_KAFKA_BOOTSTRAP"] == "kafka:9092", name
        assert env["SVC_CLICKHOUSE_DSN"].startswith("http://"), name
        assert env["SVC_CLICKHOUSE_DSN"].split("@")[1].startswith("clickhouse:8123"), name


def test_services_wait_for_healthy_dependencies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "healthcheck" in services["kafka"] and "healthcheck" in services["clickhouse"]
    assert "healthcheck" in services["dashboard"]
    assert services["init"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    for name in ("worker", "sink", "dashboard"):
        assert services[name]["depends_on"]["init"]["condition"] == "service_completed_successfully"


def test_the_sink_serves_metrics_to_the_compose_network_and_logs_json(
    compose: dict[str, Any],
) -> None:
    sink = compose["services"]["sink"]
    assert sink["environment"]["SVC_METRICS_HOST"] == "0.0.0.0"
    assert sink["environment"]["SVC_LOG_FORMAT"] == "json"
    assert "9465" in sink["expose"]


def test_simulator_runs_only_under_its_profile(compose: dict[str, Any]) -> None:
    assert compose["services"]["simulator"]["profiles"] == ["simulator"]


def test_commands_are_real_svcstd_subcommands(compose: dict[str, Any]) -> None:
    from processors.cli import build_parser

    parser = build_parser()
    for name in ("init", "worker", "sink", "dashboard", "simulator"):
        parser.parse_args(compose["services"][name]["command"])


def test_docker_compose_config_accepts_the_file() -> None:
    docker = shutil.which("docker")
    has_compose = docker is not None and (
        subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode
        == 0
    )
    if not has_compose:
        assert (ROOT / "Dockerfile").is_file()
        return
    result = subprocess.run(
        [docker or "docker", "compose", "config", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
