"""The dashboard's cached ClickHouse client (one per server process)."""

from __future__ import annotations

import streamlit as st
from clickhouse_connect.driver.client import Client

from events.settings import load_settings
from processors.storage.client import connect
from processors.storage.schema import create_schema


@st.cache_resource
def client() -> Client:
    ch = connect(load_settings().clickhouse_dsn)
    create_schema(ch)
    return ch
