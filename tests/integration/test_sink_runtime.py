"""The sink as it runs: its /metrics, large batches, and ClickHouse refusing inserts.

A private broker for the module, so every record in its topics is the test's.
ClickHouse refuses inserts for real: with merges stopped and the MergeTree
setting `parts_to_throw_insert` at 1, an insert into a table that already has
parts fails with TOO_MANY_PARTS, the error a server gives when inserts outrun
merges. Resetting the setting lets inserts in again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from scenario_support import PrivateBroker
from sink_support import (
    check_record,
    committed_behind,
    event_record,
    sample,
    send,
    start_group_at_end,
    violation_record,
    wait_until,
)

from processors.sink.config import SinkConfig
from processors.sink.metrics import SinkMetrics
from processors.sink.projector import GROUP_ID, Projector

pytestmark = pytest.mark.integration

TOPICS = ("svc.kpis", "svc.violations", "svc.events.hall")
CHECK_COLUMNS = [
    "check_id", "standard", "version", "rule", "province", "unit", "subject", "day",
    "checked_at", "violated", "value",
]  # fmt: skip
AT = datetime(2026, 3, 2, 1, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBroker]:
    with PrivateBroker(tmp_path_factory.mktemp("sink-broker") / "var", partitions=3) as broker:
        yield broker


class _Running:
    """A projector with its own registry, in a thread of the test process; in a new group
    that starts at the topics' ends, or joining `group`."""

    def __init__(
        self, broker: PrivateBroker, dsn: str, config: SinkConfig, group: str | None = None
    ) -> None:
        if group is None:
            group = f"sink-test-{uuid.uuid4().hex[:8]}"
            start_group_at_end(broker.bootstrap, group, TOPICS)
        self.group = group
        self.registry = CollectorRegistry()
        self.projector = Projector(
            broker.bootstrap,
            dsn,
            group_id=self.group,
            config=config,
            metrics=SinkMetrics(self.registry),
        )
        self.thread = threading.Thread(target=self.projector.run_forever, daemon=True)

    def __enter__(self) -> _Running:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.projector.stop()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the projector did not stop"

    def value(self, name: str, **labels: str) -> float:
        return sample(self.registry, name, **labels)


def _count(client: Client, table: str, column: str, prefix: str) -> tuple[int, int]:
    """count() and uniqExact(column) of the rows whose `column` starts with `prefix`."""
    [(rows, distinct)] = client.query(
        f"SELECT count(), uniqExact({column}) FROM {table} WHERE startsWith({column}, {{p:String}})",
        parameters={"p": prefix},
    ).result_rows
    return int(rows), int(distinct)


def _parts(client: Client, prefix: str) -> list[int]:
    """Rows of each part holding svc.checks rows with this prefix (merges stopped: one per insert)."""
    rows = client.query(
        "SELECT _part, count() FROM svc.checks WHERE startsWith(check_id, {p:String}) "
        "GROUP BY _part ORDER BY count() DESC",
        parameters={"p": prefix},
    ).result_rows
    return [int(n) for _, n in rows]


def _seed_parts(client: Client, run: str) -> None:
    """Two parts in svc.checks, so that `parts_to_throw_insert = 1` refuses the next insert."""
    for n in range(2):
        client.insert(
            "svc.checks",
            [[f"seed-{run}-{n}", "s", 1, "r", "SC", "u", "s", date(2026, 3, 2), AT, False, None]],
            column_names=CHECK_COLUMNS,
        )


