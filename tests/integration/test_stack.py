"""The local stack for real: a broker in a temp var dir on a free port, up → down → up.

Jars come from the project's cache (`.cache/`), so only the first run ever downloads.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType

import processors.cli
from events.settings import Settings, load_settings
from events.topics import ALL_TOPICS, STANDARDS_TOPIC, VIOLATIONS_TOPIC
from processors.stack import kafka_runtime
from processors.stack.processes import free_port_pair, is_alive, read_pid

pytestmark = pytest.mark.integration

PARTITIONS = 2


def _quiet(_line: str) -> None:
    """Reports are not asserted on here; the CLI test below reads them."""


@pytest.fixture(scope="module")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        "SVC_VAR_DIR": str(tmp_path_factory.mktemp("stack-var")),
        "SVC_KAFKA_PORT": str(free_port_pair()),
        "SVC_PARTITIONS": str(PARTITIONS),
    }


@pytest.fixture(scope="module")
def stack(stack_env: dict[str, str]) -> Iterator[Settings]:
    settings = load_settings(stack_env)
    try:
        yield settings
    finally:
        kafka_runtime.stop(settings, report=_quiet)


def _admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, bootstrap_timeout_ms=10_000)


def _read_all(settings: Settings, topic: str) -> list[bytes]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, consumer_timeout_ms=5_000)
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return [record.value for record in consumer]
    finally:
        consumer.close()


def test_up_creates_topics_and_is_idempotent(stack: Settings) -> None:
    first = kafka_runtime.ensure_up(stack, report=_quiet)
    assert first.started and first.pid is not None
    assert set(first.topics_created) == set(ALL_TOPICS)
    assert read_pid(kafka_runtime.layout(stack).pid_file) == first.pid
    assert (kafka_runtime.layout(stack).log).stat().st_size > 0

    with _admin(stack) as admin:
        assert set(ALL_TOPICS) <= set(admin.list_topics())
        described = {t["name"]: t for t in admin.describe_topics([VIOLATIONS_TOPIC])}
        assert len(described[VIOLATIONS_TOPIC]["partitions"]) == PARTITIONS
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, STANDARDS_TOPIC)]
        )
        standards = configs["topic"][STANDARDS_TOPIC]
        assert standards["cleanup.policy"]["value"] == "compact"

    again = kafka_runtime.ensure_up(stack, report=_quiet)
    assert not again.started
    assert again.pid == first.pid
    assert again.topics_created == ()
    assert kafka_runtime.is_running(stack)


def test_messages_survive_down_and_up(stack: Settings) -> None:
    kafka_runtime.ensure_up(stack, report=_quiet)
    payload = f"kept-{uuid.uuid4()}".encode()
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    try:
        producer.send(VIOLATIONS_TOPIC, key=b"k", value=payload).get(timeout=30)
    finally:
        producer.close()

    pid = read_pid(kafka_runtime.layout(stack).pid_file)
    assert pid is not None
    assert kafka_runtime.stop(stack, report=_quiet)
    assert not is_alive(pid)
    assert not kafka_runtime.layout(stack).pid_file.exists()
    assert not kafka_runtime.is_running(stack, timeout_s=1)

    restarted = kafka_runtime.ensure_up(stack, report=_quiet)
    assert restarted.started and restarted.pid != pid
    assert restarted.topics_created == ()
    assert payload in _read_all(stack, VIOLATIONS_TOPIC)


def test_cli_status_logs_down(
    stack: Settings,
    stack_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kafka_runtime.ensure_up(stack, report=_quiet)
    for name, value in stack_env.items():
        monkeypatch.setenv(name, value)
    # Only this package's commands: the test must not depend on the others being importable.
    monkeypatch.setattr(processors.cli, "COMMAND_MODULES", ("processors.stack.cli",))

    def svcstd(*args: str) -> tuple[int, str]:
        code = processors.cli.main(["stack", *args])
        return code, capsys.readouterr().out

    code, out = svcstd("status")
    assert code == 0
    assert f"bootstrap:  {stack.kafka_bootstrap}" in out
    assert f"{len(ALL_TOPICS)}/{len(ALL_TOPICS)} present" in out

    code, out = svcstd("logs", "-n", "5")
    assert code == 0
    assert len(out.splitlines()) == 5

    code, out = svcstd("down")
    assert code == 0
    assert "stopped" in out
    code, out = svcstd("status")
    assert code == 1
    assert "not running" in out
