"""A slice of the rollups: its filters are bound parameters, and a cached result is
keyed by the viewer's scope, so it is never served to a viewer with another scope."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from streamlit.runtime.caching.cache_type import CacheType
from streamlit.runtime.caching.hashing import update_hash

from dashboard.data.rollup import Slice, rate
from dashboard.rulebook import stars
from dashboard.scope import Scope

JANUARY = (date(2026, 1, 1), date(2026, 2, 1))


def _cache_key(value: object) -> str:
    digest = hashlib.new("md5")
    update_hash(value, digest, CacheType.DATA)
    return digest.hexdigest()


def test_the_cache_key_of_a_slice_holds_the_scope() -> None:
    gd = Slice(Scope(frozenset({"GD"})), *JANUARY)
    assert _cache_key(gd) == _cache_key(Slice(Scope(frozenset({"GD"})), *JANUARY))
    assert _cache_key(gd) != _cache_key(Slice(Scope(), *JANUARY))
    assert _cache_key(gd) != _cache_key(Slice(Scope(frozenset({"BJ"})), *JANUARY))


def test_every_filter_is_a_bound_parameter() -> None:
    params: dict[str, Any] = {}
    where = Slice(Scope(frozenset({"GD"})), *JANUARY, province="BJ'--", unit="GD-H1").where(params)
    assert "BJ" not in where and "GD" not in where
    assert params == {
        "scope": ["GD"],
        "start": date(2026, 1, 1),
        "end": date(2026, 2, 1),
        "province": "BJ'--",
        "unit": "GD-H1",
    }
    assert "province IN {scope:Array(String)}" in where


def test_rates_and_stars() -> None:
    assert rate(0, 3) is None and stars(None) is None
    assert rate(100, 2) == 0.98 and stars(0.98) == 5
    assert rate(10, 20) == 0.0 and stars(0.0) == 1
    assert stars(0.949) == 3 and stars(0.95) == 4
