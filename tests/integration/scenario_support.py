"""Helpers for the "operator's bad day" scenario tests of the stream worker.

A private Kafka broker per test (killable and restartable on the same data), a
simulated event file published to it, malformed messages, the worker as a child
process, and the two sides of the comparison: the violations the offline
evaluation finds "as of" the stream's clock, and those standing in ClickHouse.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from clickhouse_connect.driver.client import Client
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.producer.future import FutureRecordMetadata

from events.settings import Settings, load_settings
from events.topics import EVENT_TOPICS, channel_of, topic_for
from processors.stack import kafka_runtime
from processors.stack.processes import command_line, free_port_pair, is_alive, wait_exit
from processors.storage.client import DATABASE
from standards.evaluate import evaluate, read_lines
from standards.loader import load_standards

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PARTITIONS = 3

TopicPartition = tuple[str, int]


# --- the broker ---------------------------------------------------------------------------


class PrivateBroker:
    """A single-node Kafka broker of one test: its own var dir and ports, the platform topics.

    `kill()` SIGKILLs the broker's JVM (the pid `kafka_runtime` started and wrote
    to var/kafka/broker.pid); `restart()` starts it again on the same data and port.
    Nothing is printed: what `kafka_runtime` reports is kept in `reports`.
    """

    def __init__(
        self,
        var_dir: Path,
        *,
        partitions: int = DEFAULT_PARTITIONS,
        port: int | None = None,
        startup_timeout_s: float = 120.0,
    ) -> None:
        self.var_dir = Path(var_dir).resolve()
        self.partitions = partitions
        self.port = free_port_pair() if port is None else port
        self.settings: Settings = load_settings(
            {
                "SVC_VAR_DIR": str(self.var_dir),
                "SVC_KAFKA_PORT": str(self.port),
                "SVC_PARTITIONS": str(partitions),
            }
        )
        self.options = replace(
            kafka_runtime.KafkaOptions.from_env(),
            controller_port=self.port + 1,
            startup_timeout_s=startup_timeout_s,
        )
        self.pid: int | None = None
        self.start_seconds: list[float] = []  # wall time of each start, until topics exist
        self.reports: list[str] = []

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    @property
    def alive(self) -> bool:
        return self.pid is not None and is_alive(self.pid)

    @property
    def log_file(self) -> Path:
        return kafka_runtime.layout(self.settings).log

    def start(self) -> PrivateBroker:
        """Start the broker (formatting the storage the first time) and create the topics."""
        began = time.monotonic()
        info = kafka_runtime.ensure_up(self.settings, options=self.options, report=self._report)
        self.start_seconds.append(time.monotonic() - began)
        if not info.started or info.pid is None:
            raise AssertionError(f"expected a new broker in {self.var_dir}, found pid {info.pid}")
        command = command_line(info.pid) or ""
        if kafka_runtime.BROKER_MAIN not in command:
            raise AssertionError(f"pid {info.pid} is not the broker JVM: {command[:200]}")
        self.pid = info.pid
        return self

    def restart(self) -> PrivateBroker:
        """Start again on the same var dir and port: the data is kept."""
        return self.start()

    def kill(self, timeout_s: float = 30.0) -> None:
        """SIGKILL the broker JVM by its pid and wait until it is gone (no clean shutdown)."""
        pid = self.pid
        if pid is None or not is_alive(pid):
            raise AssertionError("the broker is not running")
        os.kill(pid, signal.SIGKILL)
        if not wait_exit(pid, timeout_s):
            raise AssertionError(
                f"the broker (pid {pid}) still runs {timeout_s:.0f} s after SIGKILL"
            )
        self.pid = None

    def stop(self, timeout_s: float = 30.0) -> None:
        """A clean shutdown (SIGTERM, then SIGKILL after `timeout_s`); nothing if not running."""
        kafka_runtime.stop(self.settings, report=self._report, timeout_s=timeout_s)
        self.pid = None

    def env(self) -> dict[str, str]:
        """os.environ pointed at this broker and var dir, for the worker and `svcstd`."""
        return dict(os.environ) | {
            "SVC_KAFKA_BOOTSTRAP": self.bootstrap,
            "SVC_VAR_DIR": str(self.var_dir),
            "SVC_PARTITIONS": str(self.partitions),
        }

    def partitions_of(self, channels: Iterable[str]) -> list[TopicPartition]:
        """Every (topic, partition) of these channels' event topics."""
        return event_partitions(channels, self.partitions)

    def __enter__(self) -> PrivateBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _report(self, line: str) -> None:
        self.reports.append(line)


