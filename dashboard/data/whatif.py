"""The what-if page's queries: the replay runs (`svc.whatif_runs`), and one run's draft
against the version in force, per rule and province, through `processors.replay.diff` (the
diff stored when the replay finished, which `svcstd replay diff` reads too), confined to
the viewer's provinces."""

from __future__ import annotations

from typing import Any

from clickhouse_connect.driver.client import Client

from dashboard.data.clocks import utc
from dashboard.scope import Scope
from processors.replay import diff, whatif


def runs(client: Client, limit: int = 200) -> list[whatif.Run]:
    """The finished replays, latest first."""
    fields = list(whatif.Run.__dataclass_fields__)
    sql = f"""
        SELECT {", ".join(fields)} FROM {whatif.RUNS} FINAL
        ORDER BY finished_at DESC, replay LIMIT {{limit:UInt32}}
    """
    found = []
    for row in client.query(sql, parameters={"limit": limit}).result_rows:
        values: dict[str, Any] = dict(zip(fields, row, strict=True))
        for moment in ("period_from", "period_to", "finished_at"):
            values[moment] = utc(values[moment])
        found.append(whatif.Run(**values))
    return found


def summary(client: Client, scope: Scope, run: whatif.Run) -> list[diff.Row]:
    """Per rule and province of the viewer: violations in force, under the draft, +/-."""
    return diff.summary(client, run, scope.provinces)


def changes(client: Client, scope: Scope, run: whatif.Run, limit: int = 200) -> list[diff.Change]:
    """The first added (+) and removed (-) violations, in the diff's order."""
    return list(diff.changes(client, run, scope.provinces, limit))
