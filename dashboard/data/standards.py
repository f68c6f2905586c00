"""The standards page's data: the versions installed as rule files, their lock digests, the
versions `svcstd standards publish` put on `svc.standards`, the verdicts each version gave
(ClickHouse), the diff of two versions and the catalog's coverage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickhouse_connect.driver.client import Client
from pydantic import ValidationError

from dashboard.data import scope_filter
from dashboard.data.clocks import utc
from dashboard.scope import Scope
from events.topics import STANDARDS_TOPIC
from processors.storage.client import DATABASE
from standards import coverage as catalog_coverage
from standards.diff import Change, changes
from standards.loader import RULES_DIR, load_standards
from standards.lock import lock_path, read_lock
from standards.model import Standard
from standards.publish import digest


@dataclass(frozen=True)
class Version:
    """One standard version, wherever it was found."""

    standard: Standard
    digest: str
    installed: bool
    locked: bool
    published: str | None
    """The digest on the topic: None when not published there."""

    @property
    def key(self) -> str:
        return self.standard.key


@dataclass(frozen=True)
class Published:
    """What the topic holds, or why it could not be read."""

    versions: dict[str, Standard]
    digests: dict[str, str]
    error: str | None = None


def read_published(bootstrap: str, timeout_ms: int = 3000) -> Published:
    """Every version on the compacted topic (the latest message per key), quickly or not at all."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            consumer_timeout_ms=timeout_ms,
            api_version_auto_timeout_ms=timeout_ms,
        )
    except KafkaError as exc:
        return Published({}, {}, f"{type(exc).__name__}: {exc}")
    versions: dict[str, Standard] = {}
    digests: dict[str, str] = {}
    try:
        partitions = [
            TopicPartition(STANDARDS_TOPIC, p)
            for p in consumer.partitions_for_topic(STANDARDS_TOPIC) or ()
        ]
        if not partitions:
            return Published({}, {})
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        while any(consumer.position(p) < ends[p] for p in partitions):
            batch = consumer.poll(timeout_ms=timeout_ms)
            if not batch:
                break
            for records in batch.values():
                for record in records:
                    _take(record.value, versions, digests)
    except KafkaError as exc:
        return Published(versions, digests, f"{type(exc).__name__}: {exc}")
    finally:
        consumer.close()
    return Published(versions, digests)


def _take(value: bytes | None, versions: dict[str, Standard], digests: dict[str, str]) -> None:
    """One message of the topic; one that is not a valid version is skipped, as workers do."""
    if value is None:
        return
    try:
        message: dict[str, Any] = json.loads(value)
        standard = Standard.model_validate(message["content"])
    except (ValueError, KeyError, TypeError, ValidationError):
        return
    versions[standard.key] = standard
    digests[standard.key] = str(message.get("digest", ""))


def versions(published: Published) -> list[Version]:
    """Installed and published versions together, oldest first."""
    installed = {s.key: s for s in load_standards(RULES_DIR)}
    locked = read_lock(lock_path(RULES_DIR))
    every = {**published.versions, **installed}
    found = []
    for key, standard in every.items():
        mine = digest(standard)
        found.append(
            Version(
                standard,
                mine,
                key in installed,
                locked.get(key) == mine,
                published.digests.get(key),
            )
        )
    return sorted(found, key=lambda v: (v.standard.standard, v.standard.version))


def diff(old: Standard, new: Standard) -> list[Change]:
    return changes(old, new)


def coverage() -> list[catalog_coverage.Row]:
    """The catalog against the latest installed version of each standard and its suites."""
    return catalog_coverage.coverage(load_standards(RULES_DIR), RULES_DIR)


@dataclass(frozen=True)
class InUse:
    """What one version has found in the stream, in the viewer's provinces."""

    key: str
    violations: int
    first: datetime
    last: datetime


def in_use(client: Client, scope: Scope) -> list[InUse]:
    """Violations per version (distinct ids, approximate: revisions are not scanned FINAL)."""
    params: dict[str, Any] = {}
    sql = f"""
        SELECT standard, version, uniq(violation_id), min(detected_at), max(detected_at)
        FROM {DATABASE}.violations
        WHERE {scope_filter(scope, params)}
        GROUP BY standard, version ORDER BY standard, version
    """
    return [
        InUse(f"{s}@{v}", int(n), utc(first), utc(last))
        for s, v, n, first, last in client.query(sql, parameters=params).result_rows
    ]
