"""The producer SDK without a broker: its settings, its placement, and its public ground.

What it does with a broker (records, keys, headers, order, errors) is
tests/integration/test_publisher.py.
"""

from __future__ import annotations

import ast
import inspect

import pytest
from kafka.partitioner.default import DefaultPartitioner

import events.publisher
from events.publisher import KeyPlacement, Publisher

# No broker listens here; api_version given so the producer does not ask one.
NOWHERE = "127.0.0.1:9"


def test_acks_all_idempotence_batching_compression_and_placement() -> None:
    publisher = Publisher(f"{NOWHERE},127.0.0.1:10", api_version=(3, 9))
    try:
        config = publisher.producer.config
        assert config["bootstrap_servers"] == ["127.0.0.1:9", "127.0.0.1:10"]
        assert config["acks"] in ("all", -1)
        assert config["enable_idempotence"] is True
        assert config["linger_ms"] > 0 and config["batch_size"] >= 64 * 1024
        assert config["compression_type"] == "lz4"
        assert isinstance(config["partitioner"], KeyPlacement)
    finally:
        publisher.producer.close(timeout=5)


class _Cluster:
    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(6))

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return {1, 2}  # placement of a keyed record must not depend on availability

    def topics(self) -> set[str]:
        return {"t"}


def test_keys_land_where_kafkas_default_partitioner_puts_them() -> None:
    ours, theirs, cluster = KeyPlacement(), DefaultPartitioner(), _Cluster()
    keys = [f"GD-H0001:20260302:v{i:04d}".encode() for i in range(2000)] * 2
    placed = [ours.partition("t", None, k, None, None, cluster) for k in keys]
    assert placed == [theirs.partition("t", None, k, None, None, cluster) for k in keys]
    assert len(set(placed)) == 6
    assert ours.partition("t", None, None, None, None, cluster) in {1, 2}  # unkeyed: available


def test_the_producer_must_not_be_transactional() -> None:
    with pytest.raises(Exception, match="transactions"):
        Publisher(NOWHERE, transactional_id="x")


def test_only_kafka_pythons_public_api_is_used() -> None:
    """No private attribute of anything but the publisher itself, nothing replaced."""
    tree = ast.parse(inspect.getsource(events.publisher))
    private, assigned, imported = [], [], []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id == "self")
        ):
            private.append(ast.unparse(node))
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and not (
                        isinstance(sub.value, ast.Name) and sub.value.id == "self"
                    ):
                        assigned.append(ast.unparse(sub))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kafka"):
            imported.append(node.module)
    assert private == [] and assigned == []
    assert set(imported) <= {"kafka", "kafka.errors", "kafka.partitioner"}
