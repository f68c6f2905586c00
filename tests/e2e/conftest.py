"""The one running stack the e2e tests share: `make run` takes a minute or more, so it runs
once per session, and `svcstd down` stops it at the end.

The restart test (test_dashboard.py) runs first: it times the first run from the stack's
start, then restarts the stack itself; the other tests use the restarted stack."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, VAR, Stack, free_port
from playwright.sync_api import Browser, sync_playwright

from processors.stack.processes import free_port_pair

RUNS_FIRST = "test_dashboard.py"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    var_dir = VAR / "e2e"
    shutil.rmtree(var_dir, ignore_errors=True)
    env = {**os.environ, "SVC_VAR_DIR": str(var_dir), "SVC_KAFKA_PORT": str(free_port_pair())}
    env.pop("SVC_KAFKA_BOOTSTRAP", None)
    env.pop("SVC_CLICKHOUSE_DSN", None)
    running = Stack(env, free_port(), var_dir, time.monotonic())
    try:
        running.make_run()
        yield running
    finally:
        running.down(check=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The e2e tests last, so the session's stack (`stack`, torn down with the session)
    does not run beside every integration test; and the restart test first among them:
    it times the first run from the stack's start."""
    here = Path(__file__).parent
    others = [item for item in items if item.path.parent != here]
    ours = sorted(
        (item for item in items if item.path.parent == here),
        key=lambda item: item.path.name != RUNS_FIRST,
    )
    items[:] = [*others, *ours]
