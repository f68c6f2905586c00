"""Logs and /metrics for the long-running processes (the worker, the sink).

A process's entry point calls each once:

- `configure_logging(level)`: text lines, or one JSON object per line when
  `SVC_LOG_FORMAT=json` (python-json-logger), for log shippers that parse fields.
- `serve_metrics(port)`: the process's Prometheus registry in the text format at
  `http://HOST:PORT/metrics` (prometheus-client's server, a daemon thread); HOST
  is `SVC_METRICS_HOST`, the loopback by default (`0.0.0.0` in a container).
  Port 0 asks the system for a free one; a port already taken (a second process
  on one machine, several workers in a test) falls back to a free one with a
  warning, so metrics never keep a service from starting. The URL actually
  served is logged and returned.
- `metrics_port(variable, default)`: the port a `SVC_*_METRICS_PORT` variable names.

Metric names start with `svc_` and the process (`svc_sink_`, `svc_worker_`).
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from pythonjsonlogger.json import JsonFormatter

from events.errors import UserError

log = logging.getLogger(__name__)

LOG_FORMAT_VARIABLE = "SVC_LOG_FORMAT"
LOG_FORMATS = ("text", "json")
METRICS_HOST_VARIABLE = "SVC_METRICS_HOST"
DEFAULT_METRICS_HOST = "127.0.0.1"
TEXT_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """`text` (the default) or `json`, from `SVC_LOG_FORMAT`."""
    env = os.environ if environ is None else environ
    chosen = env.get(LOG_FORMAT_VARIABLE, "").strip().lower() or "text"
    if chosen not in LOG_FORMATS:
        raise UserError(f"{LOG_FORMAT_VARIABLE}: {chosen!r} is not one of {', '.join(LOG_FORMATS)}")
    return chosen


def log_formatter(chosen: str) -> logging.Formatter:
    if chosen == "json":
        return JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(
    level: str | int = logging.INFO, environ: Mapping[str, str] | None = None
) -> None:
    """One handler on the root logger, on stderr, in the format `SVC_LOG_FORMAT` asks for."""
    handler = logging.StreamHandler()
    handler.setFormatter(log_formatter(log_format(environ)))
    if isinstance(level, str):
        level = level.upper()
    logging.basicConfig(level=level, handlers=[handler], force=True)


def metrics_port(variable: str, default: int, environ: Mapping[str, str] | None = None) -> int:
    """The port in `variable`, `default` when unset; 0 means any free port."""
    env = os.environ if environ is None else environ
    text = env.get(variable, "").strip()
    if not text:
        return default
    try:
        port = int(text)
    except ValueError:
        raise UserError(f"{variable}: {text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise UserError(f"{variable}: {port} is not a port number")
    return port


@dataclass
class MetricsServer:
    """A running /metrics endpoint; `close()` stops it (tests, clean shutdowns)."""

    host: str
    port: int
    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(
    port: int, registry: CollectorRegistry = REGISTRY, environ: Mapping[str, str] | None = None
) -> MetricsServer:
    """Serve `registry` on `port` (0: a free one; taken: a free one, with a warning)."""
    env = os.environ if environ is None else environ
    host = env.get(METRICS_HOST_VARIABLE, "").strip() or DEFAULT_METRICS_HOST
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE or port == 0:
            raise
        log.warning("metrics port %d is taken; serving on a free port instead", port)
        server, thread = start_http_server(0, addr=host, registry=registry)
    served = MetricsServer(host, int(server.server_port), server, thread)
    log.info("metrics at %s", served.url)
    return served
