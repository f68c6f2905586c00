"""`svcstd standards …` (validate, test, diff, coverage, publish, schema) and `svcstd evaluate`."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from events.errors import UserError
from standards.calendar_coverage import calendar_warnings
from standards.coverage import coverage, table
from standards.diff import diff
from standards.evaluate import (
    LATENESS,
    Outcome,
    compare_table,
    evaluate,
    read_lines,
    write_records,
    write_violations,
)
from standards.kpis import KpiBook
from standards.loader import RULES_DIR, find, load_standards, parse_standard, validate_dir
from standards.model import Standard
from standards.schema import SCHEMA_FILE, rule_file_schema, write_schema
from standards.suites import pinned, run_suites, suites_dir
from standards.truth import compare, read_jsonl, report
from standards.yamlsrc import SourceError


def register(subparsers: Any) -> None:
    owners = subparsers.add_parser(
        "standards", help="rule files: validate, test, diff, coverage, publish"
    )
    commands = owners.add_subparsers(dest="standards_command", required=True, metavar="ACTION")

    validate = commands.add_parser("validate", help="check every rule file (file:line: reason)")
    validate.add_argument("--dir", type=Path, default=RULES_DIR)
    validate.set_defaults(handler=_validate)

    test = commands.add_parser("test", help="run every rule's test suite")
    test.add_argument("--dir", type=Path, default=RULES_DIR)
    test.set_defaults(handler=_test)

    compare_versions = commands.add_parser("diff", help="rules added, removed, parameters changed")
    compare_versions.add_argument("old", help="a rule file or STANDARD@VERSION")
    compare_versions.add_argument("new", help="a rule file or STANDARD@VERSION")
    compare_versions.add_argument("--dir", type=Path, default=RULES_DIR)
    compare_versions.set_defaults(handler=_diff)

    cover = commands.add_parser(
        "coverage", help="catalog rule → rule file → tests; exit 1 on a gap"
    )
    cover.add_argument("--dir", type=Path, default=RULES_DIR)
    cover.set_defaults(handler=_coverage)

    publish = commands.add_parser("publish", help="to the compacted svc.standards topic")
    publish.add_argument("--dir", type=Path, default=RULES_DIR)
    publish.add_argument("--bootstrap", help="Kafka bootstrap servers (default from settings)")
    publish.add_argument("--dry-run", action="store_true", help="show the plan, send nothing")
    publish.set_defaults(handler=_publish)

    schema = commands.add_parser("schema", help="write (or --check) the rule file JSON Schema")
    schema.add_argument(
        "--check", action="store_true", help="exit 1 when the committed schema is stale"
    )
    schema.set_defaults(handler=_schema)

    run = subparsers.add_parser(
        "evaluate", help="evaluate an event file offline with the rule engine"
    )
    run.add_argument("--events", type=Path, required=True, help="events JSONL")
    run.add_argument("--out", type=Path, help="violations JSONL (standing at end of input)")
    run.add_argument("--kpis", type=Path, help="KPI JSONL: rule-day rates, ratios, stars")
    run.add_argument("--deadletter", type=Path, help="invalid lines: line number, reason, raw line")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--standards", type=Path, default=RULES_DIR, help="rule files directory")
    source.add_argument("--standard", help="STANDARD@VERSION applied to every event (a what-if)")
    run.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="two STANDARD@VERSION: counts per rule and province",
    )
    run.add_argument(
        "--truth", type=Path, help="simulator ground truth: found / missed / false positives"
    )
    run.add_argument(
        "--lateness", type=float, default=LATENESS.total_seconds(), help="watermark lag, seconds"
    )
    run.add_argument(
        "--until",
        type=_instant,
        help=(
            "RFC 3339 time: the answer as of then, as a stream whose clock stopped there gives "
            "it (later events skipped, deadlines before it fired, open windows not flushed)"
        ),
    )
    run.set_defaults(handler=_evaluate)


def _validate(args: argparse.Namespace) -> int:
    standards, problems = validate_dir(args.dir)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    if not standards:
        raise UserError(f"no rule files under {args.dir}")
    for standard in standards:
        print(f"ok {standard.key}: {len(standard.rules)} rules")
        for warning in calendar_warnings(standard):
            print(warning)
    return 0


def _test(args: argparse.Namespace) -> int:
    standards = load_standards(args.dir)
    passed = failed = 0
    for standard in standards:
        try:
            results = run_suites(standard, suites_dir(args.dir / standard.standard))
        except SourceError as exc:
            print(exc)
            return 1
        for result in results:
            if result.passed:
                passed += 1
                continue
            failed += 1
            print(f"FAIL {standard.key} {result.rule}: {result.case}")
            for failure in result.failures:
                print(f"     {failure}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _resolve(ref: str, directory: Path) -> Standard:
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.exists():
        try:
            return parse_standard(path)
        except SourceError as exc:
            raise UserError(str(exc).replace("\n", "; ")) from exc
    return find(load_standards(directory), ref)


def _diff(args: argparse.Namespace) -> int:
    old, new = _resolve(args.old, args.dir), _resolve(args.new, args.dir)
    lines = diff(old, new)
    print(f"{old.key} → {new.key}: {len(lines)} change(s)")
    for line in lines:
        print(line)
    return 0


def _coverage(args: argparse.Namespace) -> int:
    rows = coverage(load_standards(args.dir), args.dir)
    for line in table(rows):
        print(line)
    return 1 if any(row.gap for row in rows) else 0


def _publish(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from events.settings import load_settings
    from events.topics import STANDARDS_TOPIC
    from standards.publish import plan, read_published, send

    standards = load_standards(args.dir)
    bootstrap = args.bootstrap or load_settings().kafka_bootstrap
    try:
        published = read_published(bootstrap, STANDARDS_TOPIC)
    except KafkaError as exc:
        raise UserError(f"cannot read {STANDARDS_TOPIC} from Kafka at {bootstrap}: {exc}") from exc
    decided = plan(standards, published)
    for standard in decided.unchanged:
        print(f"unchanged {standard.key}")
    if decided.refused:
        raise UserError("; ".join(decided.refused))
    for standard in decided.publish:
        print(f"{'would publish' if args.dry_run else 'publishing'} {standard.key}")
    if decided.publish and not args.dry_run:
        try:
            send(bootstrap, STANDARDS_TOPIC, decided.publish)
        except KafkaError as exc:
            raise UserError(f"cannot publish to Kafka at {bootstrap}: {exc}") from exc
    return 0


def _schema(args: argparse.Namespace) -> int:
    fresh = rule_file_schema()
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != fresh:
            print(f"{SCHEMA_FILE} is stale: run svcstd standards schema")
            return 1
        print(f"{SCHEMA_FILE} is up to date")
        return 0
    write_schema()
    print(f"wrote {SCHEMA_FILE}")
    return 0


def _standards_for(args: argparse.Namespace) -> list[Standard]:
    if args.standard:
        everything = load_standards(RULES_DIR)
        return [pinned(find(everything, args.standard))]
    return load_standards(args.standards)


def _run(
    args: argparse.Namespace,
    standards: list[Standard],
    *,
    kpis: KpiBook | None,
    dead: IO[str] | None,
) -> Outcome:
    if not args.events.exists():
        raise UserError(f"no such events file: {args.events}")
    return evaluate(
        read_lines(args.events),
        standards,
        deadletter=dead,
        kpis=kpis,
        lateness=timedelta(seconds=args.lateness),
        until=args.until,
    )


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset (write e.g. +08:00 or Z)")
    return moment


def _evaluate(args: argparse.Namespace) -> int:
    if args.compare:
        everything = load_standards(args.standards)
        a, b = (pinned(find(everything, ref)) for ref in args.compare)
        first = _run(args, [a], kpis=None, dead=None)
        second = _run(args, [b], kpis=None, dead=None)
        for line in compare_table(first, second, args.compare[0], args.compare[1]):
            print(line)
        return 0
    standards = _standards_for(args)
    kpis = KpiBook(standards) if args.kpis else None
    with contextlib.ExitStack() as stack:
        dead = (
            stack.enter_context(args.deadletter.open("w", encoding="utf-8"))
            if args.deadletter
            else None
        )
        outcome = _run(args, standards, kpis=kpis, dead=dead)
    if args.out:
        with args.out.open("w", encoding="utf-8") as handle:
            write_violations(outcome, handle)
    if kpis is not None:
        with args.kpis.open("w", encoding="utf-8") as handle:
            write_records(kpis.records(), handle)
    print(
        f"{outcome.events} events ({outcome.invalid} invalid) in {outcome.seconds:.2f} s "
        f"= {outcome.per_second:,.0f} events/s; {len(outcome.violations)} violations standing "
        f"({outcome.retracted} retracted), {outcome.checks} checks",
        file=sys.stderr,
    )
    if args.truth:
        found = [v.to_record() for v in outcome.violations.values()]
        scores = compare(found, read_jsonl(args.truth))
        for line in report(scores):
            print(line)
        return 0 if all(s.exact for s in scores.values()) else 1
    return 0
