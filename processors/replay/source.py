"""The archived events of a period, read back from ClickHouse as event JSON, in blocks.

ClickHouse rebuilds each event's CloudEvents JSON from the `svc.events` columns
(`data` is stored as its JSON text), so the replay hands the offline engine
(`standards.evaluate.evaluate`) what it would read from a file: the same
validation, the same engine, the same verdicts. The table is read FINAL: an
event stored twice (a re-sent event, a re-projected batch) is read once,
whether or not ClickHouse has merged its rows yet. Rows come in event-time
order, then by id. The time comes back in UTC with milliseconds, as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from clickhouse_connect.driver.client import Client

from processors.storage.client import DATABASE

EVENTS_TABLE = f"{DATABASE}.events"
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
    """Rows of the period (an event stored twice counts twice): the progress bar's total."""
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
    query = (
        f"SELECT {EVENT_JSON} AS line FROM {EVENTS_TABLE} FINAL WHERE {PERIOD} ORDER BY time, id"
    )
    with client.query_column_block_stream(
        query, parameters={"start": start, "end": end}, query_formats={"String": "bytes"}
    ) as stream:
        for (lines,) in stream:
            on_block(len(lines))
            yield from lines
