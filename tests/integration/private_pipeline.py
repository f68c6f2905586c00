"""A pipeline of one test on its own broker: one partition per topic, the projector into
the session's chDB, and a worker started after the test's events are in, whose clocks
move on event time alone (the test's events end with one closing event per channel)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from scenario_support import PrivateBroker, WorkerProcess

from processors.sink.projector import start_in_background

EVENTS_ONLY = {"SVC_ALLOWED_LATENESS": "3650d", "SVC_CHECKPOINT_SECONDS": "2"}
CLOSING_TYPES = {
    "hall": ("hall.visit.called", {"counter": "C1"}),
    "hotline": ("hotline.hold.ended", {}),
    "ivr": ("ivr.menu.selected", {"option": "1"}),
    "repair": ("repair.visit.arrived", {}),
    "complaint": ("complaint.closed", {"resolution": "closing"}),
    "notice": ("notice.tariff.published", {"effective_at": "2027-01-01T00:00:00+08:00"}),
}


def closing_events(end: datetime, tag: str) -> list[tuple[str, bytes]]:
    """One event at `end` on every event topic (one partition each): the clocks reach it."""
    out = []
    for channel, (event_type, data) in CLOSING_TYPES.items():
        subject = f"closing-{channel}-{tag}"
        event = {
            "specversion": "1.0",
            "id": subject,
            "source": f"/test/{channel}",
            "type": event_type,
            "time": end.isoformat(),
            "subject": subject,
            "province": "ZJ",
            "unit": f"ZJ-closing-{channel}",
            "data": data,
        }
        out.append((f"svc.events.{channel}", json.dumps(event).encode()))
    return out


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    with PrivateBroker(tmp_path / "var", partitions=1) as broker:
        yield broker


@pytest.fixture
def sink(broker: PrivateBroker, chdb_dsn: str, clickhouse: Client) -> Iterator[Client]:
    projector, thread = start_in_background(broker.bootstrap, chdb_dsn)
    yield clickhouse
    projector.stop()
    thread.join(timeout=30)


@pytest.fixture
def worker(broker: PrivateBroker, tmp_path: Path) -> Iterator[WorkerProcess]:
    """Not started: the test starts it once its events are published."""
    process = WorkerProcess(
        broker.env(), tmp_path / "worker.log", extra_env=EVENTS_ONLY, args=["--lateness", "0"]
    )
    yield process
    if process.alive:
        process.terminate()
    print(process.log_text()[-3000:])
