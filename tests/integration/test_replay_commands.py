"""`svcstd replay` and `svcstd replay diff` as a user runs them, on a chDB of their own.

chDB opens one data directory per process, so everything here runs in child
processes: archiving a simulated file and the stream's verdicts (as the
projector stores them), then the commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scenario_support import REPO_ROOT, simulate_file

pytestmark = pytest.mark.integration

ARCHIVE = """
import json, sys
from events.topics import topic_for
from processors.sink.batch_sink import ClickHouseSink
from processors.storage.client import connect
from processors.storage.schema import create_schema
from standards.evaluate import evaluate, read_lines
from standards.loader import load_standards

client = connect(sys.argv[1])
create_schema(client)
sink = ClickHouseSink(client)
lines = list(read_lines(__import__("pathlib").Path(sys.argv[2])))
for offset, line in enumerate(lines):
    sink.add(topic_for(json.loads(line)["type"]), 0, offset, line)
for offset, violation in enumerate(evaluate(lines, load_standards()).violations.values()):
    sink.add("svc.violations", 0, offset, json.dumps(violation.to_record()).encode())
sink.flush()
client.close()
"""
PERIOD = ["--from", "2028-06-02T00:00:00+08:00", "--to", "2028-06-03T00:00:00+08:00"]


def _svcstd(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "processors.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
        check=False,
    )


def test_replay_then_diff_from_the_command_line(tmp_path: Path) -> None:
    events = simulate_file(tmp_path / "events.jsonl", "1", "2028-06-01", "3d", None, seed=5)
    dsn = f"chdb://{tmp_path / 'clickhouse'}"
    archived = subprocess.run(
        [sys.executable, "-c", ARCHIVE, dsn, str(events)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert archived.returncode == 0, archived.stderr[-3000:]
    env = {**os.environ, "SVC_CLICKHOUSE_DSN": dsn}
    replay = ["replay", *PERIOD, "--standard", "cmcc-service@1", "--into", "cli"]

    first = _svcstd(env, *replay)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "events/s" in first.stderr and "next: svcstd replay diff cli" in first.stderr
    again = _svcstd(env, *replay)
    assert again.returncode == 2 and "pass --replace" in again.stderr
    assert _svcstd(env, *replay, "--replace").returncode == 0

    shown = _svcstd(env, "replay", "diff", "cli", "--ids")
    assert shown.returncode == 0, shown.stderr[-3000:]
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("replay cli: cmcc-service@1 over [2028-06-01T16:00:00+00:00")
    total = next(line for line in lines if line.startswith("total")).split()
    added = [line for line in lines if line.startswith("+ ")]
    removed = [line for line in lines if line.startswith("- ")]
    assert int(total[1]) > 0 and int(total[2]) > 0
    assert (int(total[3]), int(total[4])) == (len(added), -len(removed))
    assert int(total[2]) - int(total[1]) == len(added) - len(removed)

    unknown = _svcstd(env, "replay", "diff", "nothing-here")
    assert unknown.returncode == 2 and "no finished replay named 'nothing-here'" in unknown.stderr
