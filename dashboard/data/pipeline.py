"""Pipeline health: events per second (`svc.events`), dead letters (`svc.deadletters`), and
the worker's and sink's /metrics (consumer lag, partition marks, shard clocks).

Dead letters have no province column: a letter's province is read from its raw event
when that is JSON naming one. A viewer confined to provinces sees only letters whose
province is known and theirs; HQ sees all of them.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client
from prometheus_client.parser import text_string_to_metric_families

from dashboard.data import scope_filter
from dashboard.data.clocks import utc
from dashboard.scope import Scope
from processors.observability import DEFAULT_METRICS_HOST, METRICS_HOST_VARIABLE, metrics_port
from processors.sink import config as sink_config
from processors.storage.client import DATABASE
from processors.worker import config as worker_config

LETTER_PROVINCE = "JSONExtractString(raw, 'province')"
REASON_CLASS = "trim(splitByChar(':', reason)[1])"
"""`late: time … is before …` → `late`: the class the worker's metrics count by."""


@dataclass(frozen=True)
class Rate:
    """Events received per second over the last minutes, and per minute for the chart."""

    per_second: float
    per_minute: list[tuple[datetime, int]]


def event_rate(client: Client, scope: Scope, *, now: datetime, minutes: int = 60) -> Rate:
    """From the per-minute rollup (`svc.events_per_minute`): never a scan of svc.events."""
    params: dict[str, Any] = {"now": now, "minutes": minutes}
    sql = f"""
        SELECT minute, sum(events)
        FROM {DATABASE}.events_per_minute
        WHERE minute > toDateTime({{now:DateTime64(3, 'UTC')}}) - toIntervalMinute({{minutes:UInt32}})
          AND {scope_filter(scope, params)}
        GROUP BY minute ORDER BY minute
    """
    series = [(utc(m), int(n)) for m, n in client.query(sql, parameters=params).result_rows]
    recent = [n for m, n in series if (now - m).total_seconds() <= 5 * 60]
    return Rate(sum(recent) / (5 * 60), series)


def latest_event(client: Client, scope: Scope) -> datetime | None:
    """When an event last landed (`received_at`): the page's freshness."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT max(received_at), count() FROM {DATABASE}.events
        WHERE {scope_filter(scope, params)}
    """
    latest, count = client.query(sql, parameters=params).result_rows[0]
    return utc(latest) if count else None


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    letters: int
    latest: datetime


@dataclass(frozen=True)
class Letter:
    received_at: datetime
    topic: str
    partition: int
    offset: int
    province: str
    reason: str
    raw: str


def _letters_scope(scope: Scope, params: dict[str, Any]) -> str:
    return scope_filter(scope, params, column=LETTER_PROVINCE)


def letter_reasons(client: Client, scope: Scope) -> list[ReasonCount]:
    """Dead letters per reason class, most first."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT {REASON_CLASS} AS reason, count(), max(received_at)
        FROM {DATABASE}.deadletters FINAL
        WHERE {_letters_scope(scope, params)}
        GROUP BY reason ORDER BY count() DESC, reason
    """
    return [
        ReasonCount(str(r), int(n), utc(t))
        for r, n, t in client.query(sql, parameters=params).result_rows
    ]


def letter_samples(
    client: Client, scope: Scope, *, reason: str | None = None, limit: int = 50
) -> list[Letter]:
    """The latest dead letters (of one reason class), raw text cut to 2 000 characters."""
    params: dict[str, Any] = {"limit": limit}
    chosen = "1"
    if reason is not None:
        params["reason"] = reason
        chosen = f"{REASON_CLASS} = {{reason:String}}"
    sql = f"""
        SELECT received_at, topic, partition, offset, {LETTER_PROVINCE}, reason,
               substring(raw, 1, 2000)
        FROM {DATABASE}.deadletters FINAL
        WHERE {_letters_scope(scope, params)} AND {chosen}
        ORDER BY received_at DESC, letter_id
        LIMIT {{limit:UInt32}}
    """
    return [
        Letter(utc(at), str(topic), int(part), int(off), str(prov), str(why), str(raw))
        for at, topic, part, off, prov, why, raw in client.query(sql, parameters=params).result_rows
    ]


def latest_letter(client: Client, scope: Scope) -> datetime | None:
    params: dict[str, Any] = {}
    sql = f"""
        SELECT max(received_at), count() FROM {DATABASE}.deadletters
        WHERE {_letters_scope(scope, params)}
    """
    latest, count = client.query(sql, parameters=params).result_rows[0]
    return utc(latest) if count else None


# ---- /metrics ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scrape:
    """One process's /metrics: samples by name, or why it could not be read."""

    url: str
    samples: Mapping[str, list[tuple[dict[str, str], float]]]
    error: str | None = None

    def of(self, name: str) -> list[tuple[dict[str, str], float]]:
        return list(self.samples.get(name, []))


def metrics_url(process: str, environ: Mapping[str, str] | None = None) -> str:
    """Where the worker's or the sink's /metrics is served, from the same variables."""
    env = os.environ if environ is None else environ
    host = env.get(METRICS_HOST_VARIABLE, "").strip() or DEFAULT_METRICS_HOST
    if host == "0.0.0.0":
        host = DEFAULT_METRICS_HOST
    module = worker_config if process == "worker" else sink_config
    port = metrics_port(module.METRICS_PORT_VARIABLE, module.DEFAULT_METRICS_PORT, env)
    return f"http://{host}:{port}/metrics"


def scrape(url: str, timeout: float = 1.0) -> Scrape:
    """Read and parse one /metrics page; an unreachable process is an answer, not an error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Scrape(url, {}, str(getattr(exc, "reason", exc)))
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), float(sample.value)))
    return Scrape(url, samples)


@dataclass(frozen=True)
class PartitionRow:
    topic: str
    partition: int
    worker_lag: float | None
    mark: float | None
    sink_lag: float | None


def partitions(worker: Scrape, sink: Scrape) -> list[PartitionRow]:
    """Per topic partition: the worker's lag and mark, the sink's lag (None: not reported)."""
    keyed: dict[tuple[str, int], dict[str, float]] = {}
    for scrape_, name, column in (
        (worker, "svc_worker_consumer_lag", "worker_lag"),
        (worker, "svc_worker_partition_mark_seconds", "mark"),
        (sink, "svc_sink_consumer_lag", "sink_lag"),
    ):
        for labels, value in scrape_.of(name):
            key = (labels.get("topic", ""), int(labels.get("partition", "0")))
            keyed.setdefault(key, {})[column] = value
    return [
        PartitionRow(topic, part, v.get("worker_lag"), v.get("mark"), v.get("sink_lag"))
        for (topic, part), v in sorted(keyed.items())
    ]


def shard_clocks(worker: Scrape) -> list[tuple[int, float]]:
    """(shard, clock in POSIX seconds) of the shards the scraped worker owns."""
    return sorted(
        (int(labels.get("shard", "0")), value)
        for labels, value in worker.of("svc_worker_shard_clock_seconds")
    )
