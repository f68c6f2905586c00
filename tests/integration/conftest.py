"""Fixtures for the pipeline tests: the projector writing into the session's chDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from clickhouse_connect.driver.client import Client

from events.settings import Settings
from processors.sink.projector import Projector, start_in_background


@pytest.fixture(scope="session")
def projector(stack_settings: Settings, chdb_dsn: str, clickhouse: Client) -> Iterator[Projector]:
    projector, thread = start_in_background(stack_settings.kafka_bootstrap, chdb_dsn)
    yield projector
    projector.stop()
    thread.join(timeout=30)
