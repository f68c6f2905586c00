"""The archived events of a period, read back from ClickHouse as event JSON, in blocks.

ClickHouse rebuilds each event's CloudEvents JSON from the `svc.events` columns
(`data` is stored as its JSON text), so the replay hands the offline engine
(`standards.evaluate.evaluate`) what it would read from a file: the same
validation, the same engine, the same verdicts. The table is read FINAL: an
event stored twice (a re-sent event, a re-projected batch) is read once,
whether or not ClickHouse has merged its rows yet. Rows come in event-time
order, then by id. The time comes back in UTC with milliseconds, as stored.

A reader thread fetches the blocks a few ahead of the engine: chDB builds them
without holding the GIL, so reading overlaps evaluation on another core.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import datetime
from typing import cast

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE

EVENTS_TABLE = f"{DATABASE}.events"
AHEAD = 4  # blocks fetched ahead of the engine
# One thread reads and sorts about ten times faster than the engine evaluates: more would only
# take CPU from the engine (chDB runs in this process).
SETTINGS = {"max_threads": 1}
PERIOD = "time >= {start:DateTime64(3, 'UTC')} AND time < {end:DateTime64(3, 'UTC')}"

EVENT_JSON = """concat(
    '{"specversion":"1.0","id":', toJSONString(id),
    ',"source":', toJSONString(source),
    ',"type":', toJSONString(type),
    ',"time":"', formatDateTime(time, '%Y-%m-%dT%H:%i:%S.%fZ'),
    '","subject":', toJSONString(subject),
    ',"province":', toJSONString(province),
    ',"unit":', toJSONString(unit),
    ',"data":', if(data = '', '{}', data),
    '}')"""


def count_events(client: Client, start: datetime, end: datetime) -> int:
    """Events of the period (an event stored twice counts once): the progress bar's total."""
    rows = client.query(
        f"SELECT count() FROM {EVENTS_TABLE} FINAL WHERE {PERIOD}",
        parameters={"start": start, "end": end},
    ).result_rows
    return int(rows[0][0])


def archived_events(
    client: Client,
    start: datetime,
    end: datetime,
    on_block: Callable[[int], None] = lambda _rows: None,
) -> Iterator[bytes]:
    """Each event stamped in [start, end) as its JSON (UTF-8), streamed block by block.

    While the stream is open the client cannot run another query (chDB holds
    its connection for the stream), so consume it before writing results.
    """
    return itertools.chain.from_iterable(read_ahead(_blocks(client, start, end), on_block))


Blocks = Generator[Sequence[bytes], None, None]


def _blocks(client: Client, start: datetime, end: datetime) -> Blocks:
    query = (
        f"SELECT {EVENT_JSON} AS line FROM {EVENTS_TABLE} FINAL WHERE {PERIOD} ORDER BY time, id"
    )
    with client.query_column_block_stream(
        query,
        parameters={"start": start, "end": end},
        settings=SETTINGS,
        query_formats={"String": "bytes"},
    ) as stream:
        for (lines,) in stream:
            yield lines


_END = object()


def read_ahead(blocks: Blocks, on_block: Callable[[int], None]) -> Iterator[Sequence[bytes]]:
    """The blocks, read by a thread up to AHEAD ahead; its failure is raised here, and a
    consumer that stops early stops the thread (which closes the stream)."""
    fetched: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                fetched.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for block in blocks:
                if not put(block):
                    break
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)
        finally:
            blocks.close()
        put(_END)

    reader = threading.Thread(target=read, name="replay-reader", daemon=True)
    reader.start()
    try:
        while (item := fetched.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            block = cast(Sequence[bytes], item)
            on_block(len(block))
            yield block
    finally:
        stop.set()
        reader.join()
