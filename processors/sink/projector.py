"""The projector loop: consume the topics, insert each table's batch, then commit its offsets.

A table's batch is inserted when it is full or a second old (`SinkConfig`), and
the offsets of the partitions in it are committed only after ClickHouse accepted
it. When ClickHouse refuses an insert, the batch is kept as it is, the
partitions feeding that table are paused (the consumer keeps polling, so it
stays in its group) and the insert is retried with the same deduplication token
after a growing delay: nothing is lost, nothing is read that could not be held,
and the other tables go on.

kafka-python runs rebalance listeners on its own IO thread, so the listener here
only notes the revoked partitions; the loop's thread drops their rows and
re-derives which partitions must be paused, at every step.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from processors.sink.backoff import Backoff
from processors.sink.batch_sink import ClickHouseSink, Written
from processors.sink.config import SinkConfig, load_sink_config
from processors.sink.metrics import SinkMetrics, shared_metrics
from processors.sink.tables import TABLE_OF_TOPIC
from processors.storage.client import connect
from processors.storage.schema import create_schema

log = logging.getLogger(__name__)

GROUP_ID = "svc-projector"


class Projector:
    """Moves the event topics, svc.violations, svc.kpis and svc.deadletter into ClickHouse."""

    def __init__(
        self,
        bootstrap: str,
        dsn: str,
        *,
        group_id: str = GROUP_ID,
        config: SinkConfig | None = None,
        metrics: SinkMetrics | None = None,
    ) -> None:
        self._bootstrap = bootstrap
        self._dsn = dsn
        self._group_id = group_id
        self._config = config or SinkConfig()
        self._metrics = metrics or shared_metrics()
        self._stop = threading.Event()
        self.sink: ClickHouseSink | None = None

    def stop(self) -> None:
        self._stop.set()

    def run_forever(self) -> None:
        """`run`, restarted after any failure until `stop()`: a sink must outlive outages."""
        while not self._stop.is_set():
            try:
                self.run()
            except Exception:
                log.exception("projector stopped; restarting in 5 s")
                self._stop.wait(5.0)

    def run(self) -> None:
        """Run until `stop()`; refused inserts are retried, never skipped."""
        client = connect(self._dsn)
        create_schema(client)
        sink = self.sink = ClickHouseSink(client, config=self._config, metrics=self._metrics)
        consumer = KafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self._config.poll_records,
        )
        loop = _Loop(consumer, sink, self._config, self._metrics)
        consumer.subscribe(list(TABLE_OF_TOPIC), listener=loop)
        try:
            while not self._stop.is_set():
                loop.step()
            loop.drain()
        finally:
            consumer.close()
            client.close()


class _Loop(ConsumerRebalanceListener):
    """One consumer's run: what is buffered, which tables back off, what was committed."""

    def __init__(
        self,
        consumer: KafkaConsumer,
        sink: ClickHouseSink,
        config: SinkConfig,
        metrics: SinkMetrics,
    ) -> None:
        self._consumer = consumer
        self._sink = sink
        self._config = config
        self._metrics = metrics
        self._backoff = Backoff(config.backoff_first_s, config.backoff_max_s)
        self._committed: dict[TopicPartition, int] = {}
        self._lag_due = 0.0
        self._revoked: set[TopicPartition] = set()
        self._revoked_lock = threading.Lock()

    def step(self) -> None:
        polled = self._consumer.poll(timeout_ms=int(self._wait(time.monotonic()) * 1000))
        rewound = self._forget_revoked()
        for tp, messages in polled.items():
            if tp in rewound:
                continue
            self._metrics.records_in.labels(tp.topic).inc(len(messages))
            self._sink.add_many(
                tp.topic, tp.partition, ((m.offset, m.value, m.headers) for m in messages)
            )
        now = time.monotonic()
        for table in self._sink.tables():
            if self._ready_at(table) <= now:
                self._insert(table)
        self._pause_refused()
        if now >= self._lag_due:
            self._lag_due = now + self._config.lag_interval_s
            self._observe_lag()

    def drain(self) -> None:
        """One last attempt at everything buffered (on stop); what fails is read again later."""
        self._forget_revoked()
        for table in self._sink.tables():
            self._insert(table)

    def _ready_at(self, table: str) -> float:
        return max(self._sink.due_at(table), self._backoff.retry_at(table))

    def _wait(self, now: float) -> float:
        """Seconds to poll for: until the next batch is due, at most the poll timeout."""
        ready = [self._ready_at(table) for table in self._sink.tables()]
        return max(0.0, min([self._config.poll_timeout_s, *(t - now for t in ready)]))

    def _insert(self, table: str) -> None:
        try:
            written = self._sink.insert(table)
        except Exception as exc:
            delay = self._backoff.failed(table, time.monotonic())
            log.warning(
                "ClickHouse refused the insert into %s (%s); reading for it paused, retry in %.1f s",
                table,
                str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__,
                delay,
            )
            return
        if self._backoff.succeeded(table):
            log.info("ClickHouse accepts inserts into %s again; reading resumed", table)
        self._commit(written)

    def _pause_refused(self) -> None:
        """Pause exactly the assigned partitions of the tables whose batch waits for a retry.

        Derived afresh each step, so a rebalance (which unpauses what it assigns) or a
        batch dropped with its partitions can never leave a table paused for nothing,
        or reading into a batch that is waiting.
        """
        for table in self._backoff.tables() - set(self._sink.tables()):
            self._backoff.succeeded(table)
        refused = self._backoff.tables()
        for table in TABLE_OF_TOPIC.values():
            self._metrics.paused.labels(table).set(1 if table in refused else 0)
        assigned = self._consumer.assignment()
        wanted = {tp for tp in assigned if TABLE_OF_TOPIC[tp.topic] in refused}
        paused = self._consumer.paused() & assigned
        if wanted - paused:
            self._consumer.pause(*(wanted - paused))
        if paused - wanted:
            self._consumer.resume(*(paused - wanted))

    def _commit(self, written: Written) -> None:
        offsets = {
            TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)
            for (topic, partition), offset in written.offsets.items()
        }
        try:
            self._consumer.commit(offsets)
        except KafkaError as exc:
            log.warning(
                "%d rows are in %s but their offsets were not committed (%s); "
                "they will be read again and deduplicated",
                written.rows,
                written.table,
                exc,
            )
            return
        self._committed.update({tp: meta.offset for tp, meta in offsets.items()})
        log.debug("inserted %d rows into %s", written.rows, written.table)

    def _observe_lag(self) -> None:
        assigned = list(self._consumer.assignment())
        if not assigned:
            return
        try:
            ends = self._consumer.end_offsets(assigned, timeout_ms=1000)
            for tp, end in ends.items():
                done = self._committed_offset(tp)
                self._metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(end - done)
        except KafkaError as exc:
            log.debug("lag not measured: %s", exc)

    def _committed_offset(self, tp: TopicPartition) -> int:
        """The group's committed offset, asked once per assignment, then kept from our commits."""
        if tp not in self._committed:
            committed = self._consumer.committed(tp, timeout_ms=1000)
            if committed is None:
                committed = self._consumer.beginning_offsets([tp], timeout_ms=1000)[tp]
            self._committed[tp] = committed
        return self._committed[tp]

    def _forget_revoked(self) -> set[TopicPartition]:
        """Drop what was read from revoked partitions; returns those read again from there.

        Whoever owns a revoked partition now reads it again from the committed
        offsets. When that is this sink, kafka-python may keep its position past
        the dropped messages, so the partition is sought back to the first of them.
        """
        with self._revoked_lock:
            revoked, self._revoked = self._revoked, set()
        if not revoked:
            return set()
        dropped = self._sink.drop((tp.topic, tp.partition) for tp in revoked)
        assigned = self._consumer.assignment()
        rewound: set[TopicPartition] = set()
        for (topic, partition), offset in dropped.items():
            tp = TopicPartition(topic, partition)
            if tp in assigned:
                self._consumer.seek(tp, offset)
                rewound.add(tp)
        if dropped:
            log.info(
                "rebalance: dropped what was buffered of %d partitions, %d read again here",
                len(dropped),
                len(rewound),
            )
        for tp in revoked:
            self._committed.pop(tp, None)
            with contextlib.suppress(KeyError):
                self._metrics.consumer_lag.remove(tp.topic, str(tp.partition))
        return rewound

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """Runs on kafka-python's IO thread: only noted here, handled by `_forget_revoked`."""
        with self._revoked_lock:
            self._revoked.update(revoked)

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        """Nothing to do: `_pause_refused` pauses what must be, at the next step."""


def start_in_background(
    bootstrap: str,
    dsn: str,
    *,
    config: SinkConfig | None = None,
    metrics: SinkMetrics | None = None,
) -> tuple[Projector, threading.Thread]:
    """The local profile's projector: a daemon thread inside the process that owns chDB."""
    projector = Projector(bootstrap, dsn, config=config or load_sink_config(), metrics=metrics)
    thread = threading.Thread(target=projector.run_forever, name="projector", daemon=True)
    thread.start()
    return projector, thread
