"""The page benchmark's data: a year of a national operator's rows, made by ClickHouse itself.

Every row is arithmetic on `numbers(N)`, so a load is deterministic and needs no
Python loop. The shape follows production (`svcstd simulate` and the engine):

- a *subject* (a visit, call, IVR session, repair ticket, complaint, notice) has
  `EVENTS_PER_SUBJECT` events, at its channel's pace, in one unit of one
  province; provinces are skewed like the real companies (GD busiest), halls
  number thousands per province;
- a violation breaks one rule of its subject's channel (the 35 catalog rules with
  their clause, severity, measure and limit from the rule file in force), its
  evidence the ids of that subject's events, which exist in `svc.events`;
- a few violations are revised later by a second row (`revision` 1): retracted,
  or with a new measure, as a late end does;
- each subject is checked against `CHECKS_PER_SUBJECT` rules of its channel, the
  check failing exactly where the violation is;
- dead letters, and one what-if replay of a month, finished as `svcstd replay`
  finishes one (`processors.replay.run.finish`: its diff stored, then its record).

Rows go in through `INSERT … SELECT` in chunks, into the schema `create_schema`
makes, so any materialized view on these tables fills as it does in production.
A table added for a page is a `Fill` more in `fills()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client

from events.simulator.world import PROVINCES
from processors.replay import whatif
from processors.replay.run import finish
from processors.storage.client import DATABASE
from standards.loader import find, load_standards
from standards.model import Standard

STANDARD = "cmcc-service@1"
START = datetime(2025, 12, 1, tzinfo=UTC) - timedelta(hours=8)
"""A year of data ending on 2026-11-30 China time."""
YEAR_MS = 365 * 24 * 3600 * 1000
EVENTS_PER_SUBJECT = 5
CHECKS_PER_SUBJECT = 3
CHUNK_ROWS = 10_000_000
"""Rows per INSERT: bounded memory, and parts that background merges can follow."""

FULL_VIOLATIONS = 10_000_000
FULL_EVENTS = 100_000_000


@dataclass(frozen=True)
class Channel:
    name: str
    share: int
    """Percent of subjects."""
    letter: str
    """Subject prefix: V(isit), C(all), S(ession), T(icket), CP (complaint), N(otice)."""
    step_seconds: int
    """Time between a subject's successive events."""
    types: tuple[str, ...]
    """Its events' types, in order (`EVENTS_PER_SUBJECT` of them)."""
    kind: str
    """The unit kind in event sources: /provinces/GD/<kind>/<unit>."""


CHANNELS: tuple[Channel, ...] = (
    Channel(
        "hall",
        45,
        "V",
        300,
        (
            "hall.visit.checked_in",
            "hall.visit.called",
            "hall.visit.service_started",
            "hall.visit.service_completed",
            "hall.visit.survey",
        ),
        "halls",
    ),
    Channel(
        "hotline",
        35,
        "C",
        30,
        (
            "hotline.call.offered",
            "hotline.call.answered",
            "hotline.utterance",
            "hotline.call.ended",
            "hotline.call.survey",
        ),
        "callcenters",
    ),
    Channel(
        "ivr",
        10,
        "S",
        20,
        (
            "ivr.session.started",
            "ivr.prompt.played",
            "ivr.menu.selected",
            "ivr.agent.requested",
            "ivr.session.ended",
        ),
        "ivr",
    ),
    Channel(
        "repair",
        6,
        "T",
        6 * 3600,
        (
            "repair.ticket.opened",
            "repair.visit.scheduled",
            "repair.visit.arrived",
            "repair.customer.notified",
            "repair.ticket.resolved",
        ),
        "repair",
    ),
    Channel(
        "complaint",
        3,
        "CP",
        86400,
        (
            "complaint.opened",
            "complaint.replied",
            "complaint.replied",
            "complaint.replied",
            "complaint.closed",
        ),
        "complaints",
    ),
    Channel(
        "notice",
        1,
        "N",
        86400,
        (
            "notice.maintenance.planned",
            "notice.maintenance.announced",
            "notice.maintenance.announced",
            "notice.maintenance.announced",
            "notice.tariff.published",
        ),
        "noc",
    ),
)

