"""`svcstd simulate`: options, outputs, and the run."""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from events.errors import UserError
from events.progress import Progress
from events.pseudonym import KEY_VARIABLE, Pseudonymiser
from events.simulator.context import SIMULATOR_KEY, SimConfig
from events.simulator.runner import EventSink, TruthSink, simulate
from events.simulator.sinks import FileSink, KafkaSink, NoTruth, PacedSink, TruthFile
from events.simulator.timespec import parse_duration, parse_start
from events.simulator.world import PROVINCES, parse_provinces

if TYPE_CHECKING:
    from events.publisher import Publisher
    from events.sharded import ShardedPublisher


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--provinces",
        default="3",
        help=f"how many (1..{len(PROVINCES)}) or which (GD,BJ); default 3",
    )
    parser.add_argument(
        "--start", help="now, now-1h, today-90d, 2026-03-01 or RFC 3339; default now − duration"
    )
    parser.add_argument(
        "--duration", help="how long, e.g. 90d, 1h; groups starting in [start, start+duration)"
    )
    parser.add_argument(
        "--count", type=int, help="stop after about this many events (whole entities)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="same seed and options, same output (default 1)"
    )
    parser.add_argument(
        "--violation-rate",
        type=float,
        default=0.02,
        help="per rule and entity: chance of a violation, and again of a case at the limit (default 0.02)",
    )
    parser.add_argument(
        "--rule-rate",
        action="append",
        default=[],
        metavar="RULE=RATE",
        help="rate for one rule, repeatable",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="traffic multiplier: visits, calls, sessions per day (default 1)",
    )
    parser.add_argument("--halls", type=int, default=4, help="halls per province (default 4)")
    parser.add_argument(
        "--to", choices=("file", "kafka"), help="file (with --out, default) or kafka"
    )
    parser.add_argument("--out", help="events JSONL file, or - for stdout")
    parser.add_argument(
        "--truth", help="ground-truth JSONL (default: beside --out as NAME.truth.jsonl)"
    )
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default from settings)")
    parser.add_argument(
        "--publishers",
        type=int,
        default=1,
        help="Kafka producer processes; 2 or more for bulk loads beyond one core (default 1)",
    )
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="hold events until the wall clock reaches their time",
    )


def _rates(specs: list[str]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for spec in specs:
        rule, sep, value = spec.partition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not sep or not rule or not 0 <= rate <= 1:
            raise UserError(f"--rule-rate wants RULE=RATE with 0 <= RATE <= 1, got {spec!r}")
        rates[rule] = rate
    return rates


def config_from(args: argparse.Namespace, now_ms: int) -> SimConfig:
    """Validate the options into a run configuration; mistakes are UserErrors."""
    try:
        provinces = parse_provinces(args.provinces)
        duration = parse_duration(args.duration) if args.duration else None
        if duration is None and args.count is None and not args.realtime:
            duration = parse_duration("1d")
        start = parse_start(args.start, now_ms) if args.start else now_ms - (duration or 3_600_000)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.count is not None and args.count <= 0:
        raise UserError("--count must be positive")
    if not 0 <= args.violation_rate <= 1:
        raise UserError("--violation-rate must be within 0..1")
    if args.scale <= 0 or args.halls <= 0:
        raise UserError("--scale and --halls must be positive")
    return SimConfig(
        provinces=provinces,
        start_ms=start,
        end_ms=None if duration is None else start + duration,
        count=args.count,
        seed=args.seed,
        violation_rate=args.violation_rate,
        rule_rates=_rates(args.rule_rate),
        scale=args.scale,
        halls=args.halls,
    )


def truth_path(out: str) -> Path:
    path = Path(out)
    stem = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.name
    return path.with_name(f"{stem}.truth.jsonl")


def run(args: argparse.Namespace) -> int:
    config = config_from(args, time.time_ns() // 1_000_000)
    target = args.to or ("file" if args.out else None)
    if target is None:
        raise UserError("say where the events go: --out FILE.jsonl or --to kafka")
    if target == "file" and not args.out:
        raise UserError("--to file needs --out FILE.jsonl (or - for stdout)")
    key = os.environ.get(KEY_VARIABLE, "").encode() or SIMULATOR_KEY
    progress = Progress("events")
    with ExitStack() as stack:
        sink: EventSink
        truth: TruthSink = NoTruth()
        truth_name = args.truth or (
            str(truth_path(args.out)) if args.out and args.out != "-" else None
        )
        if truth_name:
            truth = TruthFile(stack.enter_context(_open(truth_name)))
        if target == "kafka":
            from events.publisher import Publisher

            publisher = stack.enter_context(Publisher(args.bootstrap))
            sink = KafkaSink(publisher, progress)
            if args.realtime:
                sink = PacedSink(sink, publisher)
        else:
            stream = (
                sys.stdout.buffer
                if args.out == "-"
                else stack.enter_context(_open_binary(args.out))
            )
            sink = FileSink(stream, progress)
            if args.realtime:
                sink = PacedSink(sink, stream)
        written = simulate(config, sink, truth, Pseudonymiser(key))
    progress.done()
    cases = truth.cases if isinstance(truth, TruthFile) else 0
    print(f"simulate: {written} events, {cases} ground-truth cases", file=sys.stderr)
    return 0


def _publisher(bootstrap: str | None, processes: int) -> Publisher | ShardedPublisher:
    """Kafka clients are imported only when events go to Kafka."""
    if processes < 1:
        raise UserError("--publishers must be at least 1")
    from events.publisher import Publisher
    from events.sharded import ShardedPublisher

    return ShardedPublisher(bootstrap, processes) if processes > 1 else Publisher(bootstrap)


def _open_binary(name: str) -> BinaryIO:
    try:
        return open(name, "wb", buffering=1 << 20)
    except OSError as exc:
        raise UserError(f"cannot write {name}: {exc.strerror}") from None


def _open(name: str) -> TextIO:
    try:
        return open(name, "w", encoding="utf-8", buffering=1 << 20)
    except OSError as exc:
        raise UserError(f"cannot write {name}: {exc.strerror}") from None