def test_refused_inserts_pause_reading_keep_the_rows_and_lose_nothing(
    broker: PrivateBroker, chdb_dsn: str, clickhouse: Client
) -> None:
    run = uuid.uuid4().hex[:8]
    config = SinkConfig(backoff_first_s=0.2, backoff_max_s=1.0, lag_interval_s=0.5)
    clickhouse.command("SYSTEM STOP MERGES svc.checks")
    try:
        _seed_parts(clickhouse, run)
        clickhouse.command("ALTER TABLE svc.checks MODIFY SETTING parts_to_throw_insert = 1")
        with _Running(broker, chdb_dsn, config) as sink:
            send(broker.bootstrap, "svc.kpis", [check_record(run, n) for n in range(3000)])
            send(broker.bootstrap, "svc.violations", [violation_record(run, 0)])
            wait_until(
                lambda: sink.value("svc_sink_insert_failures_total", table="svc.checks") >= 2,
                60,
                "two refused inserts into svc.checks",
            )
            assert sink.value("svc_sink_paused", table="svc.checks") == 1
            read_before = sink.value("svc_sink_records_total", topic="svc.kpis")
            assert read_before == 3000
            send(broker.bootstrap, "svc.kpis", [check_record(run, n) for n in range(3000, 5000)])
            send(broker.bootstrap, "svc.violations", [violation_record(run, n) for n in (1, 2)])
            wait_until(
                lambda: _count(clickhouse, "svc.violations", "violation_id", f"{run}-") == (3, 3),
                30,
                "the violations go in while svc.checks is refused",
            )
            failures = sink.value("svc_sink_insert_failures_total", table="svc.checks")
            time.sleep(3)
            assert sink.value("svc_sink_insert_failures_total", table="svc.checks") > failures
            assert sink.value("svc_sink_records_total", topic="svc.kpis") == read_before
            assert _count(clickhouse, "svc.checks", "check_id", f"{run}-") == (0, 0)
            assert committed_behind(broker.bootstrap, sink.group, "svc.kpis") == 5000
            wait_until(
                lambda: (
                    sum(
                        sink.value("svc_sink_consumer_lag", topic="svc.kpis", partition=str(p))
                        for p in range(3)
                    )
                    == 5000
                ),
                10,
                "the lag shows the 5000 records not in ClickHouse",
            )
            clickhouse.command("ALTER TABLE svc.checks RESET SETTING parts_to_throw_insert")
            wait_until(
                lambda: sink.value("svc_sink_rows_inserted_total", table="svc.checks") == 5000,
                30,
                "all 5000 checks inserted once inserts are accepted again",
            )
            assert sink.value("svc_sink_paused", table="svc.checks") == 0
            assert _count(clickhouse, "svc.checks", "check_id", f"{run}-") == (5000, 5000)
            wait_until(
                lambda: committed_behind(broker.bootstrap, sink.group, "svc.kpis") == 0,
                10,
                "the offsets committed after the insert",
            )
    finally:
        clickhouse.command("ALTER TABLE svc.checks RESET SETTING parts_to_throw_insert")
        clickhouse.command("SYSTEM START MERGES svc.checks")


def test_a_second_sink_joining_while_inserts_are_refused_loses_nothing(
    broker: PrivateBroker, chdb_dsn: str, clickhouse: Client
) -> None:
    """The rebalance takes partitions whose rows wait in a refused batch: they are dropped
    there and read again from the committed offsets by whichever sink gets them."""
    run = uuid.uuid4().hex[:8]
    config = SinkConfig(backoff_first_s=0.2, backoff_max_s=1.0)
    clickhouse.command("SYSTEM STOP MERGES svc.checks")
    try:
        _seed_parts(clickhouse, run)
        clickhouse.command("ALTER TABLE svc.checks MODIFY SETTING parts_to_throw_insert = 1")
        with _Running(broker, chdb_dsn, config) as first:
            send(broker.bootstrap, "svc.kpis", [check_record(run, n) for n in range(3000)])
            wait_until(
                lambda: first.value("svc_sink_insert_failures_total", table="svc.checks") >= 1,
                60,
                "a refused insert",
            )
            with _Running(broker, chdb_dsn, config, group=first.group) as second:
                wait_until(
                    lambda: second.value("svc_sink_insert_failures_total", table="svc.checks") >= 1,
                    60,
                    "the second sink got partitions and was refused too",
                )
                clickhouse.command("ALTER TABLE svc.checks RESET SETTING parts_to_throw_insert")
                wait_until(
                    lambda: committed_behind(broker.bootstrap, first.group, "svc.kpis") == 0,
                    60,
                    "every check inserted and committed",
                )
                inserted = sum(
                    sink.value("svc_sink_rows_inserted_total", table="svc.checks")
                    for sink in (first, second)
                )
    finally:
        clickhouse.command("ALTER TABLE svc.checks RESET SETTING parts_to_throw_insert")
        clickhouse.command("SYSTEM START MERGES svc.checks")
    assert _count(clickhouse, "svc.checks", "check_id", f"{run}-") == (3000, 3000)
    assert inserted == 3000


def test_a_backlog_is_inserted_in_batches_of_ten_thousand_rows(
    broker: PrivateBroker, chdb_dsn: str, clickhouse: Client
) -> None:
    """Batch age at 5 s here, so that only the row limit cuts batches on a slow machine."""
    run = uuid.uuid4().hex[:8]
    config = SinkConfig(batch_seconds=5.0)
    clickhouse.command("SYSTEM STOP MERGES svc.checks")
    try:
        sink = _Running(broker, chdb_dsn, config)
        send(broker.bootstrap, "svc.kpis", [check_record(run, n) for n in range(25_000)])
        with sink:
            wait_until(
                lambda: sink.value("svc_sink_rows_inserted_total", table="svc.checks") == 25_000,
                120,
                "the backlog inserted",
            )
            parts = _parts(clickhouse, f"{run}-")
            assert sink.value("svc_sink_batch_rows_count", table="svc.checks") == len(parts)
    finally:
        clickhouse.command("SYSTEM START MERGES svc.checks")
    assert sum(parts) == 25_000 and len(parts) == 3, parts
    most = config.batch_rows + config.poll_records
    assert all(config.batch_rows <= rows < most for rows in parts[:2]), parts


