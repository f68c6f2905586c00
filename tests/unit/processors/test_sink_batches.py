"""The sink's batches without ClickHouse: a client that records inserts (or refuses them)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from clickhouse_connect.driver.client import Client
from prometheus_client import CollectorRegistry

from processors.sink.batch_sink import ClickHouseSink
from processors.sink.config import SinkConfig
from processors.sink.metrics import SinkMetrics

COLUMNS = (("check_id", "String", ""), ("value", "Nullable(Float64)", ""))


@dataclass
class _Described:
    result_rows: list[tuple[str, str, str]]


@dataclass
class RecordingClient:
    """Answers DESCRIBE for a two-column table; keeps every insert; refuses while `refusing`."""

    refusing: bool = False
    inserts: list[tuple[str, list[list[Any]], str]] = field(default_factory=list)

    def query(self, sql: str) -> _Described:
        return _Described(list(COLUMNS))

    def insert(
        self, table: str, rows: list[list[Any]], column_names: list[str], settings: dict[str, str]
    ) -> None:
        if self.refusing:
            raise RuntimeError("Code: 252. Too many parts")
        self.inserts.append((table, rows, settings["insert_deduplication_token"]))


def _sink(client: RecordingClient, **config: Any) -> tuple[ClickHouseSink, CollectorRegistry]:
    registry = CollectorRegistry()
    sink = ClickHouseSink(
        cast(Client, client), config=SinkConfig(**config), metrics=SinkMetrics(registry)
    )
    return sink, registry


def _check(n: int) -> bytes:
    return json.dumps({"check_id": f"c{n}", "value": n}).encode()


def test_a_table_batch_gathers_its_partitions_and_commits_each_past_its_last_offset() -> None:
    client = RecordingClient()
    sink, registry = _sink(client)
    sink.add("svc.kpis", 0, 10, _check(1))
    sink.add("svc.kpis", 1, 4, _check(2))
    sink.add("svc.kpis", 0, 11, b"{broken")
    written = sink.insert("svc.checks")
    assert (written.table, written.rows) == ("svc.checks", 2)
    assert written.offsets == {("svc.kpis", 0): 12, ("svc.kpis", 1): 5}
    [(table, rows, _)] = client.inserts
    assert table == "svc.checks" and sorted(r[0] for r in rows) == ["c1", "c2"]
    assert sink.tables() == []
    assert registry.get_sample_value("svc_sink_rows_inserted_total", {"table": "svc.checks"}) == 2
    assert registry.get_sample_value("svc_sink_records_rejected_total", {"topic": "svc.kpis"}) == 1


def test_the_token_depends_on_the_messages_not_on_how_partitions_interleave() -> None:
    client = RecordingClient()
    sink, _ = _sink(client)
    for partition, offset, n in ((0, 1, 1), (1, 1, 2), (0, 2, 3)):
        sink.add("svc.kpis", partition, offset, _check(n))
    sink.insert("svc.checks")
    for partition, offset, n in ((1, 1, 2), (0, 1, 1), (0, 2, 3)):
        sink.add("svc.kpis", partition, offset, _check(n))
    sink.insert("svc.checks")
    for partition, offset, n in ((1, 1, 2), (0, 1, 1), (0, 2, 4)):
        sink.add("svc.kpis", partition, offset, _check(n))
    sink.insert("svc.checks")
    tokens = [token for _, _, token in client.inserts]
    assert tokens[0] == tokens[1] != tokens[2]
    assert tokens[0].startswith("svc.checks:")


def test_a_refused_batch_stays_whole_and_is_retried_with_the_same_token() -> None:
    client = RecordingClient(refusing=True)
    sink, registry = _sink(client)
    sink.add("svc.kpis", 0, 1, _check(1))
    with pytest.raises(RuntimeError, match="Too many parts"):
        sink.insert("svc.checks")
    sink.add("svc.kpis", 0, 2, _check(2))
    with pytest.raises(RuntimeError):
        sink.insert("svc.checks")
    assert sink.pending() == 2
    assert registry.get_sample_value("svc_sink_insert_failures_total", {"table": "svc.checks"}) == 2
    client.refusing = False
    assert sink.insert("svc.checks").rows == 2
    retry_token = client.inserts[0][2]
    sink.add("svc.kpis", 0, 1, _check(1))
    sink.add("svc.kpis", 0, 2, _check(2))
    sink.insert("svc.checks")
    assert client.inserts[1][2] == retry_token


def test_a_batch_is_due_when_full_by_rows_or_bytes_or_a_second_old() -> None:
    sink, _ = _sink(RecordingClient(), batch_rows=3, batch_bytes=10_000, batch_seconds=1.0)
    sink.add("svc.kpis", 0, 1, _check(1))
    started = sink.due_at("svc.checks") - 1.0
    sink.add("svc.kpis", 0, 2, _check(2))
    assert sink.due_at("svc.checks") == started + 1.0
    sink.add("svc.kpis", 0, 3, _check(3))
    assert sink.due_at("svc.checks") == started
    big, _ = _sink(RecordingClient(), batch_rows=1000, batch_bytes=100, batch_seconds=60.0)
    big.add("svc.kpis", 0, 1, json.dumps({"check_id": "x" * 200}).encode())
    assert big.due_at("svc.checks") <= time.monotonic()


def test_dropping_revoked_partitions_forgets_their_rows_only() -> None:
    client = RecordingClient()
    sink, _ = _sink(client)
    sink.add("svc.kpis", 0, 1, _check(1))
    sink.add("svc.kpis", 1, 7, _check(2))
    sink.add("svc.kpis", 1, 8, _check(3))
    sink.add("svc.violations", 0, 3, b"{}")
    dropped = sink.drop([("svc.kpis", 1), ("svc.violations", 0), ("svc.kpis", 2)])
    assert dropped == {("svc.kpis", 1): 7, ("svc.violations", 0): 3}
    assert sink.pending() == 1
    assert sink.tables() == ["svc.checks"]
    assert sink.insert("svc.checks").offsets == {("svc.kpis", 0): 2}


def test_a_record_of_the_wrong_types_or_no_value_is_skipped_not_inserted() -> None:
    client = RecordingClient()
    sink, registry = _sink(client)
    sink.add_many(
        "svc.kpis",
        0,
        [
            (1, json.dumps({"check_id": "c1", "value": "high"}).encode(), None),
            (2, None, None),
            (3, b"[1, 2]", None),
            (4, _check(4), None),
        ],
    )
    written = sink.insert("svc.checks")
    assert (written.rows, written.offsets) == (1, {("svc.kpis", 0): 5})
    assert registry.get_sample_value("svc_sink_records_rejected_total", {"topic": "svc.kpis"}) == 3
