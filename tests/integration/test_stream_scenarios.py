"""An operator's bad day, against a real broker of its own and the real ClickHouse engine.

Each scenario publishes simulated traffic, runs `svcstd worker` processes as a
user would, lets the projector write into chDB, and compares the standing
violation ids in ClickHouse with offline evaluation of the same events,
exactly. Nothing is left out: the comparison is "as of" the clock the stream
reaches, which the events alone decide.

How the events decide it: the workers run with an allowed lateness of ten
years, so no partition is ever released by the wall clock; every partition of
every event topic ends with a closing event at the same instant, so each
shard's clock stops at that instant less the 30 s of lateness. Offline
evaluation is then run `until` that instant. Month-end satisfaction ratios
report in neither (the simulated month never closes before it), which is the
same answer, not a rule left out.

Scenarios use different provinces, so they share the session's chDB without
seeing each other's rows.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2
from prometheus_client.parser import text_string_to_metric_families
from scenario_support import (
    MALFORMED_KINDS,
    PrivateBroker,
    WorkerProcess,
    clickhouse_standing,
    malformed_messages,
    offline_standing,
    publish_file,
    publish_messages,
    raise_message_limit,
    simulate_file,
    units_of,
    wait_until_equal,
)

from events.topics import DEADLETTER_TOPIC, EVENT_TOPICS, STANDARDS_TOPIC, topic_for
from processors.sink.projector import start_in_background
from standards.evaluate import evaluate, read_lines
from standards.loader import load_standards
from standards.publish import send
from standards.testing import revised, set_limit

pytestmark = pytest.mark.integration

LATENESS = timedelta(seconds=30)
[V1] = load_standards()
EVENTS_ONLY = {
    "SVC_ALLOWED_LATENESS": "3650d",
    "SVC_CHECKPOINT_SECONDS": "2",
    "SVC_WORKER_METRICS_PORT": "0",
}
# One type per channel for the closing events: none of them is read by a rule
# except the hotline and repair ones, which are about subjects nothing else names.
CLOSING_TYPES = {
    "hall": ("hall.visit.called", {"counter": "C1"}),
    "hotline": ("hotline.hold.ended", {}),
    "ivr": ("ivr.menu.selected", {"option": "1"}),
    "repair": ("repair.visit.arrived", {}),
    "complaint": ("complaint.closed", {"resolution": "closing"}),
    "notice": ("notice.tariff.published", {"effective_at": "2027-01-01T00:00:00+08:00"}),
}


def _subject_on(partition: int, partitions: int, prefix: str) -> str:
    """A subject that Kafka's default partitioner places on `partition`."""
    n = 0
    while (murmur2(f"{prefix}-{n}".encode()) & 0x7FFFFFFF) % partitions != partition:
        n += 1
    return f"{prefix}-{n}"


def with_closing_events(path: Path, province: str, partitions: int) -> tuple[Path, datetime]:
    """The file plus one event at its end on every partition of every event topic; returns
    the new file and the clock the stream will stop at."""
    lines = path.read_bytes().splitlines()
    latest = max(datetime.fromisoformat(json.loads(line)["time"]) for line in lines if line)
    end = latest + timedelta(minutes=1)
    closing = []
    for channel, (event_type, data) in CLOSING_TYPES.items():
        for partition in range(partitions):
            subject = _subject_on(partition, partitions, f"closing-{channel}")
            closing.append(
                json.dumps(
                    {
                        "specversion": "1.0",
                        "id": f"{subject}-{province}",
                        "source": f"/test/{channel}",
                        "type": event_type,
                        "time": end.isoformat(),
                        "subject": subject,
                        "province": province,
                        "unit": f"{province}-closing-{channel}",
                        "data": data,
                    }
                ).encode()
            )
    out = path.with_name(path.stem + ".closed.jsonl")
    out.write_bytes(b"\n".join([*lines, *closing]) + b"\n")
    return out, end - LATENESS


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    with PrivateBroker(tmp_path / "var") as broker:
        yield broker


