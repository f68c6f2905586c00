"""The replay's read-ahead: blocks in order, a reader's failure raised, early stops clean."""

from __future__ import annotations

from collections.abc import Generator, Sequence

import pytest

from processors.replay.source import AHEAD, read_ahead


def _blocks(
    count: int, closed: list[bool], fail_at: int | None = None
) -> Generator[Sequence[bytes], None, None]:
    try:
        for n in range(count):
            if n == fail_at:
                raise ConnectionError("chDB went away")
            yield [f"{n}.{i}".encode() for i in range(3)]
    finally:
        closed.append(True)


def test_blocks_arrive_in_order_and_are_counted() -> None:
    closed: list[bool] = []
    counted: list[int] = []
    blocks = list(read_ahead(_blocks(20, closed), counted.append))
    assert [b[0] for b in blocks] == [f"{n}.0".encode() for n in range(20)]
    assert counted == [3] * 20 and closed == [True]


def test_a_failure_of_the_reader_is_raised_to_the_consumer() -> None:
    closed: list[bool] = []
    seen = []
    with pytest.raises(ConnectionError, match="went away"):
        for block in read_ahead(_blocks(10, closed, fail_at=5), lambda _n: None):
            seen.append(block)
    assert len(seen) == 5 and closed == [True]


def test_a_consumer_that_stops_early_stops_the_reader() -> None:
    closed: list[bool] = []
    ahead = read_ahead(_blocks(10 * AHEAD, closed), lambda _n: None)
    assert next(ahead)[0] == b"0.0"
    ahead.close()
    assert closed == [True]
