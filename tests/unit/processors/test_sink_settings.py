"""The sink's knobs and its back-off between refused inserts."""

from __future__ import annotations

import pytest

from events.errors import UserError
from processors.sink.backoff import Backoff
from processors.sink.config import SinkConfig, load_sink_config


def test_defaults_and_variables() -> None:
    assert load_sink_config({}) == SinkConfig()
    config = load_sink_config(
        {
            "SVC_SINK_BATCH_ROWS": "20000",
            "SVC_SINK_BATCH_SECONDS": "0.5",
            "SVC_SINK_METRICS_PORT": "0",
        }
    )
    assert (config.batch_rows, config.batch_seconds, config.metrics_port) == (20_000, 0.5, 0)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("SVC_SINK_BATCH_ROWS", "many"),
        ("SVC_SINK_BATCH_SECONDS", "0"),
        ("SVC_SINK_METRICS_PORT", "x"),
    ],
)
def test_bad_values_name_their_variable(name: str, text: str) -> None:
    with pytest.raises(UserError, match=name):
        load_sink_config({name: text})


def test_backoff_doubles_to_its_cap_per_table_and_a_success_resets_it() -> None:
    backoff = Backoff(0.5, 3.0)
    assert [backoff.failed("svc.checks", 100.0) for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.retry_at("svc.checks") == 103.0
    assert backoff.retry_at("svc.events") == 0.0
    assert backoff.tables() == {"svc.checks"}
    assert backoff.succeeded("svc.checks") is True
    assert backoff.succeeded("svc.checks") is False
    assert backoff.failed("svc.checks", 200.0) == 0.5
