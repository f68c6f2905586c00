"""A publisher spread over worker processes, for bulk loads beyond one core.

One `Publisher` spends ~25 µs of one core per event (kafka-python's public
`send`: a future, size checks and the accumulator per record, then its sender). `ShardedPublisher` runs one
`Publisher` per worker process and routes each event by a stable hash of its key, so one subject always
goes through the same producer: per-subject order is kept exactly as with one.
Delivery errors are collected in the workers and raised on `flush` and `close`.
"""

from __future__ import annotations

import multiprocessing
import zlib
from multiprocessing.connection import Connection
from typing import Any

from events.publisher import ClosedOnExit, Publisher, PublishError
from events.settings import load_settings

BATCH = 2000
Item = tuple[str, str, bytes]


def _work(conn: Connection, bootstrap: str, overrides: dict[str, Any]) -> None:
    """Worker loop: batches in; 'flush'/'close' answered with the first error or None."""
    error: str | None = None
    try:
        publisher = Publisher(bootstrap, **overrides)
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(f"cannot start a producer: {exc}")
        return
    conn.send(None)  # ready
    while True:
        message = conn.recv()
        if isinstance(message, list):
            try:
                for topic, key, value in message:
                    publisher.send(topic, key, value)
            except PublishError as exc:
                error = error or str(exc)
            continue
        try:
            if message == "flush":
                publisher.flush()
            else:
                publisher.close()
        except PublishError as exc:
            error = error or str(exc)
        conn.send(error)
        error = None
        if message == "close":
            return


class ShardedPublisher(ClosedOnExit):
    """`send`/`flush`/`close` like `Publisher`, over `workers` processes."""

    def __init__(self, bootstrap: str | None = None, workers: int = 2, **overrides: Any) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        servers = bootstrap or load_settings().kafka_bootstrap
        context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        for _ in range(workers):
            mine, theirs = context.Pipe()
            process = context.Process(target=_work, args=(theirs, servers, overrides), daemon=True)
            process.start()
            theirs.close()
            self._conns.append(mine)
            self._procs.append(process)
        self._buffers: list[list[Item]] = [[] for _ in range(workers)]
        self._closed = False
        self._collect()  # every worker connected, or the first failure raised

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Queue one serialised event; the worker for its key publishes it."""
        shard = zlib.crc32(key.encode()) % len(self._buffers)
        buffer = self._buffers[shard]
        buffer.append((topic, key, value))
        if len(buffer) >= BATCH:
            self._conns[shard].send(buffer)
            self._buffers[shard] = []

    def flush(self) -> None:
        """Block until every worker has everything acknowledged; raise the first failure."""
        self._round("flush")

    def close(self) -> None:
        """Flush, stop the workers; raises if anything was not delivered."""
        if self._closed:
            return
        self._closed = True
        try:
            self._round("close")
        finally:
            for process in self._procs:
                process.join(timeout=30)

    def _round(self, command: str) -> None:
        for shard, buffer in enumerate(self._buffers):
            if buffer:
                self._conns[shard].send(buffer)
                self._buffers[shard] = []
        for conn in self._conns:
            conn.send(command)
        self._collect()

    def _collect(self) -> None:
        """One answer from every worker: None, or the first error it met."""
        errors = []
        for conn in self._conns:
            try:
                errors.append(conn.recv())
            except EOFError:
                errors.append("a publishing worker died")
        failed = [error for error in errors if error]
        if failed:
            raise PublishError(failed[0])
