"""Fixtures of the integration tests: the real local Kafka broker, a chDB data directory,
and the projector writing into it.

`make test` starts the broker before pytest runs; run alone, pytest starts one
here (and stops it). Nothing is skipped when Kafka is absent: it is started.
Unit tests need none of this, and see none of it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from clickhouse_connect.driver.client import Client

from events.settings import Settings, load_settings
from processors.sink.projector import Projector, start_in_background
from processors.storage.client import connect
from processors.storage.schema import create_schema


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Streamlit's AppTest runs a page as the `__main__` module and leaves it there; a process
    spawned later in this test process (`ShardedPublisher`) would then run that page
    (`dashboard/app.py`) as its main module, and die in it."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _page_results_fresh() -> None:
    """The pages cache query results per process for 30 s (`st.cache_data`): a page an
    earlier test opened would show that test's rows instead of the rows this one seeded."""
    st.cache_data.clear()


@pytest.fixture(scope="session")
def stack_settings() -> Iterator[Settings]:
    from processors.stack import kafka_runtime

    settings = load_settings()
    info = kafka_runtime.ensure_up(settings, report=lambda _line: None)
    try:
        yield settings
    finally:
        if info.started:
            kafka_runtime.stop(settings, report=lambda _line: None)


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_settings: Settings) -> str:
    return stack_settings.kafka_bootstrap


@pytest.fixture(scope="session")
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One data directory per test process: chDB opens one path per process at a time."""
    path: Path = tmp_path_factory.mktemp("clickhouse")
    return f"chdb://{path}"


@pytest.fixture(scope="session")
def clickhouse(chdb_dsn: str) -> Iterator[Client]:
    """A client with the schema in place, open for the whole session (closing the last
    chDB client shuts the embedded engine down)."""
    client = connect(chdb_dsn)
    create_schema(client)
    yield client
    client.close()


@pytest.fixture(scope="session")
def projector(stack_settings: Settings, chdb_dsn: str, clickhouse: Client) -> Iterator[Projector]:
    projector, thread = start_in_background(stack_settings.kafka_bootstrap, chdb_dsn)
    yield projector
    projector.stop()
    thread.join(timeout=30)
