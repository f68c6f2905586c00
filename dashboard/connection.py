"""The dashboard's cached ClickHouse client: one per server process, shared by every
browser session, so it carries no ClickHouse session id (`connect(shared=True)`)."""

from __future__ import annotations

import streamlit as st
from clickhouse_connect.driver.client import Client

from events.settings import load_settings
from processors.storage.client import connect
from processors.storage.schema import create_schema


@st.cache_resource
def client() -> Client:
    ch = connect(load_settings().clickhouse_dsn, shared=True)
    create_schema(ch)
    return ch
