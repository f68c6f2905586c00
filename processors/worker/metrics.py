"""The worker's Prometheus metrics, served at /metrics by `svcstd worker`.

Counted where a decision is made, once per message: events and dead letters by the
shard that owns them (so the counters of all workers in a group add up to what was
published, whatever the number of workers), verdicts as they are sent. A replay
after a rollback counts again, as it sends again.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

BATCH_BUCKETS = (1, 10, 100, 1_000, 5_000, 10_000, 20_000, 50_000)
SECONDS_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def reason_class(reason: str) -> str:
    """`late: time … is before …` → `late`: a label with a handful of values."""
    return reason.split(":", 1)[0].strip() or "unknown"


class WorkerMetrics:
    """What the worker read, decided and sent, and how far behind it is."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.events_in = Counter(
            "svc_worker_events",
            "Valid events taken by this worker's shards, by topic.",
            ["topic"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "svc_worker_dead_letters",
            "Messages this worker's shards dead-lettered, by topic and reason class "
            "(empty, too large, invalid, future, late).",
            ["topic", "reason"],
            registry=registry,
        )
        self.verdicts_out = Counter(
            "svc_worker_verdicts",
            "Verdicts sent, by kind (violation, check, clock).",
            ["kind"],
            registry=registry,
        )
        self.messages_read = Counter(
            "svc_worker_messages_read",
            "Messages read from the event topics (every worker reads every partition).",
            ["topic"],
            registry=registry,
        )
        self.batch_records = Histogram(
            "svc_worker_batch_records",
            "Records per fetched batch.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.step_seconds = Histogram(
            "svc_worker_step_seconds",
            "Time to judge, evaluate and send one fetched batch.",
            buckets=SECONDS_BUCKETS,
            registry=registry,
        )
        self.checkpoint_seconds = Histogram(
            "svc_worker_checkpoint_seconds",
            "Time to serialise and send the checkpoints of all owned shards.",
            buckets=SECONDS_BUCKETS,
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "svc_worker_consumer_lag",
            "Messages in an event partition not yet read by this worker: the partition's "
            "high watermark less the worker's position.",
            ["topic", "partition"],
            registry=registry,
        )
        self.partition_mark = Gauge(
            "svc_worker_partition_mark_seconds",
            "How far a partition lets the clocks go (event time, POSIX seconds): the lowest "
            "mark any owned shard holds for it.",
            ["topic", "partition"],
            registry=registry,
        )
        self.shard_clock = Gauge(
            "svc_worker_shard_clock_seconds",
            "Each owned shard's clock (its watermark, event time in POSIX seconds).",
            ["shard"],
            registry=registry,
        )
        self.waiting_events = Gauge(
            "svc_worker_waiting_events",
            "Events read and waiting for their shard's clock.",
            registry=registry,
        )
        self.shards = Gauge("svc_worker_shards", "Shards this worker owns now.", registry=registry)