def event_partitions(channels: Iterable[str], partitions: int) -> list[TopicPartition]:
    """Every (topic, partition) of these channels' event topics, `partitions` each."""
    return [(EVENT_TOPICS[c], p) for c in sorted(set(channels)) for p in range(partitions)]


def raise_message_limit(bootstrap: str, topics: Iterable[str], max_bytes: int = 2_000_000) -> None:
    """Let these topics take messages up to `max_bytes` (the broker's default is about 1 MB)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, t, configs={"max.message.bytes": str(max_bytes)}
                )
                for t in topics
            ]
        )
    finally:
        admin.close()


# --- events in ----------------------------------------------------------------------------


def simulate_file(
    path: Path, provinces: str, start: str, duration: str, count: int | None, seed: int
) -> Path:
    """`svcstd simulate` to a JSONL file (its ground truth lands beside it); returns `path`."""
    command = [
        sys.executable,
        "-m",
        "processors.cli",
        "simulate",
        "--provinces",
        provinces,
        "--start",
        start,
        "--duration",
        duration,
        "--seed",
        str(seed),
        "--out",
        str(path),
    ]
    if count is not None:
        command += ["--count", str(count)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return path


def _producer(bootstrap: str, **config: Any) -> KafkaProducer:
    if "enable_idempotence" in KafkaProducer.DEFAULT_CONFIG:
        config.setdefault("enable_idempotence", True)
    return KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, **config)


def publish_file(
    bootstrap: str,
    path: Path,
    channels: set[str] | None = None,
    *,
    partitions: int | None = None,
    chunk: int = 50_000,
) -> dict[TopicPartition, datetime]:
    """Publish a JSONL file's events, in file order, to their channel topics keyed by subject.

    Only the events of `channels` when given. The lines are sent as they are in
    the file. With `partitions`, every topic written must have that many.
    Returns the latest event time written to each (topic, partition).
    """
    highs: dict[TopicPartition, datetime] = {}
    pending: list[tuple[datetime, FutureRecordMetadata]] = []
    checked: set[str] = set()
    producer = _producer(bootstrap)

    def settle() -> None:
        producer.flush()
        for moment, future in pending:
            meta = future.get(timeout=60)
            where = (meta.topic, meta.partition)
            if where not in highs or moment > highs[where]:
                highs[where] = moment
        pending.clear()

    try:
        with path.open("rb") as handle:
            for raw in handle:
                line = raw.strip()
                if not line:
                    continue
                event = json.loads(line)
                if channels is not None and channel_of(event["type"]) not in channels:
                    continue
                topic = topic_for(event["type"])
                if partitions is not None and topic not in checked:
                    found = len(producer.partitions_for(topic) or ())
                    if found != partitions:
                        raise AssertionError(f"{topic} has {found} partitions, not {partitions}")
                    checked.add(topic)
                future = producer.send(topic, key=str(event["subject"]).encode(), value=line)
                pending.append((datetime.fromisoformat(event["time"]), future))
                if len(pending) >= chunk:
                    settle()
        settle()
    finally:
        producer.close()
    return highs


def publish_messages(
    bootstrap: str, messages: Sequence[tuple[str, bytes | None]], key: bytes | None = b"x"
) -> list[tuple[int, int] | Exception]:
    """Send (topic, value) pairs as they are; per message its (partition, offset) or the
    error the broker or client gave (a value over the topic's limit is refused)."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_request_size=8_000_000
    )
    try:
        futures = [producer.send(topic, key=key, value=value) for topic, value in messages]
        producer.flush()
        placed: list[tuple[int, int] | Exception] = []
        for future in futures:
            try:
                meta = future.get(timeout=60)
            except Exception as exc:
                placed.append(exc)
            else:
                placed.append((meta.partition, meta.offset))
        return placed
    finally:
        producer.close()


