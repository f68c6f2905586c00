"""Pins the kafka-python internals `Publisher.send` relies on (no broker needed).

The publisher appends records into `KafkaProducer._accumulator` itself instead of
calling `KafkaProducer.send`. If a kafka-python upgrade changes the accumulator,
the batch or the record builder, these fail loudly instead of events going astray.
The round trip through a real broker is tests/integration/test_publisher.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from kafka.producer.producer_batch import ProducerBatch
from kafka.producer.transaction_manager import ProducerIdAndEpoch
from kafka.record.default_records import DefaultRecordBatch
from kafka.record.memory_records import MemoryRecords
from kafka.structs import TopicPartition

from events.publisher import KeyPlacement, Publisher, PublishError

NOWHERE = "127.0.0.1:9"


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    publisher = Publisher(NOWHERE, api_version=(3, 9), batch_size=4096)
    publisher._producer.partitions_for = lambda topic: {0, 1, 2}
    yield publisher
    publisher._producer._accumulator.abort_incomplete_batches()  # no broker: drop the rest
    publisher._producer.close(0)


def _batches(publisher: Publisher, tp: TopicPartition) -> list[ProducerBatch]:
    return list(publisher._producer._accumulator._batches[tp])


def _read(batch: ProducerBatch) -> list[DefaultRecordBatch]:
    batch.records.close()
    return list(MemoryRecords(bytes(batch.records.buffer())))


def _keys_for(partition: int, count: int) -> list[str]:
    placement = KeyPlacement()
    keys = (f"S{i:05d}" for i in range(100_000))
    return [k for k in keys if placement.partition(k, 3) == partition][:count]


def test_records_land_in_the_accumulator_in_order_as_lz4_v2_batches(publisher: Publisher) -> None:
    keys = _keys_for(1, 3)
    sent = [(keys[i % 3], f'{{"seq":{i}}}'.encode()) for i in range(200)]
    for key, value in sent:
        publisher.send("t", key, value)
    tp = TopicPartition("t", 1)
    batches = _batches(publisher, tp)
    assert len(batches) > 1  # 4 KiB batches: a full one is followed by a new one
    accumulator = publisher._producer._accumulator
    assert all(batch in accumulator._incomplete.all() for batch in batches)  # flush waits on them
    assert all(batch.topic_partition == tp for batch in batches)
    read = []
    for batch in batches:
        [record_batch] = _read(batch)
        assert record_batch.magic == 2
        assert record_batch.compression_type == 3  # lz4
        read += [(r.key.decode(), r.value) for r in record_batch]
        assert all(r.timestamp > 0 and not r.headers for r in record_batch)
    assert read == sent
    assert publisher._producer._accumulator._batches.keys() == {tp}


def test_drained_batches_carry_the_idempotent_producer_id_and_sequences(
    publisher: Publisher,
) -> None:
    producer = publisher._producer
    producer._transaction_manager.set_producer_id_and_epoch(ProducerIdAndEpoch(7, 0))
    tp = TopicPartition("t", 2)
    keys = _keys_for(2, 1)
    for i in range(100):
        publisher.send("t", keys[0], b"x" * 100 + str(i).encode())
    expected = sum(batch.record_count for batch in _batches(publisher, tp))

    class _Cluster:
        def partitions_for_broker(self, node_id: int) -> list[TopicPartition]:
            return [tp]

    accumulator = producer._accumulator
    drained = []
    while accumulator._batches[tp]:
        drained += accumulator.drain_batches_for_one_node(_Cluster(), 0, 1 << 30)
    sequence = 0
    for batch in drained:
        [record_batch] = MemoryRecords(bytes(batch.records.buffer()))
        assert (record_batch.producer_id, record_batch.producer_epoch) == (7, 0)
        assert record_batch.base_sequence == sequence
        sequence += batch.record_count
    assert sequence == expected == 100
    assert producer._transaction_manager.sequence_number(tp) == 100


def test_a_failed_batch_is_raised_a_successful_one_is_not(publisher: Publisher) -> None:
    [key0] = _keys_for(0, 1)
    [key1] = _keys_for(1, 1)
    publisher.send("t", key0, b"a")
    publisher.send("t", key1, b"b")
    [ok] = _batches(publisher, TopicPartition("t", 0))
    [bad] = _batches(publisher, TopicPartition("t", 1))
    ok.complete(10, -1)
    accumulator = publisher._producer._accumulator
    for done in (ok, bad):
        accumulator._batches[done.topic_partition].popleft()
        accumulator.deallocate(done)  # as the sender does with a finished batch
    publisher.send("t", key0, b"c")  # nothing pending: no raise
    bad.complete_exceptionally(KafkaTimeoutError("expired"), lambda _index: KafkaTimeoutError("x"))
    with pytest.raises(PublishError, match="1 events to t partition 1"):
        publisher.send("t", key0, b"d")


def test_a_batch_split_for_the_broker_is_still_watched(publisher: Publisher) -> None:
    [key] = _keys_for(0, 1)
    for i in range(10):
        publisher.send("t", key, str(i).encode())
    tp = TopicPartition("t", 0)
    accumulator = publisher._producer._accumulator
    [batch] = _batches(publisher, tp)
    accumulator._batches[tp].popleft()
    batch.records.close()
    assert accumulator.split_and_reenqueue(batch) == 2  # what the sender does on MESSAGE_TOO_LARGE
    accumulator.deallocate(batch)
    first, second = _batches(publisher, tp)
    assert [r.value for b in (first, second) for r in _read(b)[0]] == [
        str(i).encode() for i in range(10)
    ]
    for piece in (first, second):
        accumulator._batches[tp].popleft()
        accumulator.deallocate(piece)
    first.complete(0, -1)
    second.abort(MessageSizeTooLargeError("still too large"))
    with pytest.raises(PublishError, match="still too large"):
        publisher.flush(0.1)