@pytest.fixture
def sink(broker: PrivateBroker, chdb_dsn: str, clickhouse: Client) -> Iterator[Client]:
    projector, thread = start_in_background(broker.bootstrap, chdb_dsn)
    yield clickhouse
    projector.stop()
    thread.join(timeout=30)


Spawn = Callable[[int], list[WorkerProcess]]


@pytest.fixture
def spawn(broker: PrivateBroker, tmp_path: Path) -> Iterator[Spawn]:
    """Start `count` workers on the scenario's broker; whatever happens, none outlives the test."""
    started: list[WorkerProcess] = []

    def start(count: int) -> list[WorkerProcess]:
        workers = [
            WorkerProcess(
                broker.env(), tmp_path / f"worker-{len(started) + i}.log", extra_env=EVENTS_ONLY
            ).start()
            for i in range(count)
        ]
        started.extend(workers)
        return workers

    yield start
    for worker in started:
        if worker.alive:
            worker.kill()


def _scenario(
    tmp_path: Path, provinces: str, duration: str, count: int | None
) -> tuple[Path, set[str]]:
    """The scenario's events (closing events included) and what offline evaluation of them
    finds as of the clock they lead the stream to."""
    raw = simulate_file(tmp_path / "events.jsonl", provinces, "2026-10-05", duration, count, 11)
    events, until = with_closing_events(raw, provinces.split(",")[0], 3)
    return events, offline_standing(events, until)


def _assert_same(
    sink: Client,
    events: Path,
    expected: set[str],
    workers: list[WorkerProcess],
    timeout_s: float = 300,
) -> None:
    """ClickHouse holds exactly the expected violations of the scenario's units."""
    assert expected, "the scenario should produce violations to compare"
    units = units_of(events)
    provinces = sorted({unit.split("-")[0] for unit in units})
    found = wait_until_equal(
        lambda: clickhouse_standing(sink, provinces, units), expected, timeout_s
    )
    logs = "\n".join(w.log_text()[-3000:] for w in workers)
    assert found == expected, (
        f"missing {len(expected - found)}: {sorted(expected - found)[:5]}; "
        f"extra {len(found - expected)}: {sorted(found - expected)[:5]}\n{logs}"
    )


def _stop(workers: list[WorkerProcess]) -> list[float]:
    return [w.terminate() for w in workers if w.alive]


def test_three_workers_split_the_work_and_agree_with_offline(
    broker: PrivateBroker, sink: Client, spawn: Spawn, tmp_path: Path
) -> None:
    provinces = "GD,BJ,SH,ZJ"
    events, expected = _scenario(tmp_path, provinces, "5d", 200_000)
    workers = spawn(3)
    publish_file(broker.bootstrap, events, partitions=3)
    _assert_same(sink, events, expected, workers)
    assert all(w.alive for w in workers)
    stops = _stop(workers)
    assert max(stops) < 10, f"SIGTERM took {stops} s"


def test_a_worker_killed_three_times_mid_stream_changes_nothing(
    broker: PrivateBroker, sink: Client, spawn: Spawn, tmp_path: Path
) -> None:
    provinces = "JS,SD,HA"
    events, expected = _scenario(tmp_path, provinces, "4d", 150_000)
    workers = spawn(3)
    publishing = threading.Thread(target=_publish_slowly, args=(broker.bootstrap, events, 8))
    publishing.start()
    victim = workers[1]
    for _ in range(3):
        _wait_for_log(victim, "adopted", victim.log_text().count("adopted") + 1)
        time.sleep(1.0)  # mid-work: it has shards and is evaluating
        victim.kill()
        victim.start()
    publishing.join()
    _assert_same(sink, events, expected, workers)
    assert all(w.alive for w in workers), "every worker must be alive at the end"
    assert victim.log_text().count("worker connected") == 4
    _stop(workers)


