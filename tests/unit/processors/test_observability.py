"""The shared logging and /metrics plumbing of the long-running processes."""

from __future__ import annotations

import io
import json
import logging
import socket
import urllib.request

import pytest
from prometheus_client import CollectorRegistry, Counter

from events.errors import UserError
from processors.observability import (
    configure_logging,
    log_format,
    log_formatter,
    metrics_port,
    serve_metrics,
)


def test_json_logs_are_one_object_per_line_with_the_usual_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_formatter("json"))
    logger = logging.getLogger("svc.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("refused %d rows", 3, extra={"table": "svc.checks"})
    finally:
        logger.removeHandler(handler)
    record = json.loads(stream.getvalue())
    assert record["message"] == "refused 3 rows"
    assert (record["level"], record["logger"], record["table"]) == (
        "WARNING",
        "svc.test.json",
        "svc.checks",
    )
    assert record["time"].endswith("+00:00")


def test_log_format_is_text_unless_json_is_asked_and_nothing_else_is_accepted() -> None:
    assert log_format({}) == "text"
    assert log_format({"SVC_LOG_FORMAT": " JSON "}) == "json"
    with pytest.raises(UserError, match="SVC_LOG_FORMAT"):
        log_format({"SVC_LOG_FORMAT": "xml"})


def test_configure_logging_puts_one_handler_on_the_root() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("debug", {"SVC_LOG_FORMAT": "json"})
        configure_logging("debug", {"SVC_LOG_FORMAT": "json"})
        assert len(root.handlers) == 1 and root.level == logging.DEBUG
        assert type(root.handlers[0].formatter).__name__ == "JsonFormatter"
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def test_metrics_port_reads_the_variable_with_a_default() -> None:
    assert metrics_port("SVC_X_METRICS_PORT", 9465, {}) == 9465
    assert metrics_port("SVC_X_METRICS_PORT", 9465, {"SVC_X_METRICS_PORT": "0"}) == 0
    for bad in ("http", "70000", "-1"):
        with pytest.raises(UserError, match="SVC_X_METRICS_PORT"):
            metrics_port("SVC_X_METRICS_PORT", 9465, {"SVC_X_METRICS_PORT": bad})


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def test_metrics_are_served_on_a_free_port_and_a_taken_port_falls_back() -> None:
    registry = CollectorRegistry()
    Counter("svc_test_things", "things", registry=registry).inc(3)
    first = serve_metrics(0, registry)
    try:
        assert first.port > 0
        assert "svc_test_things_total 3.0" in _scrape(first.url)
        second = serve_metrics(first.port, registry)
        try:
            assert second.port not in (0, first.port)
            assert "svc_test_things_total 3.0" in _scrape(second.url)
        finally:
            second.close()
    finally:
        first.close()
    with socket.socket() as probe:  # closed: nothing listens there any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", first.port))
