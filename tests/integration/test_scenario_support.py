"""The scenario harness itself: a private broker survives SIGKILL with its data; the helpers."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import MessageSizeTooLargeError
from scenario_support import (
    MALFORMED_KINDS,
    PrivateBroker,
    clickhouse_standing,
    clock_of,
    malformed_messages,
    offline_standing,
    publish_file,
    publish_raw,
    raise_message_limit,
    simulate_file,
    wait_until_equal,
)

from events.envelope import parse_event
from events.topics import channel_of, topic_for
from processors.stack.processes import is_alive

pytestmark = pytest.mark.integration


def _read_all(bootstrap: str, topics: list[str], timeout_s: float = 60) -> dict[str, list[bytes]]:
    """Every value on these topics, from the beginning, per topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t))
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        values: dict[str, list[bytes]] = {t: [] for t in topics}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the topics to their end"
            for tp, records in consumer.poll(timeout_ms=500).items():
                values[tp.topic].extend(r.value for r in records)
        return values
    finally:
        consumer.close()


def test_a_private_broker_keeps_its_messages_across_sigkill(tmp_path: Path) -> None:
    events = simulate_file(tmp_path / "events.jsonl", "GD", "2026-03-02", "6h", None, 7)
    lines = [line for line in events.read_bytes().splitlines() if line.strip()]
    by_topic = Counter(topic_for(json.loads(line)["type"]) for line in lines)
    channels = {channel_of(json.loads(line)["type"]) for line in lines}

    broker = PrivateBroker(tmp_path / "var")
    with broker:
        first_pid = broker.pid
        assert first_pid is not None
        assert broker.start_seconds[0] < 120
        highs = publish_file(broker.bootstrap, events, partitions=3)
        assert {topic for topic, _ in highs} == set(by_topic)
        expected_high = max(datetime.fromisoformat(json.loads(line)["time"]) for line in lines)
        assert max(highs.values()) == expected_high
        sources = broker.partitions_of(channels)
        clock = clock_of(highs, sources, timedelta(seconds=30))
        assert clock == min(highs[tp] for tp in sources) - timedelta(seconds=30)
        with pytest.raises(ValueError):
            clock_of(highs, [*sources, ("svc.events.repair", 0)], timedelta(0))

        broker.kill()
        assert not is_alive(first_pid)
        broker.restart()
        assert broker.pid not in (None, first_pid)

        kept = _read_all(broker.bootstrap, sorted(by_topic))
        assert {t: len(v) for t, v in kept.items()} == dict(by_topic)
        assert sorted(v for vs in kept.values() for v in vs) == sorted(lines)

        # raw and malformed values: the empty and the null value are stored as sent
        placed = publish_raw(broker.bootstrap, "svc.events.hall", [b"", None, b"{"])
        assert all(isinstance(p, tuple) for p in placed), placed
        bad = malformed_messages(len(MALFORMED_KINDS), seed=1)
        over = MALFORMED_KINDS.index("over_1mb")
        [refused] = publish_raw(broker.bootstrap, "svc.events.hall", [bad[over][1]])
        assert isinstance(refused, MessageSizeTooLargeError)
        raise_message_limit(broker.bootstrap, ["svc.events.hall"])
        placed = publish_raw(broker.bootstrap, "svc.events.hall", [v for _, v in bad])
        assert all(isinstance(p, tuple) for p in placed), placed
    assert not is_alive(broker.pid or first_pid)
    assert broker.start_seconds[1] < 120


def test_malformed_messages_are_deterministic_and_bad() -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    n = 2 * len(MALFORMED_KINDS) + 3
    messages = malformed_messages(n, seed=5, now=now)
    assert messages == malformed_messages(n, seed=5, now=now)
    assert messages != malformed_messages(n, seed=6, now=now)
    assert len(MALFORMED_KINDS) >= 12
    sizes = {
        kind: len(value or b"") for kind, (_, value) in zip(MALFORMED_KINDS, messages, strict=False)
    }
    assert sizes["empty_value"] == sizes["null_value"] == 0
    assert sizes["over_1mb"] == 1_100_000
    assert sizes["huge_subject_200kb"] > 200_000
    ids = []
    for kind, (topic, value) in zip(MALFORMED_KINDS * 3, messages, strict=False):
        assert topic == "svc.events.hall"
        valid = kind in {"future_30_days", "huge_subject_200kb", "over_1mb"}
        if valid:
            event = parse_event(value or b"")
            ids.append(event.id)
            assert event.province == "ZZ"
        else:
            with pytest.raises(ValueError):
                parse_event(value or b"")
    assert len(ids) == len(set(ids)) == 6


def test_offline_and_clickhouse_standing(tmp_path: Path, clickhouse: Client) -> None:
    events = simulate_file(tmp_path / "e.jsonl", "BJ", "2026-03-02T08:00:00+08:00", "4h", None, 3)
    late = datetime(2026, 4, 1, tzinfo=UTC)
    assert offline_standing(events, late) >= offline_standing(events, late - timedelta(days=29))

    province = f"T{time.time_ns() % 10**8}"
    columns = ["violation_id", "standard", "version", "rule", "clause", "severity", "province"]
    columns += ["unit", "subject", "detected_at", "evidence", "message_zh", "message_en"]
    columns += ["retracted", "revision"]

    def row(vid: str, retracted: bool, revision: int) -> list[object]:
        head = [f"{province}-{vid}", "s", 1, "r", "c", "minor", province, "u", vid, late]
        return [*head, [], "", "", retracted, revision]

    rows = [row("a", False, 0), row("b", False, 0), row("b", True, 1)]
    rows += [row("c", True, 0), row("c", False, 1)]
    clickhouse.insert("svc.violations", rows, column_names=columns)
    expected = {f"{province}-a", f"{province}-c"}
    found = wait_until_equal(lambda: clickhouse_standing(clickhouse, [province]), expected, 10)
    assert found == expected
    assert clickhouse_standing(clickhouse, ["nowhere"]) == set()