def test_a_trickle_is_inserted_about_once_a_second(
    broker: PrivateBroker, chdb_dsn: str, clickhouse: Client
) -> None:
    run = uuid.uuid4().hex[:8]
    clickhouse.command("SYSTEM STOP MERGES svc.checks")
    try:
        with _Running(broker, chdb_dsn, SinkConfig()) as sink:
            began = time.monotonic()
            for n in range(40):
                send(broker.bootstrap, "svc.kpis", [check_record(run, n)])
                time.sleep(0.1)
            wait_until(
                lambda: sink.value("svc_sink_rows_inserted_total", table="svc.checks") == 40,
                30,
                "the trickle inserted",
            )
            seconds = time.monotonic() - began
            parts = _parts(clickhouse, f"{run}-")
    finally:
        clickhouse.command("SYSTEM START MERGES svc.checks")
    assert sum(parts) == 40
    assert 2 <= len(parts) <= seconds + 2, (parts, seconds)


def _scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _metric(
    scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


COUNT_SCRIPT = """
import json, sys
from processors.storage.client import connect
client = connect(sys.argv[1])
print(json.dumps({t: int(client.query(f"SELECT count() FROM {t}").result_rows[0][0])
                  for t in ("svc.checks", "svc.violations", "svc.events")}))
client.close()
"""


def test_the_sink_process_serves_metrics_that_match_the_rows_in_clickhouse(
    broker: PrivateBroker, tmp_path: Path
) -> None:
    """`svcstd sink` with its own chDB directory: its counters against ClickHouse's counts."""
    run = uuid.uuid4().hex[:8]
    expected = {"svc.checks": 2000, "svc.violations": 300, "svc.events": 1500}
    start_group_at_end(broker.bootstrap, GROUP_ID, TOPICS)  # other tests' records are behind
    send(broker.bootstrap, "svc.kpis", [check_record(run, n) for n in range(2000)] + [b"{nope"])
    send(broker.bootstrap, "svc.violations", [violation_record(run, n) for n in range(300)])
    send(broker.bootstrap, "svc.events.hall", [event_record(run, n) for n in range(1500)])
    dsn = f"chdb://{tmp_path / 'clickhouse'}"
    env = broker.env() | {
        "SVC_CLICKHOUSE_DSN": dsn,
        "SVC_SINK_METRICS_PORT": "0",
        "SVC_LOG_FORMAT": "json",
    }
    log = tmp_path / "sink.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "processors.cli", "sink"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        url = ""

        def announced() -> bool:
            nonlocal url
            for line in log.read_text().splitlines():
                record = json.loads(line)
                if record["message"].startswith("metrics at "):
                    url = record["message"].removeprefix("metrics at ")
                    return True
            return False

        wait_until(announced, 60, "the sink announces its /metrics")
        wait_until(
            lambda: all(
                _metric(_scrape(url), "svc_sink_rows_inserted_total", table=t) == n
                for t, n in expected.items()
            ),
            120,
            f"the rows-inserted counters at {url} reach {expected}",
        )
        wait_until(
            lambda: (
                sum(v for (name, _), v in _scrape(url).items() if name == "svc_sink_consumer_lag")
                == 0
            ),
            20,
            "the lag falls to 0",
        )
        scraped = _scrape(url)
        assert _metric(scraped, "svc_sink_records_total", topic="svc.kpis") == 2001
        assert _metric(scraped, "svc_sink_records_total", topic="svc.events.hall") == 1500
        assert _metric(scraped, "svc_sink_records_rejected_total", topic="svc.kpis") == 1
        assert _metric(scraped, "svc_sink_insert_seconds_count", table="svc.events") >= 1
        assert _metric(scraped, "svc_sink_batch_rows_sum", table="svc.events") == 1500
        counters = {t: _metric(scraped, "svc_sink_rows_inserted_total", table=t) for t in expected}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    counted = subprocess.run(
        [sys.executable, "-c", COUNT_SCRIPT, dsn],
        env=os.environ.copy(),
        capture_output=True,
        check=True,
        text=True,
    )
    assert json.loads(counted.stdout) == counters == expected
    lines = log.read_text().splitlines()
    assert lines and all(
        {"time", "level", "logger", "message"} <= json.loads(line).keys() for line in lines
    )
