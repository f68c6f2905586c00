"""The worker's settings: durations as people write them, defaults when unset."""

from __future__ import annotations

from datetime import timedelta

import pytest

from events.errors import UserError
from processors.worker.config import WorkerConfig, load_worker_config


def test_defaults_when_nothing_is_set() -> None:
    assert load_worker_config({}) == WorkerConfig()
    assert WorkerConfig().allowed_lateness == timedelta(minutes=15)
    assert WorkerConfig().max_message_bytes == 1_000_000


def test_durations_read_as_seconds_or_with_units() -> None:
    config = load_worker_config(
        {"SVC_LATENESS": "45", "SVC_ALLOWED_LATENESS": "7d", "SVC_MAX_FUTURE": "1h30m"}
    )
    assert config.lateness == timedelta(seconds=45)
    assert config.allowed_lateness == timedelta(days=7)
    assert config.max_future == timedelta(hours=1, minutes=30)


def test_a_bad_duration_is_refused_with_its_text() -> None:
    with pytest.raises(UserError, match="SVC_ALLOWED_LATENESS: bad duration 'soon'"):
        load_worker_config({"SVC_ALLOWED_LATENESS": "soon"})
    with pytest.raises(UserError, match="SVC_MAX_PENDING: 'many' is not a number"):
        load_worker_config({"SVC_MAX_PENDING": "many"})
