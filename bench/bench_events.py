"""Benchmarks of the event layer: simulator → file, parse_event, publishing to Kafka.

Not a test: prints the numbers and writes them to var/bench/events.json. The
broker is the local one (`svcstd stack`): started here if it is not running, and
stopped again afterwards; SVC_KAFKA_BOOTSTRAP names another one.

The SDK is also compared with kcat (librdkafka, C) publishing the same events to
one fresh topic in the same run, with the same settings (acks=all, idempotence,
lz4, linger 20 ms, the content-type header): `kcat` on the PATH, or the one
`KCAT` names (with LD_LIBRARY_PATH for its libraries if it was unpacked, e.g.
from the Debian packages kcat, librdkafka1 and libyajl2 into .cache/kcat/root).

    .venv/bin/python bench/bench_events.py [--provinces 5] [--days 10] [--publish 300000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from events.envelope import parse_event
from events.progress import Progress
from events.pseudonym import Pseudonymiser
from events.publisher import Publisher
from events.settings import load_settings
from events.sharded import ShardedPublisher
from events.simulator.context import SIMULATOR_KEY, SimConfig
from events.simulator.runner import simulate
from events.simulator.sinks import FileSink, TruthFile
from events.simulator.timespec import parse_start
from events.simulator.world import PROVINCES
from events.topics import EVENT_TOPICS

KCAT_ROOT = Path(".cache/kcat/root")

DAY_MS = 86_400_000


def bench_simulator(provinces: int, days: int, out: Path) -> tuple[dict[str, Any], Path]:
    """The simulator writing a file (events and truth), in one process on one core."""
    start = parse_start("2026-03-02", 0)
    config = SimConfig(PROVINCES[:provinces], start, start + days * DAY_MS)
    events_path, truth_path = out / "sim.jsonl", out / "sim.truth.jsonl"
    with (
        events_path.open("wb", buffering=1 << 20) as events,
        truth_path.open("w", encoding="utf-8") as truth,
    ):
        began = time.perf_counter()
        written = simulate(
            config,
            FileSink(events, Progress("simulate")),
            TruthFile(truth),
            Pseudonymiser(SIMULATOR_KEY),
        )
        seconds = time.perf_counter() - began
    size = events_path.stat().st_size
    return {
        "provinces": provinces,
        "days": days,
        "events": written,
        "seconds": round(seconds, 3),
        "events_per_s": round(written / seconds),
        "mb_per_s": round(size / seconds / 1e6, 1),
    }, events_path


def bench_parse(path: Path, limit: int) -> dict[str, Any]:
    """parse_event over simulator output: envelope and data validated, one core."""
    with path.open("rb") as stream:
        lines = [line for _, line in zip(range(limit), stream, strict=False)]
    began = time.perf_counter()
    for line in lines:
        parse_event(line)
    seconds = time.perf_counter() - began
    return {
        "events": len(lines),
        "seconds": round(seconds, 3),
        "events_per_s": round(len(lines) / seconds),
    }


def bench_publish(path: Path, limit: int, bootstrap: str, processes: int) -> dict[str, Any]:
    """Publishing pre-serialised events with the SDK (kafka-python), until all are acknowledged."""
    topics = {f'"type":"{channel}.': topic for channel, topic in EVENT_TOPICS.items()}
    batch: list[tuple[str, str, bytes]] = []
    with path.open("rb") as stream:
        for _, line in zip(range(limit), stream, strict=False):
            event = json.loads(line)
            topic = topics[f'"type":"{event["type"].split(".", 1)[0]}.']
            batch.append((topic, event["subject"], line.rstrip(b"\n")))
    with Publisher(bootstrap) as warm:  # a fresh broker JIT-compiles its hot paths first
        for topic, key, value in batch[:20_000]:
            warm.send(topic, key, value)
    progress = Progress("publish")
    publisher = ShardedPublisher(bootstrap, processes) if processes > 1 else Publisher(bootstrap)
    load = os.getloadavg()[0]
    began, cpu = time.perf_counter(), time.process_time()
    with publisher:
        for i, (topic, key, value) in enumerate(batch):
            publisher.send(topic, key, value)
            if i % 10_000 == 0:
                progress.advance(10_000)
    seconds = time.perf_counter() - began  # includes the final flush: every event acknowledged
    cpu = time.process_time() - cpu  # this process, sender thread included; not the workers
    progress.done()
    result = {
        "events": len(batch),
        "seconds": round(seconds, 3),
        "events_per_s": round(len(batch) / seconds),
        "producer_processes": processes,
        "bootstrap": bootstrap,
        "settings": "acks=all, idempotence, lz4, linger 20 ms, batch 512 KiB",
        "load_average_1m_before": round(load, 2),
    }
    if processes == 1:
        result["cpu_us_per_event"] = round(cpu / len(batch) * 1e6, 1)
    return result


def _kcat() -> tuple[list[str], dict[str, str]] | None:
    """The kcat command and its environment, or None when there is none."""
    named = os.environ.get("KCAT") or shutil.which("kcat")
    env = dict(os.environ)
    if named is None and (KCAT_ROOT / "usr/bin/kcat").exists():
        named = str(KCAT_ROOT / "usr/bin/kcat")
        libs = str((KCAT_ROOT / "usr/lib/x86_64-linux-gnu").resolve())
        env["LD_LIBRARY_PATH"] = ":".join(filter(None, [libs, env.get("LD_LIBRARY_PATH")]))
    return ([named], env) if named else None


def _fresh_topic(bootstrap: str, partitions: int = 6) -> str:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    topic = f"bench.events.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, partitions, replication_factor=1)])
    finally:
        admin.close()
    return topic


def bench_same_topic(path: Path, limit: int, bootstrap: str, rounds: int) -> dict[str, Any]:
    """The SDK and kcat, alternately, each publishing the same events to its own fresh
    topic (same partitions, settings and header); the best round of each."""
    with path.open("rb") as stream:
        lines = [line.rstrip(b"\n") for _, line in zip(range(limit), stream, strict=False)]
    keyed = [(json.loads(line)["subject"], line) for line in lines]
    kcat = _kcat()
    rates: dict[str, list[int]] = {"sdk": [], "kcat": []}
    for _ in range(rounds):
        topic = _fresh_topic(bootstrap)
        began = time.perf_counter()
        with Publisher(bootstrap) as publisher:
            for key, value in keyed:
                publisher.send(topic, key, value)
        rates["sdk"].append(round(len(keyed) / (time.perf_counter() - began)))
        if kcat is None:
            continue
        command, env = kcat
        feed = path.with_name("kcat-input.tsv")
        feed.write_bytes(b"".join(k.encode() + b"\t" + v + b"\n" for k, v in keyed))
        topic = _fresh_topic(bootstrap)
        began = time.perf_counter()
        subprocess.run(
            [*command, "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-z", "lz4",
             "-H", "content-type=application/cloudevents+json",
             "-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=20",
             "-X", "batch.size=524288", "-l", str(feed)],
            env=env, check=True,
        )  # fmt: skip
        rates["kcat"].append(round(len(keyed) / (time.perf_counter() - began)))
        feed.unlink()
    result: dict[str, Any] = {
        "events": len(keyed),
        "rounds": rounds,
        "sdk_events_per_s": max(rates["sdk"]),
        "sdk_rounds": rates["sdk"],
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }
    if kcat is None:
        result["kcat"] = "not found (set KCAT or unpack it into .cache/kcat/root)"
    else:
        result["kcat_events_per_s"] = max(rates["kcat"])
        result["kcat_rounds"] = rates["kcat"]
        result["sdk_over_kcat"] = round(max(rates["sdk"]) / max(rates["kcat"]), 3)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provinces", type=int, default=5)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--parse", type=int, default=300_000, help="events to parse")
    parser.add_argument("--publish", type=int, default=300_000, help="events to publish (0: skip)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating SDK/kcat rounds on one topic"
    )
    args = parser.parse_args()
    settings = load_settings()
    out = settings.var_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    results["simulate_to_file"], path = bench_simulator(args.provinces, args.days, out)
    print(f"simulate → file: {results['simulate_to_file']}")
    results["parse_event"] = bench_parse(path, args.parse)
    print(f"parse_event:     {results['parse_event']}")
    if args.publish:
        from processors.stack import kafka_runtime

        info = kafka_runtime.ensure_up(settings, report=lambda line: print(line, file=sys.stderr))
        try:
            for processes in (1, 2):
                key = f"publish_kafka_{processes}_process"
                results[key] = bench_publish(
                    path, args.publish, settings.kafka_bootstrap, processes
                )
                print(f"publish → Kafka ({processes} process): {results[key]}")
            results["publish_one_topic_sdk_vs_kcat"] = bench_same_topic(
                path, args.publish, settings.kafka_bootstrap, args.rounds
            )
            print(f"publish → one topic, SDK vs kcat: {results['publish_one_topic_sdk_vs_kcat']}")
        finally:
            if info.started:
                kafka_runtime.stop(settings, report=lambda line: print(line, file=sys.stderr))
    target = out / "events.json"
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    path.unlink()
    path.with_name("sim.truth.jsonl").unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
