"""A replay against the verdicts in force: violations added and removed, per rule and province.

Computed in ClickHouse. The verdicts in force are `svc.violations` at the
latest revision of each id, not retracted, of the replayed standard; both sides
are limited to violations detected in the replay's period. A finding is the
same on both sides when its standard, rule, subject and occurrence are: its id
differs between versions (the version is hashed into it), so each what-if
violation's id is recomputed under every version found among the verdicts in
force (`standards.verdicts.stable_id`, in SQL) and looked up there.

`provinces` confines both sides to those provinces (the dashboard's viewer scope):
a finding and its twin share a subject, hence a province, so the diff of a province
is that province's part of the whole diff.

That comparison reads every violation in force in the period, so it runs once, when
the replay finishes (`store`, called by `processors.replay.run.finish`): the summary
goes to `svc.whatif_diff`, the added and removed violations to `svc.whatif_changes`,
and `summary` and `changes` read those, a province's part being its rows. The stored
diff is against the verdicts in force when the replay finished; a replay run again
(`--replace`) diffs anew. Runs recorded before these tables existed (`diff_stored`
false) are diffed live, as they always were.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client

from processors.replay import whatif
from processors.storage.client import DATABASE

_SIDES = f"""
WITH
in_force AS (
    SELECT violation_id,
           argMax(rule, revision) AS rule,
           argMax(province, revision) AS province,
           argMax(subject, revision) AS subject,
           argMax(version, revision) AS version
    FROM {DATABASE}.violations
    WHERE standard = {{standard:String}}
      AND detected_at >= {{start:DateTime64(3, 'UTC')}}
      AND detected_at < {{end:DateTime64(3, 'UTC')}}
      AND (NOT {{confined:Bool}} OR violations.province IN {{provinces:Array(String)}})
    GROUP BY violation_id
    HAVING NOT argMax(retracted, revision)
),
whatif AS (
    SELECT violation_id, rule, province, subject,
           arrayMap(
               v -> substring(lower(hex(SHA256(concat(
                   standard, char(31), toString(v), char(31), rule, char(31),
                   subject, char(31), occurrence)))), 1, 32),
               (SELECT groupUniqArray(version) FROM in_force)
           ) AS twins
    FROM {whatif.VIOLATIONS} FINAL
    WHERE replay = {{name:String}} AND NOT retracted
      AND detected_at >= {{start:DateTime64(3, 'UTC')}}
      AND detected_at < {{end:DateTime64(3, 'UTC')}}
      AND (NOT {{confined:Bool}} OR province IN {{provinces:Array(String)}})
),
sides AS (
    SELECT 'in_force' AS side, rule, province, violation_id, subject,
           violation_id IN (SELECT twin FROM whatif ARRAY JOIN twins AS twin) AS matched
    FROM in_force
    UNION ALL
    SELECT 'whatif' AS side, any(rule), any(province), violation_id, any(subject),
           max(twin IN (SELECT violation_id FROM in_force)) AS matched
    FROM whatif LEFT ARRAY JOIN twins AS twin
    GROUP BY violation_id
)
"""


def _summary(lead: str = "") -> str:
    """The per rule and province query; `lead` puts columns before them (the replay's name)."""
    return (
        _SIDES
        + f"""
SELECT {lead}rule, province,
       countIf(side = 'in_force') AS in_force,
       countIf(side = 'whatif') AS whatif,
       countIf(side = 'whatif' AND NOT matched) AS added,
       countIf(side = 'in_force' AND NOT matched) AS removed
FROM sides
GROUP BY rule, province
ORDER BY rule, province
"""
    )


def _changes(lead: str = "") -> str:
    """The added and removed violations; `lead` as in `_summary`."""
    return (
        _SIDES
        + f"""
SELECT {lead}if(side = 'whatif', '+', '-') AS change, rule, province, violation_id, subject
FROM sides
WHERE NOT matched
ORDER BY rule, province, change, violation_id
"""
    )


SUMMARY = _summary()
CHANGES = _changes()

_STORE_SUMMARY = (
    f"INSERT INTO {whatif.DIFF} (replay, rule, province, in_force, whatif, added, removed)"
    + _summary("{name:String}, ")
)

_STORE_CHANGES = (
    f"INSERT INTO {whatif.CHANGES} (replay, change, rule, province, violation_id, subject)"
    + _changes("{name:String}, ")
)

_STORED_SUMMARY = f"""
SELECT rule, province, in_force, whatif, added, removed
FROM {whatif.DIFF}
WHERE replay = {{name:String}}
  AND (NOT {{confined:Bool}} OR province IN {{provinces:Array(String)}})
ORDER BY rule, province
"""

_STORED_CHANGES = f"""
SELECT change, rule, province, violation_id, subject
FROM {whatif.CHANGES}
WHERE replay = {{name:String}}
  AND (NOT {{confined:Bool}} OR province IN {{provinces:Array(String)}})
ORDER BY rule, province, change, violation_id
"""


@dataclass(frozen=True)
class Row:
    """One rule in one province: violations on each side, and the difference."""

    rule: str
    province: str
    in_force: int
    whatif: int
    added: int
    removed: int


@dataclass(frozen=True)
class Change:
    """One violation only the replay found (`+`) or only the verdicts in force hold (`-`)."""

    change: str
    rule: str
    province: str
    violation_id: str
    subject: str


def _parameters(run: whatif.Run, provinces: Collection[str] | None) -> dict[str, Any]:
    return {
        "name": run.replay,
        "standard": run.standard,
        "start": run.period_from,
        "end": run.period_to,
        "confined": provinces is not None,
        "provinces": sorted(provinces or ()),
    }


def store(client: Client, run: whatif.Run) -> None:
    """Compute the run's whole diff once and keep it; the run's rows must all be written."""
    parameters = _parameters(run, None)
    client.command(_STORE_SUMMARY, parameters=parameters)
    client.command(_STORE_CHANGES, parameters=parameters)


def summary(client: Client, run: whatif.Run, provinces: Collection[str] | None = None) -> list[Row]:
    """Per rule and province; with `provinces`, of those provinces only."""
    sql = _STORED_SUMMARY if run.diff_stored else SUMMARY
    result = client.query(sql, parameters=_parameters(run, provinces))
    return [Row(str(r[0]), str(r[1]), *(int(n) for n in r[2:])) for r in result.result_rows]


def changes(
    client: Client,
    run: whatif.Run,
    provinces: Collection[str] | None = None,
    limit: int | None = None,
) -> Iterator[Change]:
    """Every added and removed violation (the first `limit`), streamed in blocks; with
    `provinces`, of those only."""
    sql = _STORED_CHANGES if run.diff_stored else CHANGES
    parameters = _parameters(run, provinces)
    if limit is not None:
        sql += "LIMIT {limit:UInt64}\n"
        parameters["limit"] = limit
    with client.query_row_block_stream(sql, parameters=parameters) as stream:
        for block in stream:
            for change, rule, province, violation_id, subject in block:
                yield Change(change, rule, province, violation_id, subject)
