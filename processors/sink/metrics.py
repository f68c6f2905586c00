"""The sink's Prometheus metrics, served at /metrics by `svcstd sink` (and the local dashboard).

One `SinkMetrics` per registry: the process-wide one (`shared_metrics()`) for
the projectors a process runs, a private registry in tests that count exactly.
"""

from __future__ import annotations

import threading

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

BATCH_ROW_BUCKETS = (1, 10, 100, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000)
INSERT_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class SinkMetrics:
    """What the sink read, wrote, how fast, and how far behind it is."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.records_in = Counter(
            "svc_sink_records",
            "Kafka records the sink read, by topic.",
            ["topic"],
            registry=registry,
        )
        self.records_rejected = Counter(
            "svc_sink_records_rejected",
            "Records that could not be decoded into a row (skipped), by topic.",
            ["topic"],
            registry=registry,
        )
        self.rows_inserted = Counter(
            "svc_sink_rows_inserted",
            "Rows in inserts ClickHouse accepted, by table.",
            ["table"],
            registry=registry,
        )
        self.insert_failures = Counter(
            "svc_sink_insert_failures",
            "Inserts ClickHouse refused or that failed (each is retried), by table.",
            ["table"],
            registry=registry,
        )
        self.insert_seconds = Histogram(
            "svc_sink_insert_seconds",
            "Time of one accepted insert, by table.",
            ["table"],
            buckets=INSERT_SECONDS_BUCKETS,
            registry=registry,
        )
        self.batch_rows = Histogram(
            "svc_sink_batch_rows",
            "Rows per accepted insert, by table.",
            ["table"],
            buckets=BATCH_ROW_BUCKETS,
            registry=registry,
        )
        self.buffered_rows = Gauge(
            "svc_sink_buffered_rows",
            "Rows read and waiting for their insert, by table.",
            ["table"],
            registry=registry,
        )
        self.paused = Gauge(
            "svc_sink_paused",
            "1 while the sink has paused reading for a table whose inserts fail.",
            ["table"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "svc_sink_consumer_lag",
            "Records in a partition not yet in ClickHouse: its end offset less the sink's "
            "committed offset.",
            ["topic", "partition"],
            registry=registry,
        )


_shared: SinkMetrics | None = None
_shared_lock = threading.Lock()


def shared_metrics() -> SinkMetrics:
    """The metrics of this process's default registry, the one `serve_metrics` serves."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SinkMetrics(REGISTRY)
        return _shared
