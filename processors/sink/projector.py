"""The projector loop: consume derived topics, insert into ClickHouse, then commit.

Offsets are committed only after the insert succeeded; on a failed insert the
consumer rewinds to the committed offsets, so nothing is lost and the
deduplication token keeps a retried batch from being stored twice.
"""

from __future__ import annotations

import logging
import threading
import time

from kafka import KafkaConsumer, TopicPartition

from processors.sink.batch_sink import ClickHouseSink
from processors.sink.tables import TABLE_OF_TOPIC
from processors.storage.client import connect
from processors.storage.schema import create_schema

log = logging.getLogger(__name__)

GROUP_ID = "svc-projector"


class Projector:
    """Moves svc.violations, svc.kpis and svc.deadletter into ClickHouse."""

    def __init__(
        self,
        bootstrap: str,
        dsn: str,
        *,
        group_id: str = GROUP_ID,
        max_records: int = 5000,
        poll_timeout_ms: int = 500,
    ) -> None:
        self._bootstrap = bootstrap
        self._dsn = dsn
        self._group_id = group_id
        self._max_records = max_records
        self._poll_timeout_ms = poll_timeout_ms
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
        """Run until `stop()`; survives broker and ClickHouse hiccups by retrying."""
        client = connect(self._dsn)
        create_schema(client)
        sink = self.sink = ClickHouseSink(client)
        consumer = KafkaConsumer(
            *TABLE_OF_TOPIC,
            bootstrap_servers=self._bootstrap,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self._max_records,
        )
        try:
            while not self._stop.is_set():
                self._step(consumer, sink)
        finally:
            consumer.close()
            client.close()

    def _step(self, consumer: KafkaConsumer, sink: ClickHouseSink) -> None:
        polled = consumer.poll(timeout_ms=self._poll_timeout_ms)
        for tp, messages in polled.items():
            for message in messages:
                sink.add(tp.topic, tp.partition, message.offset, message.value, message.headers)
        if not polled:
            return
        try:
            written = sink.flush()
        except Exception:
            log.exception("insert failed; rewinding to the committed offsets")
            _rewind(consumer, list(polled))
            time.sleep(1.0)
            return
        consumer.commit()
        log.info("projected %d rows", written)


def _rewind(consumer: KafkaConsumer, partitions: list[TopicPartition]) -> None:
    for tp in partitions:
        committed = consumer.committed(tp)
        if committed is None:
            consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)


def start_in_background(bootstrap: str, dsn: str) -> tuple[Projector, threading.Thread]:
    """The local profile's projector: a daemon thread inside the process that owns chDB."""
    projector = Projector(bootstrap, dsn)
    thread = threading.Thread(target=projector.run_forever, name="projector", daemon=True)
    thread.start()
    return projector, thread