MEASURES = {
    "deadline": "seconds",
    "interval": "seconds",
    "conversation": "seconds",
    "availability": "seconds",
    "ratio": "ratio",
    "priority": "count",
    "phrases": "phrases",
    "window": "events",
    "attributes": "attributes",
}


@dataclass(frozen=True)
class Size:
    """How many rows of each kind: `scale` 1 is the issue's 10M violations and 100M events."""

    violations: int
    events: int

    @classmethod
    def at(cls, scale: float) -> Size:
        violations = max(1_000, round(FULL_VIOLATIONS * scale))
        events = max(violations * 2 * EVENTS_PER_SUBJECT, round(FULL_EVENTS * scale))
        return cls(violations, events - events % EVENTS_PER_SUBJECT)

    @property
    def subjects(self) -> int:
        return self.events // EVENTS_PER_SUBJECT

    @property
    def revisions(self) -> int:
        """Violations with a second row: every 20th (half retracted, half re-measured)."""
        return -(-self.violations // 20)

    @property
    def deadletters(self) -> int:
        return max(100, self.events // 1_000)

    @property
    def clocks(self) -> int:
        """Deadline clocks: one per fifth subject; every 20th still open around the year's end."""
        return self.subjects // 5

    @property
    def disputes(self) -> int:
        """One violation in 200 disputed; of those, a third accepted and a third rejected."""
        return max(10, self.violations // 200)

    @property
    def whatif(self) -> int:
        return max(100, self.violations // 12)


@dataclass(frozen=True)
class Fill:
    """One table's rows: `sql` inserts those of the numbers [lo, lo + count) of `numbers`,
    `rows` in all (fewer than the numbers where the SQL filters some out); or `step`
    writes them through the code that writes them in production."""

    table: str
    numbers: int
    sql: Callable[[int, int], str] | None = None
    filtered_rows: int | None = None
    step: Callable[[Client], None] | None = None

    @property
    def rows(self) -> int:
        return self.numbers if self.filtered_rows is None else self.filtered_rows


def _rules(standard: Standard) -> list[tuple[str, str, str, str, float | None, str, str]]:
    """(id, clause, severity, measure, limit, zh, en) for every rule, in file order."""
    rules = []
    for rule in standard.rules:
        measure = MEASURES[rule.kind]
        params = rule.params.model_dump()
        limit: float | None = None
        if measure == "seconds":
            bound = params.get("limit") or (params.get("limits") or {}).get("default")
            limit = bound.total_seconds() if bound is not None else 3600.0
        elif measure == "ratio":
            limit = float(params.get("target", 0.9))
        elif measure == "count":
            limit = 0.0
        rules.append(
            (
                rule.id,
                rule.clause,
                str(rule.severity),
                measure,
                limit,
                rule.description.zh,
                rule.description.en,
            )
        )
    return rules


def parameters() -> dict[str, Any]:
    """The constants the SQL reads, bound as parameters: provinces, channels, rules."""
    rules = _rules(find(load_standards(), STANDARD))
    by_channel = [[r[0] for r in rules if r[0].split(".")[0] == c.name] for c in CHANNELS]
    shares: list[int] = []
    for channel in CHANNELS:
        shares.append((shares[-1] if shares else 0) + channel.share)
    return {
        "provinces": list(PROVINCES),
        "channel_names": [c.name for c in CHANNELS],
        "channel_upto": shares,
        "letters": [c.letter for c in CHANNELS],
        "kinds": [c.kind for c in CHANNELS],
        "steps": [c.step_seconds for c in CHANNELS],
        "types": [list(c.types) for c in CHANNELS],
        "channel_rules": by_channel,
        "rule_ids": [r[0] for r in rules],
        "clauses": [r[1] for r in rules],
        "severities": [r[2] for r in rules],
        "measures": [r[3] for r in rules],
        "limits": [r[4] if r[4] is not None else -1.0 for r in rules],
        "texts_zh": [r[5] for r in rules],
        "texts_en": [r[6] for r in rules],
        "start_ms": int(START.timestamp() * 1000),
    }


PARAMETER_TYPES = {
    "provinces": "Array(String)",
    "channel_names": "Array(String)",
    "channel_upto": "Array(UInt32)",
    "letters": "Array(String)",
    "kinds": "Array(String)",
    "steps": "Array(UInt32)",
    "types": "Array(Array(String))",
    "channel_rules": "Array(Array(String))",
    "rule_ids": "Array(String)",
    "clauses": "Array(String)",
    "severities": "Array(String)",
    "measures": "Array(String)",
    "limits": "Array(Float64)",
    "texts_zh": "Array(String)",
    "texts_en": "Array(String)",
    "start_ms": "Int64",
}


def _bound(name: str) -> str:
    return f"{{{name}:{PARAMETER_TYPES[name]}}}"


def _subject(s: str) -> str:
    """WITH terms describing subject number `s`: channel, province, unit, subject, its start."""
    return f"""
        sipHash64({s}) AS h,
        arrayFirstIndex(x -> h % 100 < x, {_bound("channel_upto")}) AS ci,
        least(31, 1 + toUInt32(floor(31 * pow((bitShiftRight(h, 8) % 1000003) / 1000003, 1.8)))) AS pi,
        {_bound("provinces")}[pi] AS prov,
        bitShiftRight(h, 24) % 1000003 AS un,
        concat(prov, '-', multiIf(
            ci = 1, concat('H', leftPad(toString(un % 3000 + 1), 4, '0')),
            ci = 2, concat('CC', toString(un % 4 + 1)),
            ci = 3, concat('IVR', toString(un % 2 + 1)),
            ci = 4, concat('RT', toString(un % 300 + 1)),
            ci = 5, 'CMP', 'NOC')) AS unit_id,
        concat(unit_id, '-', {_bound("letters")}[ci], toString({s})) AS subject_id,
        {_bound("start_ms")} + toInt64(sipHash64({s}, 1) % {YEAR_MS}) AS t0_ms,
        {_bound("steps")}[ci] AS step
    """


def _event_id(n: str) -> str:
    return f"UUIDNumToString(MD5(concat('e', toString({n}))))"


def _rule_of(s: str) -> str:
    """The rule subject `s` breaks, when it does: one of its channel's."""
    rules = _bound("channel_rules")
    return f"{rules}[ci][1 + (sipHash64({s}, 2) % length({rules}[ci]))]"


def _events_sql(size: Size) -> Callable[[int, int], str]:
    k = EVENTS_PER_SUBJECT

    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.events (id, type, time, province, unit, subject, source, data, received_at)
        WITH intDiv(number, {k}) AS s, number % {k} AS j, {_subject("s")},
             fromUnixTimestamp64Milli(t0_ms + toInt64(j * step * 1000), 'UTC') AS at
        SELECT {_event_id("number")}, {_bound("types")}[ci][j + 1], at, prov, unit_id, subject_id,
               concat('/provinces/', prov, '/', {_bound("kinds")}[ci], '/', unit_id),
               if(j = 0,
                  concat('{{"customer":"', lower(hex(sipHash64(s, 3))), '","brand":"',
                         ['gotone_vip', 'gotone', 'mzone', 'easyown'][1 + s % 4], '"}}'),
                  concat('{{"staff":"S', toString(un % 500), '","counter":', toString(j), '}}')),
               at + toIntervalMillisecond(400 + number % 1500)
        FROM numbers({lo}, {count})
        """

    return sql


def _violation_select(size: Size, revision: bool, first: str = "") -> str:
    """Violation `v` is on subject ⌊v·subjects/violations⌋; a revision row re-states it.
    `first` is a leading column (the replay of a what-if row)."""
    k = EVENTS_PER_SUBJECT
    measured = (
        "if(measure = 'ratio', limit_v * (0.4 + (sipHash64(v, 5) % 500) / 1000), "
        "limit_v * (1.05 + (sipHash64(v, 5) % 4000) / 1000))"
    )
    if revision:
        measured = f"({measured}) * 1.1"
    return f"""
        WITH intDiv(v * {size.subjects}, {size.violations}) AS s, {_subject("s")},
             {_rule_of("s")} AS rule_id,
             indexOf({_bound("rule_ids")}, rule_id) AS ri,
             {_bound("measures")}[ri] AS measure,
             {_bound("limits")}[ri] AS limit_raw,
             if(limit_raw < 0, NULL, limit_raw) AS limit_v,
             if(limit_v IS NULL, NULL, {measured}) AS measured_v,
             fromUnixTimestamp64Milli(t0_ms + toInt64({k} * step * 1000), 'UTC') AS detected,
             {"v % 40 = 0" if revision else "false"} AS is_retracted
        SELECT {first}lower(hex(MD5(concat('v', toString(v))))), 'cmcc-service', 1, rule_id,
               {_bound("clauses")}[ri], {_bound("severities")}[ri], prov, unit_id, subject_id,
               detected, measured_v, limit_v, measure,
               arrayMap(j -> {_event_id(f"s * {k} + j")}, range({k})),
               concat({_bound("texts_zh")}[ri], if(measured_v IS NULL, '',
                      concat(' 实测 ', toString(round(measured_v, 2))))),
               concat({_bound("texts_en")}[ri], if(measured_v IS NULL, '',
                      concat(' measured ', toString(round(measured_v, 2))))),
               is_retracted, {1 if revision else 0},
               detected + toIntervalSecond({3600 if revision else 2}),
               concat(subject_id, '#', toString(v))
    """


VIOLATION_COLUMNS = (
    "violation_id, standard, version, rule, clause, severity, province, unit, subject, "
    "detected_at, measured, `limit`, measure, evidence, message_zh, message_en, retracted, "
    "revision, inserted_at, occurrence"
)


def _violations_sql(size: Size) -> Callable[[int, int], str]:
    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.violations ({VIOLATION_COLUMNS})
        {_violation_select(size, revision=False)}
        FROM (SELECT number AS v FROM numbers({lo}, {count}))
        """

    return sql


def _revisions_sql(size: Size) -> Callable[[int, int], str]:
    """The second row of every 20th violation, inserted after all first rows, as it arrives."""

    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.violations ({VIOLATION_COLUMNS})
        {_violation_select(size, revision=True)}
        FROM (SELECT number * 20 AS v FROM numbers({lo}, {count}))
        """

    return sql


def _checks_sql(size: Size) -> Callable[[int, int], str]:
    """Check j of subject s is of its channel's rules, offset by j from the rule it may break;
    check 0 fails exactly when a violation is on s."""
    c = CHECKS_PER_SUBJECT
    rules = _bound("channel_rules")

    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.checks
            (check_id, standard, version, rule, province, unit, subject, day, checked_at,
             violated, value, inserted_at)
        WITH intDiv(number, {c}) AS s, number % {c} AS j, {_subject("s")},
             intDiv(s * {size.violations} + {size.subjects} - 1, {size.subjects}) AS first_v,
             first_v < {size.violations} AND intDiv(first_v * {size.subjects}, {size.violations}) = s
                 AS broken,
             {rules}[ci][1 + ((sipHash64(s, 2) + j) % length({rules}[ci]))] AS rule_id,
             fromUnixTimestamp64Milli(t0_ms + toInt64({EVENTS_PER_SUBJECT} * step * 1000), 'UTC')
                 AS checked
        SELECT lower(hex(MD5(concat('c', toString(number))))), 'cmcc-service', 1, rule_id, prov,
               unit_id, subject_id, toDate(checked, 'Asia/Shanghai'), checked, broken AND j = 0,
               toFloat64(sipHash64(s, 5) % 3600), checked + toIntervalSecond(2)
        FROM numbers({lo}, {count})
        """

    return sql


def _deadletters_sql(size: Size) -> Callable[[int, int], str]:
    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.deadletters
            (letter_id, topic, partition, offset, reason, raw, received_at)
        SELECT lower(hex(MD5(concat('d', toString(number))))),
               concat('svc.events.', {_bound("channel_names")}[1 + number % 6]), number % 6,
               number, ['invalid: data.customer: field required', 'late: 2 h behind the clock',
                        'too large: 1200000 bytes', 'future: 9 min ahead', 'empty'][1 + number % 5],
               concat('{{"id":"', toString(number), '","type":"hall.visit.called"}}'),
               fromUnixTimestamp64Milli({_bound("start_ms")}
                   + toInt64(sipHash64(number, 9) % {YEAR_MS}), 'UTC')
        FROM numbers({lo}, {count})
        """

    return sql


WHATIF_REPLAY = "bench-month-v1"


def _whatif_sql(size: Size) -> Callable[[int, int], str]:
    """One replay: a month's share of the violations, plus some the draft would add."""

    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.whatif_violations (replay, {VIOLATION_COLUMNS})
        {_violation_select(size, revision=False, first=f"'{WHATIF_REPLAY}', ")}
        FROM (SELECT number * 11 AS v FROM numbers({lo}, {count}))
        """

    return sql


def _whatif_run(size: Size) -> Callable[[Client], None]:
    """The replay's end, once its violations are in: its diff stored, then its record."""
    run = whatif.Run(
        replay=WHATIF_REPLAY,
        standard="cmcc-service",
        version=1,
        draft="",
        draft_sha256="",
        period_from=datetime(2026, 10, 31, 16, tzinfo=UTC),
        period_to=datetime(2026, 11, 30, 16, tzinfo=UTC),
        events=size.events // 12,
        invalid=0,
        violations=size.whatif,
        retracted=0,
        checks=0,
        seconds=60.0,
        cpu_seconds=58.0,
        finished_at=datetime(2026, 11, 30, 17, tzinfo=UTC),
    )

    def step(client: Client) -> None:
        finish(client, run)

    return step


def _clocks_sql(size: Size, closing: bool) -> Callable[[int, int], str]:
    """Clock c on subject 5c: an open row, and for most a closing revision inserted after
    (in one insert ReplacingMergeTree would keep only the latter); the open ones (every
    20th) started in the two days before the year's end, due 48 h later."""

    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.clocks
            (clock_id, standard, version, rule, clause, severity, province, unit, subject,
             started_at, due_at, closed, closed_at, outcome, revision, inserted_at)
        WITH number AS c, {1 if closing else 0} AS rev, c * 5 AS s, {_subject("s")},
             {_rule_of("s")} AS rule_id, indexOf({_bound("rule_ids")}, rule_id) AS ri,
             c % 20 = 0 AS still_open,
             if(still_open,
                {_bound("start_ms")} + toInt64({YEAR_MS}) - toInt64(sipHash64(c, 7) % 172800000),
                t0_ms) AS started_ms,
             fromUnixTimestamp64Milli(started_ms, 'UTC') AS started,
             started + toIntervalHour(48) AS due,
             rev = 1 AS is_closed
        SELECT lower(hex(MD5(concat('k', toString(c))))), 'cmcc-service', 1, rule_id,
               {_bound("clauses")}[ri], {_bound("severities")}[ri], prov, unit_id, subject_id,
               started, due, is_closed,
               if(is_closed, started + toIntervalSecond(sipHash64(c, 8) % 200000), NULL),
               if(is_closed, ['met', 'met', 'met', 'late', 'breached'][1 + c % 5], ''),
               rev, started + toIntervalSecond(1 + rev * 3600)
        FROM numbers({lo}, {count})
        WHERE NOT (still_open AND rev = 1)
        """

    return sql


def _disputes_sql(size: Size) -> Callable[[int, int], str]:
    """Dispute d is on violation 200d: filed, then (two in three) accepted or rejected."""

    def sql(lo: int, count: int) -> str:
        return f"""
        INSERT INTO {DATABASE}.disputes
            (event_id, dispute_id, violation_id, action, province, unit, rule, detected_at,
             actor, role, at, reason, inserted_at)
        WITH intDiv(number, 2) AS d, number % 2 AS stage, d * 200 AS v,
             intDiv(v * {size.subjects}, {size.violations}) AS s, {_subject("s")},
             {_rule_of("s")} AS rule_id,
             fromUnixTimestamp64Milli(t0_ms + toInt64({EVENTS_PER_SUBJECT} * step * 1000), 'UTC')
                 AS detected,
             detected + toIntervalHour(24 + stage * 48) AS at_time
        SELECT lower(hex(MD5(concat('de', toString(number))))),
               lower(hex(MD5(concat('d', toString(d))))),
               lower(hex(MD5(concat('v', toString(v))))),
               if(stage = 0, 'filed', if(d % 2 = 0, 'accepted', 'rejected')), prov, unit_id,
               rule_id, detected, if(stage = 0, concat('mgr-', prov), 'hq-auditor'),
               if(stage = 0, 'province_manager', 'hq_auditor'), at_time,
               if(stage = 0, '设备故障已报修，非人为超时', '证据充分'), at_time + toIntervalSecond(1)
        FROM numbers({lo}, {count})
        WHERE stage = 0 OR d % 3 != 0
        """

    return sql


def fills(size: Size) -> tuple[Fill, ...]:
    """Every table the pages read, in load order (revisions after their first rows)."""
    return (
        Fill("events", size.events, _events_sql(size)),
        Fill("violations", size.violations, _violations_sql(size)),
        Fill("violations", size.revisions, _revisions_sql(size)),
        Fill("checks", size.subjects * CHECKS_PER_SUBJECT, _checks_sql(size)),
        Fill("deadletters", size.deadletters, _deadletters_sql(size)),
        Fill("whatif_violations", size.whatif, _whatif_sql(size)),
        Fill("whatif_runs", 1, step=_whatif_run(size)),
        Fill("clocks", size.clocks, _clocks_sql(size, closing=False)),
        Fill(
            "clocks",
            size.clocks,
            _clocks_sql(size, closing=True),
            size.clocks - -(-size.clocks // 20),
        ),
        Fill(
            "disputes",
            size.disputes * 2,
            _disputes_sql(size),
            2 * size.disputes - -(-size.disputes // 3),
        ),
    )


def chunks(rows: int, chunk: int = CHUNK_ROWS) -> Iterator[tuple[int, int]]:
    for lo in range(0, rows, chunk):
        yield lo, min(chunk, rows - lo)


def load(client: Client, size: Size, report: Callable[[str], None] = print) -> dict[str, float]:
    """Every fill, chunk by chunk; the seconds each table took."""
    params = parameters()
    seconds: dict[str, float] = {}
    for fill in fills(size):
        started = datetime.now(UTC)
        if fill.step is not None:
            fill.step(client)
        elif fill.sql is not None:
            for lo, count in chunks(fill.numbers):
                client.command(fill.sql(lo, count), parameters=params)
        took = (datetime.now(UTC) - started).total_seconds()
        seconds[fill.table] = seconds.get(fill.table, 0.0) + took
        report(f"  {fill.table}: {fill.rows:,} rows in {took:.1f} s")
    return seconds


def verify(client: Client, size: Size) -> list[str]:
    """What a load must hold for the pages to be timed on realistic rows; empty when it does.

    Evidence is checked on a sample of a thousandth of the violations (all of a small load)."""
    problems: list[str] = []
    sample = f"""
        SELECT province, arrayJoin(evidence) AS id FROM {DATABASE}.violations
        WHERE revision = 0 AND (sipHash64(violation_id) % 1000 = 0 OR {size.violations} < 100000)
    """
    missing = client.query(
        f"""
        SELECT (SELECT count() FROM ({sample}))
             - (SELECT count() FROM {DATABASE}.events WHERE (province, id) IN ({sample}))
        """
    ).result_rows[0][0]
    if missing:
        problems.append(f"{missing} evidence ids of the sample are not in svc.events")
    failed = client.query(f"SELECT countIf(violated) FROM {DATABASE}.checks").result_rows[0][0]
    if failed != size.violations:
        problems.append(f"{failed} failed checks for {size.violations} violations")
    retracted = client.query(
        f"SELECT countIf(retracted) FROM {DATABASE}.violations FINAL"
    ).result_rows[0][0]
    if retracted != -(-size.violations // 40):
        problems.append(f"{retracted} retracted violations, expected {-(-size.violations // 40)}")
    provinces = client.query(f"SELECT uniqExact(province) FROM {DATABASE}.violations").result_rows[
        0
    ][0]
    if provinces != len(PROVINCES):
        problems.append(f"violations in {provinces} provinces, not {len(PROVINCES)}")
    return problems