def publish_raw(
    bootstrap: str, topic: str, values: Sequence[bytes | None], key: bytes | None = b"x"
) -> list[tuple[int, int] | Exception]:
    """Send raw values to one topic (None: a null value, a tombstone; b"": an empty one)."""
    return publish_messages(bootstrap, [(topic, value) for value in values], key)


# --- malformed messages -------------------------------------------------------------------

MALFORMED_KINDS: tuple[str, ...] = (
    "empty_value",
    "null_value",
    "not_json",
    "invalid_utf8",
    "json_array",
    "missing_time",
    "naive_time",
    "unknown_type",
    "wrong_specversion",
    "future_30_days",
    "huge_subject_200kb",
    "over_1mb",
    "wrong_data_type",
    "truncated_json",
    "json_null",
    "empty_id",
    "missing_data",
    "bad_time_text",
)
FAR_PAST = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))


def malformed_messages(
    n: int,
    seed: int,
    *,
    topics: Sequence[str] = ("svc.events.hall",),
    province: str = "ZZ",
    at: datetime = FAR_PAST,
    now: datetime | None = None,
) -> list[tuple[str, bytes | None]]:
    """`n` bad (topic, value) pairs cycling through MALFORMED_KINDS, the same for the same seed.

    Each goes to the next of `topics` in turn. The events that look valid (ids
    unique) are of `province` and stamped `at` (an old instant: they do not move
    a clock forward), except `future_30_days`, stamped `now` (default: the wall
    clock) plus 30 days. `huge_subject_200kb` and `over_1mb` are valid events
    too: the first passes the broker, the second is refused by the broker unless
    the topic's limit was raised (`raise_message_limit`).
    """
    rng = random.Random(seed)
    reference = datetime.now(UTC) if now is None else now
    messages: list[tuple[str, bytes | None]] = []
    for i in range(n):
        kind = MALFORMED_KINDS[i % len(MALFORMED_KINDS)]
        tag = f"bad-{seed}-{i}-{rng.getrandbits(48):012x}"
        messages.append(
            (topics[i % len(topics)], _malformed(kind, tag, rng, province, at, reference))
        )
    return messages


def _event(tag: str, province: str, at: datetime, **data: object) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": tag,
        "source": f"/provinces/{province}/halls/{province}-BAD-0001",
        "type": "hall.visit.checked_in",
        "time": at.isoformat(),
        "subject": tag,
        "datacontenttype": "application/json",
        "province": province,
        "unit": f"{province}-BAD-0001",
        "data": data or {"brand": "gotone", "customer": f"c-{tag}"},
    }


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _malformed(
    kind: str, tag: str, rng: random.Random, province: str, at: datetime, now: datetime
) -> bytes | None:
    event = _event(tag, province, at)
    if kind == "empty_value":
        return b""
    if kind == "null_value":
        return None
    if kind == "not_json":
        return b"\x00not json {" + rng.randbytes(16).hex().encode()
    if kind == "invalid_utf8":
        return b'{"id": "' + tag.encode() + b'", "subject": "\xff\xfe\xc3\x28"}'
    if kind == "json_array":
        return _dump([event, event])
    if kind == "missing_time":
        del event["time"]
        return _dump(event)
    if kind == "naive_time":
        event["time"] = at.replace(tzinfo=None).isoformat()
        return _dump(event)
    if kind == "unknown_type":
        event["type"] = "hall.visit.teleported"
        return _dump(event)
    if kind == "wrong_specversion":
        event["specversion"] = "0.3"
        return _dump(event)
    if kind == "future_30_days":
        event["time"] = (now + timedelta(days=30)).isoformat()
        return _dump(event)
    if kind == "huge_subject_200kb":
        event["subject"] = tag + "-" + "s" * 200_000
        event["data"] = {"brand": "gotone", "customer": tag + "-" + "c" * 200_000}
        return _dump(event)
    if kind == "over_1mb":
        event["data"] = {"brand": "gotone", "customer": f"c-{tag}", "padding": ""}
        size = len(_dump(event))
        event["data"]["padding"] = "p" * (1_100_000 - size)
        value = _dump(event)
        assert len(value) == 1_100_000
        return value
    if kind == "wrong_data_type":
        event["data"] = {"brand": 5, "customer": ["not", "a", "string"]}
        return _dump(event)
    if kind == "truncated_json":
        return _dump(event)[: rng.randint(10, 60)]
    if kind == "json_null":
        return b"null"
    if kind == "empty_id":
        event["id"] = ""
        return _dump(event)
    if kind == "missing_data":
        del event["data"]
        return _dump(event)
    if kind == "bad_time_text":
        event["time"] = "yesterday at noon"
        return _dump(event)
    raise ValueError(f"unknown malformed kind {kind!r}")


