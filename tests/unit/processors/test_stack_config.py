"""Rendering of the broker's config files, options and topic specs: no JVM needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from events.errors import UserError
from events.settings import load_settings
from events.topics import ALL_TOPICS, CHECKPOINTS_TOPIC, STANDARDS_TOPIC
from processors.stack.broker_config import (
    BrokerLayout,
    read_listener_port,
    render_log4j2,
    render_server_properties,
)
from processors.stack.cli import with_overrides
from processors.stack.jars import KAFKA_VERSION, default_cache_dir, kafka_version
from processors.stack.kafka_admin import topic_specs
from processors.stack.kafka_runtime import KafkaOptions


def _properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_server_properties_single_node_kraft_on_loopback() -> None:
    props = _properties(render_server_properties(Path("/v/kafka/data"), 9092, 9093))
    assert props["process.roles"] == "broker,controller"
    assert props["node.id"] == "1"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["log.dirs"] == "/v/kafka/data"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"


def test_listener_port_is_read_back_from_rendered_config() -> None:
    text = render_server_properties(Path("/d"), 19092, 19500)
    assert read_listener_port(text) == 19092
    assert read_listener_port("node.id=1\n") is None


def test_log4j2_logs_info_to_the_broker_log() -> None:
    text = render_log4j2(Path("/v/kafka/broker.log"))
    props = {key.strip(): value.strip() for key, value in _properties(text).items()}
    assert props["appender.file.fileName"] == "/v/kafka/broker.log"
    assert props["rootLogger.level"] == "info"
    assert props["rootLogger.appenderRef.file.ref"] == props["appender.file.name"]


def test_layout_keeps_everything_under_the_kafka_dir() -> None:
    layout = BrokerLayout(Path("/v/kafka"))
    assert layout.pid_file == Path("/v/kafka/broker.pid")
    assert layout.log == Path("/v/kafka/broker.log")
    assert layout.meta == Path("/v/kafka/data/meta.properties")


def test_options_from_env_and_controller_port() -> None:
    default = KafkaOptions.from_env({})
    assert default.version == KAFKA_VERSION
    assert default.controller_port_for(9092) == 9093
    custom = KafkaOptions.from_env(
        {"SVC_KAFKA_VERSION": "4.0.0", "SVC_KAFKA_CONTROLLER_PORT": "29093", "SVC_CACHE_DIR": "/c"}
    )
    assert custom.version == "4.0.0"
    assert custom.controller_port_for(9092) == 29093
    assert custom.cache_dir == Path("/c")


def test_version_and_cache_defaults() -> None:
    assert kafka_version({"SVC_KAFKA_VERSION": " "}) == KAFKA_VERSION
    assert default_cache_dir({}).name == ".cache"


def test_topic_specs_compact_only_the_standards_and_checkpoint_topics() -> None:
    specs = topic_specs(4)
    assert set(specs) == set(ALL_TOPICS)
    for name, spec in specs.items():
        assert spec["num_partitions"] == 4
        assert spec["replication_factor"] == 1
        if name == CHECKPOINTS_TOPIC:
            configs = spec["configs"]
            assert isinstance(configs, dict)
            assert configs["cleanup.policy"] == "compact"
            assert int(configs["max.message.bytes"]) >= 64 * 1024 * 1024
        else:
            expected = {"cleanup.policy": "compact"} if name == STANDARDS_TOPIC else {}
            assert spec["configs"] == expected


def test_flags_win_over_environment() -> None:
    settings = load_settings({"SVC_KAFKA_PORT": "9100", "SVC_PARTITIONS": "2"})
    overridden = with_overrides(settings, 9200, 8)
    assert overridden.kafka_port == 9200
    assert overridden.kafka_bootstrap == "127.0.0.1:9200"
    assert overridden.partitions == 8
    assert with_overrides(settings, None, None) == settings


def test_kafka_port_flag_conflicts_with_an_external_broker() -> None:
    settings = load_settings({"SVC_KAFKA_BOOTSTRAP": "kafka:9092"})
    with pytest.raises(UserError, match="SVC_KAFKA_BOOTSTRAP"):
        with_overrides(settings, 9200, None)
