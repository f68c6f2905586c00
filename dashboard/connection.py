"""The dashboard's cached ClickHouse client, and the in-process projector of the local profile.

chDB allows one process per data directory, so with the embedded engine the
projector must live in the dashboard process; with a server it runs on its own
(`svcstd sink`) and the dashboard only reads.
"""

from __future__ import annotations

import streamlit as st
from clickhouse_connect.driver.client import Client

from events.settings import load_settings
from processors.sink.projector import Projector, start_in_background
from processors.storage.client import connect
from processors.storage.schema import create_schema


@st.cache_resource
def client() -> Client:
    settings = load_settings()
    ch = connect(settings.clickhouse_dsn)
    create_schema(ch)
    return ch


@st.cache_resource
def local_projector() -> Projector | None:
    """Started once per server process, only when ClickHouse is the embedded chDB."""
    settings = load_settings()
    if not settings.clickhouse_is_local:
        return None
    client()
    projector, _ = start_in_background(settings.kafka_bootstrap, settings.clickhouse_dsn)
    return projector
