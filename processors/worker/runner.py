"""The worker process: shards assigned by a consumer group, every event partition read
once, verdicts and checkpoints produced, all of it surviving crashes and broker restarts.

Shape (docs/DESIGN.md, "Processing rules that matter"):

- The shards are the partitions of `svc.worker.checkpoints`. Workers join one
  consumer group on that topic only to be given shards (they never fetch it as
  a stream); Kafka's group protocol spreads the shards over the live workers and
  moves them when one joins, leaves or dies.
- Each worker reads every partition of every event topic with one plain
  consumer, and hands each message to the shards it owns (`Shard.take`); a
  shard keeps the events of its own units and the progress of every source.
- A checkpoint is the shard's whole state, offsets read included, written to
  the shard's partition after every verdict before it has been acknowledged by
  the broker. A shard given to a worker starts from its latest checkpoint and
  reads on from the offsets it holds: recovery reads at most one checkpoint
  interval of events, however long the history in the topics.
- Anything that might have lost a verdict (a failed send) rolls the shards back
  to their last checkpoint; evaluation is deterministic and verdict ids are
  stable, so the second pass writes the same rows, which the sink deduplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition
from prometheus_client import CollectorRegistry

from events.settings import Settings
from events.topics import (
    CHECKPOINT_MAX_BYTES,
    CHECKPOINTS_TOPIC,
    CLOCKS_TOPIC,
    DEADLETTER_TOPIC,
    EVENT_TOPICS,
    KPIS_TOPIC,
    STANDARDS_TOPIC,
    VIOLATIONS_TOPIC,
)
from processors.stack.kafka_admin import ensure_platform_topics
from processors.worker.config import WorkerConfig
from processors.worker.intake import DeadLetter, Judge, utc_now
from processors.worker.metrics import WorkerMetrics, reason_class
from processors.worker.shard import Shard, Source, SourceBatch
from processors.worker.standards_feed import StandardsFeed
from standards import snapshot
from standards.engine import Engine
from standards.model import Standard
from standards.verdicts import Check, ClockState, Verdict, Violation

log = logging.getLogger(__name__)

GROUP_ID = "svc-standards-shards"
# where each kind of verdict goes, its key there, and its `kind` in the verdicts metric
_VERDICT_TOPICS: dict[type[Verdict], tuple[str, Callable[[Any], str], str]] = {
    Check: (KPIS_TOPIC, attrgetter("check_id"), "check"),
    Violation: (VIOLATIONS_TOPIC, attrgetter("violation_id"), "violation"),
    ClockState: (CLOCKS_TOPIC, attrgetter("clock_id"), "clock"),
}
_Client = TypeVar("_Client", AIOKafkaConsumer, AIOKafkaProducer)
STOP_BUDGET_S = 8.0
REPORT_EVERY_S = 10.0
OBSERVE_EVERY_S = 1.0
SETTLE_SLICE = 5000  # events evaluated between two chances for the heartbeats to run


class Worker:
    """One worker process; `run` until `stop` is set."""

    def __init__(
        self,
        settings: Settings,
        config: WorkerConfig,
        standards: list[Standard],
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self._metrics = metrics or WorkerMetrics(CollectorRegistry())
        self._read_to: dict[Source, int] = {}
        self._bootstrap = settings.kafka_bootstrap
        self._config = config
        self._standards = list(standards)
        self._shards: dict[int, Shard] = {}
        self._saved: dict[int, bytes] = {}
        self._saved_progress: dict[int, tuple[object, ...]] = {}
        self._sources: list[Source] = []
        self._log_start: dict[Source, int] = {}
        self._last_seen: dict[Source, float] = {}
        self._paused: set[TopicPartition] = set()
        self._inflight: list[asyncio.Future[object]] = []
        self._lock = asyncio.Lock()
        self._started = time.monotonic()
        self._read = 0
        self._adopted_at: float | None = None
        self._tainted = False
        self._broken: Exception | None = None
        self._seeks = 0
        self._shard_count = 0
        self._out_partitions: dict[str, int] = {}
        self._checkpoint_cost = 0.0

    # ---- lifecycle -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop`; any Kafka failure reconnects, and the shards come back from
        their checkpoints. Returns within the stop budget once `stop` is set."""
        while not stop.is_set():
            self._clients: list[AIOKafkaConsumer | AIOKafkaProducer] = []
            try:
                await _unless_stopped(stop, self._connect(), grace=0.0)
                await _unless_stopped(stop, self._loop(stop), grace=STOP_BUDGET_S / 4)
            except (KafkaError, OSError) as exc:
                log.warning("Kafka at %s: %s; reconnecting", self._bootstrap, exc)
                await _sleep_or_stop(stop, 2.0)
            finally:
                await self._close()

    async def _connect(self) -> None:
        bootstrap = self._bootstrap
        await _in_daemon_thread(ensure_platform_topics, bootstrap)
        self._tainted, self._broken = False, None
        self._producer = await self._start_client(
            AIOKafkaProducer(
                bootstrap_servers=bootstrap,
                acks="all",
                enable_idempotence=True,
                # zstd at aiokafka's level 3: 4.6 times as fast as its LZ4, which is LZ4HC
                # at level 9 (4 % of the worker's time went to it), and 60 % of the bytes
                compression_type="zstd",
                linger_ms=20,
                max_batch_size=1_000_000,
                request_timeout_ms=30_000,
            )
        )
        # checkpoints are LZ4 already (`standards.snapshot`): compressing them again cost
        # the worker as much as compressing every verdict
        self._checkpoint_producer = await self._start_client(
            AIOKafkaProducer(
                bootstrap_servers=bootstrap,
                acks="all",
                enable_idempotence=True,
                max_request_size=CHECKPOINT_MAX_BYTES,
                request_timeout_ms=30_000,
            )
        )
        self._source = await self._start_client(
            AIOKafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_partition_fetch_bytes=self._config.fetch_partition_bytes,
            )
        )
        self._reader = await self._start_client(
            AIOKafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=None,
                enable_auto_commit=False,
                max_partition_fetch_bytes=CHECKPOINT_MAX_BYTES,
                fetch_max_bytes=CHECKPOINT_MAX_BYTES,
            )
        )
        self._feed = StandardsFeed(
            await self._start_client(
                AIOKafkaConsumer(
                    bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
                )
            )
        )
        self._put_in_force(await self._feed.read_all(await self._partitions(STANDARDS_TOPIC)))
        self._sources = await self._event_partitions()
        self._shard_count = len(await self._partitions(CHECKPOINTS_TOPIC))
        self._out_partitions = {
            topic: len(await self._partitions(topic))
            for topic in (DEADLETTER_TOPIC, VIOLATIONS_TOPIC, KPIS_TOPIC, CLOCKS_TOPIC)
        }
        tps = [TopicPartition(*s) for s in self._sources]
        self._source.assign(tps)
        self._source.pause(*tps)
        self._paused = set(tps)
        starts = await self._source.beginning_offsets(tps)
        self._log_start = {(tp.topic, tp.partition): offset for tp, offset in starts.items()}
        self._group = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=GROUP_ID,
            enable_auto_commit=False,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=2_000,
            # a member releasing shards writes their final checkpoints before it rejoins;
            # on a busy machine that can outlast the session timeout, which is also
            # aiokafka's default for this one, and a member late to rejoin is dropped
            # and rejoins again: rebalances chasing each other
            rebalance_timeout_ms=60_000,
        )
        self._group.subscribe([CHECKPOINTS_TOPIC], listener=_Rebalance(self._adopt, self._release))
        await self._start_client(self._group)
        log.info(
            "worker connected to %s: %d shards, %d event partitions",
            bootstrap,
            self._shard_count,
            len(self._sources),
        )

    async def _start_client(self, client: _Client) -> _Client:
        """Started, and closed by `_close` even when starting fails half-way."""
        self._clients.append(client)
        await client.start()
        return client

    async def _partitions(self, topic: str) -> list[int]:
        deadline = time.monotonic() + 30
        while True:
            found = await self._producer.partitions_for(topic)
            if found:
                return sorted(found)
            if time.monotonic() > deadline:
                raise KafkaError(f"topic {topic} does not exist; run `svcstd stack up`")
            await asyncio.sleep(1.0)

    async def _event_partitions(self) -> list[Source]:
        return [(t, p) for t in EVENT_TOPICS.values() for p in await self._partitions(t)]

    async def _close(self) -> None:
        """Leave cleanly when Kafka answers; never wait longer than the stop budget."""
        if self._shards:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(STOP_BUDGET_S / 3):
                    async with self._lock:
                        await self._checkpoint(self._shards.values())
        self._shards.clear()
        self._saved.clear()
        self._saved_progress.clear()
        for client in reversed(self._clients):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.stop(), STOP_BUDGET_S / 10)

    # ---- the loop --------------------------------------------------------------------

    async def _loop(self, stop: asyncio.Event) -> None:
        last_checkpoint = last_report = last_observed = time.monotonic()
        while not stop.is_set():
            await self._group.getmany(timeout_ms=0)  # keeps the membership alive
            published = await self._feed.poll()
            if published:
                async with self._lock:
                    self._put_in_force(published)
            seeks = self._seeks
            batch = await self._source.getmany(
                timeout_ms=200, max_records=self._config.batch_records
            )
            if self._broken is not None:
                raise KafkaError(f"shards could not be adopted: {self._broken}")
            async with self._lock:
                if seeks != self._seeks:
                    # shards came or went while this batch was fetched: it may come from the
                    # old positions, which a shard adopted since must not take (it would skip
                    # the offsets between its checkpoint and the batch). Drop it, and read
                    # again from where the shards are.
                    self._seek()
                    continue
                try:
                    began = time.monotonic()
                    await self._step(batch)
                    self._metrics.step_seconds.observe(time.monotonic() - began)
                except BaseException:
                    # part of the batch may have moved the shards without its verdicts
                    # being sent: this state must never become a checkpoint
                    self._tainted = True
                    raise
                self._note_caught_up()
                now = time.monotonic()
                if now - last_checkpoint >= self._checkpoint_interval():
                    await self._checkpoint(self._shards.values())
                    last_checkpoint = now
            if now - last_observed >= OBSERVE_EVERY_S:
                self._observe()
                last_observed = now
            if now - last_report >= REPORT_EVERY_S:
                self._report()
                last_report = now

    async def _step(self, batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> None:
        config, shards, metrics = self._config, list(self._shards.values()), self._metrics
        now, seen = utc_now(), time.monotonic()
        letters: list[DeadLetter] = []
        judge = Judge(self._shard_count, config, now)
        metrics.batch_records.observe(sum(len(records) for records in batch.values()))
        for tp, records in batch.items():
            source = (tp.topic, tp.partition)
            self._last_seen[source] = seen
            self._read += len(records)
            self._read_to[source] = records[-1].offset + 1
            metrics.messages_read.labels(tp.topic).inc(len(records))
            wanting = [s for s in shards if s.wants(source, records[-1].offset)]
            if not wanting:
                continue
            self._check_contiguous(wanting, source, records)
            start = min(self._next_needed(s, source) for s in wanting)
            judged = [
                judge(tp.topic, tp.partition, record.offset, record.value, record.headers)
                for record in records
                if record.offset >= start
            ]
            source_batch = SourceBatch.of(source, judged)
            waiting = sum(len(shard.pending) for shard in wanting)
            for shard in wanting:
                refused = shard.take_batch(source_batch, config)
                letters.extend(refused)
                for letter in refused:
                    metrics.dead_letters.labels(tp.topic, reason_class(letter.reason)).inc()
            metrics.events_in.labels(tp.topic).inc(
                sum(len(shard.pending) for shard in wanting) - waiting
            )
        verdicts: list[tuple[int, list[Verdict]]] = []
        for shard in shards:
            found: list[Verdict] = []
            while True:
                found.extend(shard.settle(config, now, self._quiet, budget=SETTLE_SLICE))
                await asyncio.sleep(0)  # the group's heartbeats run between slices
                if not shard.behind:
                    break
            verdicts.append((shard.index, found))
        await self._emit(letters, verdicts, now)
        self._throttle()

    def _next_needed(self, shard: Shard, source: Source) -> int:
        start = shard.views[source].next_offset
        return self._log_start.get(source, 0) if start is None else start

    def _check_contiguous(
        self, shards: list[Shard], source: Source, records: list[ConsumerRecord[bytes, bytes]]
    ) -> None:
        """A shard must see every offset after its checkpoint: a hole means this worker read
        from a wrong position, and skipping on would lose events. Replay from the checkpoint
        instead (a reconnect). Offsets the log no longer holds are the one allowed hole.
        Within one fetch the broker returns what follows the position asked for."""
        first = records[0].offset
        start = self._log_start.get(source, 0)
        for shard in shards:
            expected = self._next_needed(shard, source)
            if first > expected >= start:
                raise KafkaError(
                    f"shard {shard.index} expected offset {expected} of {source}, read {first}"
                )

    def _caught_up(self, source: Source, next_offset: int | None) -> bool:
        high = self._source.highwater(TopicPartition(*source))
        if high is None:
            return False
        read_to = next_offset if next_offset is not None else self._log_start.get(source, 0)
        return bool(read_to >= high)

    def _quiet(self, source: Source, next_offset: int | None) -> bool:
        """Caught up (nothing unread) and silent for a while: only then may a source stop
        holding the clocks back."""
        silent = time.monotonic() - self._last_seen.get(source, self._started)
        return silent >= self._config.quiet_after and self._caught_up(source, next_offset)

    def _note_caught_up(self) -> None:
        """Say once, after shards were adopted, when they have read everything there is."""
        if self._adopted_at is None or not self._shards:
            return
        if all(
            self._caught_up(source, view.next_offset)
            for shard in self._shards.values()
            for source, view in shard.views.items()
        ):
            log.info(
                "caught up: shards %s %.1f s after adoption, %.1f s after start",
                sorted(self._shards),
                time.monotonic() - self._adopted_at,
                time.monotonic() - self._started,
            )
            self._adopted_at = None

    async def _emit(
        self, letters: list[DeadLetter], verdicts: list[tuple[int, list[Verdict]]], now: datetime
    ) -> None:
        """Everything one step decided, as one producer batch per topic partition: no await
        per record. A shard's verdicts go to its own partition of each verdict topic, so
        the revisions of one violation stay in order."""
        outgoing: dict[tuple[str, int], list[tuple[bytes, bytes]]] = {}
        widths = self._out_partitions
        for letter in letters:
            record = letter.to_record(now)
            where = (DEADLETTER_TOPIC, letter.partition % widths[DEADLETTER_TOPIC])
            outgoing.setdefault(where, []).append(
                (str(record["letter_id"]).encode(), orjson.dumps(record))
            )
        dumps = orjson.dumps  # the record's JSON, without `to_record`'s dict
        for shard, found in verdicts:
            into = {
                kind: (outgoing.setdefault((topic, shard % widths[topic]), []), key)
                for kind, (topic, key, _) in _VERDICT_TOPICS.items()
            }
            for verdict in found:
                records, key = into[type(verdict)]
                records.append((key(verdict).encode(), dumps(verdict)))
        producer, inflight = self._producer, self._inflight
        sent: dict[str, int] = {}
        for (topic, partition), records in outgoing.items():
            if not records:
                continue
            sent[topic] = sent.get(topic, 0) + len(records)
            batch = producer.create_batch()
            for key_bytes, value in records:
                if batch.append(key=key_bytes, value=value, timestamp=None) is None:
                    inflight.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    batch.append(key=key_bytes, value=value, timestamp=None)
            inflight.append(await producer.send_batch(batch, topic, partition=partition))
        for topic, _, label in _VERDICT_TOPICS.values():
            self._metrics.verdicts_out.labels(label).inc(sent.get(topic, 0))

    def _throttle(self) -> None:
        """Bound the events waiting in memory: while too many wait, read only the sources
        that hold some shard's clock back (their events are what lets the clock move)."""
        waiting = sum(len(s.pending) for s in self._shards.values())
        if not self._shards:
            return
        wanted: set[TopicPartition] = set()
        for source in self._sources:
            if waiting < self._config.max_pending or any(
                s.holds_back(source) for s in self._shards.values()
            ):
                wanted.add(TopicPartition(*source))
        pause = {TopicPartition(*s) for s in self._sources} - wanted
        if pause - self._paused:
            self._source.pause(*(pause - self._paused))
        if self._paused - pause:
            self._source.resume(*(self._paused - pause))
        self._paused = pause

    def _put_in_force(self, published: list[Standard]) -> None:
        """New versions join the set every shard applies, the shards owned now included."""
        known = {s.key for s in self._standards}
        for standard in published:
            if standard.key in known:
                continue
            known.add(standard.key)
            self._standards.append(standard)
            log.info(
                "standard %s in force for events from %s",
                standard.key,
                standard.effective_from.isoformat(),
            )
            for shard in self._shards.values():
                shard.engine.add(standard)
                clock = shard.clock_time
                if clock is not None and clock > standard.effective_from:
                    log.warning(
                        "shard %d: %s arrived with the clock at %s, after its effective date; "
                        "events already evaluated keep their verdicts",
                        shard.index,
                        standard.key,
                        clock.isoformat(),
                    )

    # ---- checkpoints -----------------------------------------------------------------

    def _checkpoint_interval(self) -> float:
        """`checkpoint_seconds`, stretched so that writing checkpoints never takes more than
        a twentieth of the worker's time (a large backlog makes large states): recovery
        replays one interval, so it stays short either way."""
        return max(self._config.checkpoint_seconds, 20 * self._checkpoint_cost)

    async def _checkpoint(self, shards: Iterable[Shard]) -> None:
        """Every verdict acknowledged first, then each shard's state with the offsets it
        covers. A failed verdict send rolls back instead: nothing is skipped. A shard that
        has not moved since its last checkpoint is not written again (a stalled backlog
        would otherwise spend its time rewriting the same large state)."""
        shards = list(shards)
        if not shards or self._tainted:
            return
        await self._producer.flush()
        inflight, self._inflight = self._inflight, []
        if any(f.exception() is not None for f in inflight if f.done() and not f.cancelled()):
            log.warning("a verdict was not acknowledged; replaying from the last checkpoint")
            await self._rollback()
            return
        sent = []
        began = time.monotonic()
        for shard in shards:
            progress = shard.progress()
            if self._saved_progress.get(shard.index) == progress:
                continue
            await asyncio.sleep(0)  # a large state takes a while: let the heartbeats run
            state = snapshot.dumps(shard)
            future = await self._checkpoint_producer.send(
                CHECKPOINTS_TOPIC, state, key=str(shard.index).encode(), partition=shard.index
            )
            sent.append((shard.index, state, progress, future))
        self._checkpoint_cost = time.monotonic() - began
        self._metrics.checkpoint_seconds.observe(self._checkpoint_cost)
        for index, state, progress, future in sent:
            await future
            self._saved[index] = state
            self._saved_progress[index] = progress

    async def _rollback(self) -> None:
        self._saved_progress.clear()
        for index in list(self._shards):
            self._shards[index] = self._restore(index, self._saved.get(index))
        self._seek()

    def _restore(self, index: int, state: bytes | None) -> Shard:
        shard: Shard | None = None
        if state is not None:
            try:
                shard = snapshot.loads(state)
            except ValueError as exc:
                log.warning(
                    "shard %d: checkpoint not usable (%s); rebuilding from the log", index, exc
                )
        if shard is None:
            shard = Shard(index, Engine(self._standards))
        for standard in self._standards:  # published since the checkpoint was written
            shard.engine.add(standard)
        shard.track(self._sources)
        return shard

    async def _latest_checkpoint(self, index: int) -> bytes | None:
        tp = TopicPartition(CHECKPOINTS_TOPIC, index)
        self._reader.assign([tp])
        end = (await self._reader.end_offsets([tp]))[tp]
        start = (await self._reader.beginning_offsets([tp]))[tp]
        if end <= start:
            return None
        self._reader.seek(tp, end - 1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            records = (await self._reader.getmany(tp, timeout_ms=1000)).get(tp, [])
            for record in records:
                if record.offset == end - 1:
                    return bytes(record.value) if record.value is not None else None
        raise KafkaError(f"could not read the checkpoint of shard {index} at offset {end - 1}")

    # ---- assignment ------------------------------------------------------------------

    async def _adopt(self, indexes: list[int]) -> None:
        """A failure here would leave shards assigned to this worker but never run (the
        group protocol goes on regardless), so it makes the loop reconnect instead."""
        try:
            await self._adopt_shards(indexes)
        except Exception as exc:
            log.exception("shards %s could not be adopted; reconnecting", indexes)
            self._broken = exc

    async def _adopt_shards(self, indexes: list[int]) -> None:
        async with self._lock:
            self._group.pause(*(TopicPartition(CHECKPOINTS_TOPIC, i) for i in indexes))
            starts = await self._source.beginning_offsets(
                [TopicPartition(*s) for s in self._sources]
            )
            self._log_start = {(tp.topic, tp.partition): offset for tp, offset in starts.items()}
            for index in indexes:
                if index in self._shards:
                    continue
                state = await self._latest_checkpoint(index)
                if state is not None:
                    self._saved[index] = state
                self._shards[index] = self._restore(index, state)
                log.info("shard %d adopted (clock %s)", index, self._shards[index].clock_time)
            self._adopted_at = time.monotonic()
            self._seek()

    async def _release(self, indexes: list[int]) -> None:
        async with self._lock:
            leaving = [self._shards[i] for i in indexes if i in self._shards]
            try:
                await asyncio.wait_for(self._checkpoint(leaving), 10.0)
            except (KafkaError, TimeoutError) as exc:
                log.warning("shards %s released without a final checkpoint (%s)", indexes, exc)
            for index in indexes:
                self._shards.pop(index, None)
                self._saved.pop(index, None)
                self._saved_progress.pop(index, None)
            self._seek()

    def _seek(self) -> None:
        """Read every source from the earliest offset any owned shard still needs."""
        self._seeks += 1
        for source in self._sources:
            tp = TopicPartition(*source)
            starts = [s.views[source].next_offset for s in self._shards.values()]
            if not starts:
                continue
            needed = [self._log_start.get(source, 0) if s is None else s for s in starts]
            self._source.seek(tp, min(needed))
        if not self._shards:
            self._source.pause(*(TopicPartition(*s) for s in self._sources))
            self._paused = {TopicPartition(*s) for s in self._sources}
        else:
            self._source.resume(*self._paused)
            self._paused = set()

    def _observe(self) -> None:
        """The gauges: lag, marks and clocks as they stand."""
        metrics = self._metrics
        metrics.shards.set(len(self._shards))
        metrics.waiting_events.set(sum(len(s.pending) for s in self._shards.values()))
        for index, shard in self._shards.items():
            metrics.shard_clock.labels(str(index)).set(shard.clock)
        for source in self._sources:
            topic, partition = source[0], str(source[1])
            high = self._source.highwater(TopicPartition(*source))
            if high is not None:
                read_to = self._read_to.get(source, self._log_start.get(source, 0))
                metrics.consumer_lag.labels(topic, partition).set(max(0, high - read_to))
            marks = [s.views[source].mark for s in self._shards.values() if source in s.views]
            if marks:
                metrics.partition_mark.labels(topic, partition).set(min(marks))

    def _report(self) -> None:
        clocks = {i: str(s.clock_time) for i, s in self._shards.items()}
        waiting = sum(len(s.pending) for s in self._shards.values())
        log.info("read %d messages; shards %s; %d events waiting", self._read, clocks, waiting)


class _Rebalance(ConsumerRebalanceListener):
    def __init__(
        self,
        adopt: Callable[[list[int]], Awaitable[None]],
        release: Callable[[list[int]], Awaitable[None]],
    ) -> None:
        self._adopt, self._release = adopt, release

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self._release(sorted(tp.partition for tp in revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        await self._adopt(sorted(tp.partition for tp in assigned))


async def _unless_stopped(stop: asyncio.Event, work: Awaitable[None], *, grace: float) -> None:
    """Run `work`; once `stop` is set, give it `grace` seconds to finish, then cancel it."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            await asyncio.wait({task}, timeout=grace)
        if task.done():
            task.result()
    finally:
        for pending in (task, waiter):
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pending


async def _in_daemon_thread(function: Callable[[str], object], argument: str) -> None:
    """Run a blocking call without making shutdown wait for it (as `to_thread` would):
    a worker told to stop while the broker is unreachable stops at once."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def settle(error: BaseException | None) -> None:
        if not done.done():
            done.set_result(None) if error is None else done.set_exception(error)

    def target() -> None:
        try:
            function(argument)
        except BaseException as exc:
            error: BaseException | None = exc
        else:
            error = None
        with contextlib.suppress(RuntimeError):  # the loop may be gone: nobody waits any more
            loop.call_soon_threadsafe(settle, error)

    threading.Thread(target=target, name="svc-topics", daemon=True).start()
    await done


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