def _publish_slowly(bootstrap: str, events: Path, parts: int) -> None:
    """The file in `parts` slices a second apart, so faults land while events still arrive."""
    lines = events.read_bytes().splitlines(keepends=True)
    step = len(lines) // parts + 1
    for i in range(parts):
        part = events.with_name(f"part-{i}.jsonl")
        part.write_bytes(b"".join(lines[i * step : (i + 1) * step]))
        publish_file(bootstrap, part)
        time.sleep(1.0)


def _wait_for_log(worker: WorkerProcess, marker: str, count: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while worker.log_text().count(marker) < count:
        assert time.monotonic() < deadline, (
            f"{marker!r} x{count} not in the log:\n{worker.log_text()[-3000:]}"
        )
        time.sleep(0.2)


def test_the_broker_killed_and_restarted_mid_stream_loses_nothing(
    broker: PrivateBroker, sink: Client, spawn: Spawn, tmp_path: Path
) -> None:
    provinces = "SC,HB,HN"
    events, expected = _scenario(tmp_path, provinces, "3d", None)
    lines = events.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_bytes(b"".join(lines[: len(lines) // 2]))
    second.write_bytes(b"".join(lines[len(lines) // 2 :]))
    workers = spawn(2)
    pids = [w.pid for w in workers]
    publish_file(broker.bootstrap, first)
    time.sleep(4)
    broker.kill()
    time.sleep(5)
    broker.restart()
    publish_file(broker.bootstrap, second)
    _assert_same(sink, events, expected, workers)
    assert [w.pid for w in workers] == pids and all(w.alive for w in workers)
    broker.kill()
    stops = _stop(workers)
    assert max(stops) < 10, f"SIGTERM with the broker down took {stops} s"


def test_a_channel_published_a_minute_late_gets_its_verdicts_on_time(
    broker: PrivateBroker, sink: Client, spawn: Spawn, tmp_path: Path
) -> None:
    provinces = "FJ,HE"
    events, expected = _scenario(tmp_path, provinces, "3d", None)
    workers = spawn(2)
    others = set(EVENT_TOPICS) - {"repair"}
    publish_file(broker.bootstrap, events, others)
    time.sleep(60)
    publish_file(broker.bootstrap, events, {"repair"})
    _assert_same(sink, events, expected, workers)
    assert all("late:" not in w.log_text() for w in workers)
    _stop(workers)


def _dead_letters(bootstrap: str) -> dict[str, dict[str, object]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tps = [
            TopicPartition(DEADLETTER_TOPIC, p)
            for p in consumer.partitions_for_topic(DEADLETTER_TOPIC) or ()
        ]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        letters: dict[str, dict[str, object]] = {}
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    letter = json.loads(record.value)
                    letters[str(letter["letter_id"])] = letter
        return letters
    finally:
        consumer.close()


def test_a_thousand_malformed_messages_are_dead_lettered_and_change_no_verdict(
    broker: PrivateBroker, sink: Client, spawn: Spawn, tmp_path: Path
) -> None:
    provinces = "AH,LN"
    events, expected = _scenario(tmp_path, provinces, "3d", None)
    topics = list(EVENT_TOPICS.values())
    raise_message_limit(broker.bootstrap, topics)
    bad = malformed_messages(1000, 3, topics=topics)
    lines = events.read_bytes().splitlines(keepends=True)
    workers = spawn(2)
    placed: list[str] = []
    step = len(lines) // 10 + 1
    for i in range(10):
        chunk = tmp_path / f"chunk-{i}.jsonl"
        chunk.write_bytes(b"".join(lines[i * step : (i + 1) * step]))
        publish_file(broker.bootstrap, chunk)
        for (topic, _), where in zip(
            bad[i * 100 : (i + 1) * 100],
            publish_messages(broker.bootstrap, bad[i * 100 : (i + 1) * 100]),
            strict=True,
        ):
            assert not isinstance(where, Exception), where
            placed.append(f"{topic}:{where[0]}:{where[1]}")
    _assert_same(sink, events, expected, workers)
    deadline = time.monotonic() + 60
    letters = _dead_letters(broker.bootstrap)
    while not set(placed) <= set(letters) and time.monotonic() < deadline:
        time.sleep(2)
        letters = _dead_letters(broker.bootstrap)
    assert len(MALFORMED_KINDS) >= 10
    assert sorted(set(placed) - set(letters)) == []
    assert set(letters) == set(placed), "only the malformed messages are dead letters"
    assert all(str(letters[p]["reason"]) for p in placed)
    reasons = {str(letters[p]["reason"]).split(":")[0] for p in placed}
    assert {"empty", "invalid", "too large", "future"} <= reasons, reasons
    _stop(workers)


def test_a_standard_published_while_the_worker_runs_applies_from_its_effective_date(
    broker: PrivateBroker, sink: Client, spawn: Spawn, tmp_path: Path
) -> None:
    """v2 halves the hall wait limits from mid-scenario; it is published while the worker
    runs, between the events before its effective date and those after. The worker is
    never restarted, and its verdicts are offline evaluation's under v1 and v2 together."""
    raw = simulate_file(tmp_path / "events.jsonl", "QH", "2026-10-05", "2d", None, 17)
    events, until = with_closing_events(raw, "QH", 3)
    switch = datetime.fromisoformat("2026-10-06T00:00:00+08:00")
    v2 = revised(V1, version=2, effective_from=switch, change=set_limit("hall.wait_time", "PT5M"))
    expected = set(evaluate(read_lines(events), [V1, v2], until=until).violations)
    assert expected != offline_standing(events, until), "v2 should change some verdicts"
    before, after = tmp_path / "before.jsonl", tmp_path / "after.jsonl"
    lines = events.read_bytes().splitlines(keepends=True)
    early = [datetime.fromisoformat(json.loads(line)["time"]) < switch for line in lines]
    before.write_bytes(b"".join(line for line, e in zip(lines, early, strict=True) if e))
    after.write_bytes(b"".join(line for line, e in zip(lines, early, strict=True) if not e))

    [worker] = spawn(1)
    publish_file(broker.bootstrap, before)
    send(broker.bootstrap, STANDARDS_TOPIC, [v2])
    _wait_for_log(worker, "standard cmcc-service@2 in force", 1)
    publish_file(broker.bootstrap, after)
    _assert_same(sink, events, expected, [worker])
    assert worker.alive and worker.log_text().count("--- worker started") == 1


def _metrics_of(worker: WorkerProcess) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """The samples the worker serves at the /metrics URL it logged, by name and labels."""
    _wait_for_log(worker, "metrics at http://", 1)
    [url] = re.findall(r"metrics at (http://\S+/metrics)", worker.log_text())
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def test_the_workers_metrics_count_every_event_published(
    broker: PrivateBroker, sink: Client, spawn: Spawn, tmp_path: Path
) -> None:
    """/metrics answers, and its events by topic are what was published to each topic."""
    events, expected = _scenario(tmp_path, "NX", "1d", None)
    [worker] = spawn(1)
    publish_file(broker.bootstrap, events)
    _assert_same(sink, events, expected, [worker])
    published: dict[str, int] = {}
    for line in events.read_bytes().splitlines():
        topic = topic_for(json.loads(line)["type"])
        published[topic] = published.get(topic, 0) + 1
    samples = _metrics_of(worker)
    counted = {
        dict(labels)["topic"]: int(value)
        for labels, value in samples["svc_worker_events_total"].items()
    }
    assert counted == published
    assert sum(samples.get("svc_worker_dead_letters_total", {}).values()) == 0
    violations = samples["svc_worker_verdicts_total"][(("kind", "violation"),)]
    assert violations >= len(expected)
    assert samples["svc_worker_shards"][()] == 3
    lag = samples["svc_worker_consumer_lag"]
    assert len(lag) == len(EVENT_TOPICS) * 3 and set(lag.values()) == {0.0}