# --- the two sides of the comparison ------------------------------------------------------


def offline_standing(path: Path, until: datetime, **options: Any) -> set[str]:
    """The violation ids the offline evaluation of the file finds as of `until` (retracted
    ones dropped). `options` go to `evaluate` (e.g. `lateness`)."""
    outcome = evaluate(read_lines(path), load_standards(), until=until, **options)
    return set(outcome.violations)


def units_of(path: Path) -> set[str]:
    """Every unit named by the events of a JSONL file."""
    with path.open("rb") as handle:
        return {json.loads(line)["unit"] for line in handle if line.strip()}


def clickhouse_standing(
    client: Client, provinces: Sequence[str], units: Iterable[str] | None = None
) -> set[str]:
    """The violation ids standing in ClickHouse for these provinces (and units, when given:
    other tests of the session write rows for the same provinces): the latest revision of
    each id is not a retraction."""
    unit_filter = "" if units is None else " AND unit IN {units:Array(String)}"
    rows = client.query(
        f"SELECT violation_id FROM {DATABASE}.violations"
        " WHERE province IN {provinces:Array(String)}" + unit_filter + ""
        " GROUP BY violation_id HAVING argMax(retracted, revision) = 0",
        parameters={"provinces": list(provinces), "units": sorted(units or ())},
    ).result_rows
    return {str(row[0]) for row in rows}


def wait_until_equal(
    fetch: Callable[[], set[str]],
    expected: set[str],
    timeout_s: float,
    interval_s: float = 2.0,
) -> set[str]:
    """Poll `fetch` until it returns `expected` or the time is up; returns the last result."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = fetch()
        if found == expected or time.monotonic() >= deadline:
            return found
        time.sleep(max(0.0, min(interval_s, deadline - time.monotonic())))


def clock_of(
    highs: Mapping[TopicPartition, datetime],
    all_partitions: Sequence[TopicPartition],
    disorder: timedelta,
) -> datetime:
    """The stream's clock once it has read all of `highs`: the least, over the source
    partitions, of the latest event time on each, less the disorder tolerated."""
    empty = [tp for tp in all_partitions if tp not in highs]
    if empty or not all_partitions:
        raise ValueError(f"no event on {empty or 'any partition'}: the clock would not move")
    return min(highs[tp] for tp in all_partitions) - disorder


# --- the worker ---------------------------------------------------------------------------


class WorkerProcess:
    """`svcstd worker` as a child process, its stdout and stderr appended to `log`."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        *,
        extra_env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
    ) -> None:
        self.env = dict(env) | dict(extra_env or {})
        self.log = log
        self.args = list(args)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        if self.alive:
            raise AssertionError(f"the worker (pid {self.pid}) is already running")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"--- worker started {datetime.now(UTC).isoformat()} ---\n".encode())
            out.flush()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "processors.cli", "worker", *self.args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=REPO_ROOT,
            )
        return self

    @property
    def process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise AssertionError("the worker was never started")
        return self._process

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def kill(self) -> None:
        """SIGKILL and wait for it to be gone."""
        process = self.process
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def terminate(self, timeout_s: float = 30.0) -> float:
        """SIGTERM; the seconds until it exited. Not gone within `timeout_s`: SIGKILL and fail."""
        process = self.process
        began = time.monotonic()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
            raise AssertionError(
                f"the worker did not exit within {timeout_s:.0f} s of SIGTERM; log tail:\n"
                + self.log_text()[-3000:]
            ) from None
        return time.monotonic() - began

    def log_text(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
