"""The pure parts of the operations pages' query layer: clock warnings, /metrics parsing."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from dashboard.data.clocks import OpenClock
from dashboard.data.pipeline import Scrape, metrics_url, partitions, scrape, shard_clocks

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _clock(allowed: timedelta) -> OpenClock:
    return OpenClock("c", "repair.deadline", "GS 2.5", "critical", "GD", "U", "s", T0, T0 + allowed)


def test_clocks_warn_at_half_and_three_quarters_of_their_time() -> None:
    clock = _clock(timedelta(hours=48))
    assert clock.warning(T0 + timedelta(hours=23)) is None
    assert clock.warning(T0 + timedelta(hours=24)) == 0.5
    assert clock.warning(T0 + timedelta(hours=36)) == 0.75
    assert clock.used(T0 + timedelta(hours=12)) == 0.25


def test_metrics_urls_follow_the_processes_variables() -> None:
    env = {"SVC_WORKER_METRICS_PORT": "19464", "SVC_METRICS_HOST": "0.0.0.0"}
    assert metrics_url("worker", env) == "http://127.0.0.1:19464/metrics"
    assert metrics_url("sink", {}) == "http://127.0.0.1:9465/metrics"


def test_an_unreachable_process_is_an_answer() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = scrape(f"http://127.0.0.1:{port}/metrics", timeout=0.5)
    assert found.error is not None and found.samples == {}


def test_partitions_join_the_worker_and_sink_by_topic_and_partition() -> None:
    worker = Scrape(
        "w",
        {
            "svc_worker_consumer_lag": [({"topic": "svc.events.hall", "partition": "1"}, 5.0)],
            "svc_worker_partition_mark_seconds": [
                ({"topic": "svc.events.hall", "partition": "1"}, 1.7e9)
            ],
            "svc_worker_shard_clock_seconds": [({"shard": "2"}, 1.6e9), ({"shard": "0"}, 1.5e9)],
        },
    )
    sink = Scrape("s", {"svc_sink_consumer_lag": [({"topic": "svc.kpis", "partition": "0"}, 9.0)]})
    rows = partitions(worker, sink)
    assert [(r.topic, r.partition, r.worker_lag, r.mark, r.sink_lag) for r in rows] == [
        ("svc.events.hall", 1, 5.0, 1.7e9, None),
        ("svc.kpis", 0, None, None, 9.0),
    ]
    assert shard_clocks(worker) == [(0, 1.5e9), (2, 1.6e9)]
