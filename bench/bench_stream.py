"""The stream's throughput: the worker draining a pre-filled backlog against the ceiling of
any Python consumer on this machine, with 1 and with 2 workers.

Not a test: prints the numbers and writes them to var/bench/stream.json. It starts a
broker of its own (a fresh data directory under var/bench/stream/), publishes
`--events` simulated events, then measures in the same run:

- ceiling: a plain aiokafka consumer that only reads and JSON-decodes every event
  topic (no validation, no evaluation);
- drain: one `svcstd worker` from its shards' adoption until it logs that it has
  caught up, i.e. read, validated and evaluated everything (the time to start the
  interpreter and join the group is reported apart);
- scale-out: the same with two workers in the group on fresh shards.

    .venv/bin/python bench/bench_stream.py [--events 1000000] [--profile | --sample]

`--profile` runs the single worker under cProfile and prints the top of the profile.
`--sample` samples it with py-spy instead (attached from outside, 100 Hz): cProfile's
cost per call inflates small functions several times over, a sampler's does not.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import pstats
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.structs import TopicPartition as KafkaTopicPartition

from events.settings import Settings, load_settings
from events.topics import CHECKPOINTS_TOPIC, EVENT_TOPICS
from processors.stack import kafka_runtime
from processors.stack.kafka_admin import ensure_platform_topics
from processors.stack.processes import free_port_pair

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench" / "stream"
CAUGHT_UP = re.compile(r"caught up: shards \[[^\]]*\] ([0-9.]+) s after adoption")


def _publish(env: dict[str, str], events: int) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "processors.cli", "simulate", "--provinces", "8",
         "--duration", "60d", "--count", str(events), "--to", "kafka",
         "--bootstrap", env["SVC_KAFKA_BOOTSTRAP"], "--publishers", "2"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - began


def _event_partitions(bootstrap: str) -> list[TopicPartition]:
    """Every partition of every event topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return [
            TopicPartition(topic, p)
            for topic in EVENT_TOPICS.values()
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
    finally:
        consumer.close()


def _event_count(bootstrap: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        ends = consumer.end_offsets(
            [KafkaTopicPartition(tp.topic, tp.partition) for tp in _event_partitions(bootstrap)]
        )
        return sum(ends.values())
    finally:
        consumer.close()


async def _ceiling(bootstrap: str, decode: Callable[[bytes], object]) -> tuple[int, float, float]:
    """Messages, seconds and CPU seconds for a plain consumer that reads and decodes every
    event topic."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = _event_partitions(bootstrap)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        total = sum(ends.values())
        read = 0
        began, cpu = time.perf_counter(), time.process_time()
        while read < total:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for records in batch.values():
                for record in records:
                    decode(record.value)
                read += len(records)
        return read, time.perf_counter() - began, time.process_time() - cpu
    finally:
        await consumer.stop()


def _fresh_shards(settings: Settings) -> None:
    """Delete the checkpoints topic (and the group's memory of it), so the next workers
    start from the beginning of the log."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        if CHECKPOINTS_TOPIC in admin.list_topics():
            admin.delete_topics([CHECKPOINTS_TOPIC])
        deadline = time.monotonic() + 60
        while CHECKPOINTS_TOPIC in admin.list_topics() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        admin.close()
    time.sleep(2)
    ensure_platform_topics(settings.kafka_bootstrap)


def _worker_command(profile: Path | None) -> list[str]:
    if profile is None:
        return [sys.executable, "-m", "processors.cli", "worker"]
    return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "processors.cli", "worker"]


def _cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (Linux /proc): on a shared machine,
    events per CPU-second say more than events per second."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drain(
    env: dict[str, str], workers: int, profile: Path | None, sample: Path | None = None
) -> dict[str, float]:
    """Start `workers` workers at once; seconds until all have caught up. With `sample`, the
    first worker is sampled by py-spy until it has caught up."""
    logs = [VAR / f"worker-{workers}-{i}.log" for i in range(workers)]
    processes = []
    began = time.perf_counter()
    for i, log in enumerate(logs):
        log.unlink(missing_ok=True)
        with log.open("ab") as out:
            command = _worker_command(profile if i == 0 else None)
            processes.append(
                subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
            )
    sampler = None
    if sample is not None:
        spy = Path(sys.executable).parent / "py-spy"
        sampler = subprocess.Popen(
            [str(spy), "record", "--pid", str(processes[0].pid), "--rate", "100",
             "--nonblocking", "--format", "raw", "--output", str(sample)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        adoption_to_caught_up: list[float] = []
        cpu = 0.0
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            found = [CAUGHT_UP.findall(log.read_text(errors="replace")) for log in logs]
            if all(found):
                adoption_to_caught_up = [float(f[-1]) for f in found]
                cpu = sum(_cpu_seconds(p.pid) for p in processes)
                if sampler is not None:
                    sampler.send_signal(signal.SIGINT)  # py-spy writes its samples and exits
                    sampler.wait(timeout=60)
                break
            for process, log in zip(processes, logs, strict=True):
                if process.poll() is not None:
                    raise RuntimeError(f"a worker exited early:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        wall = time.perf_counter() - began
        return {
            "wall_seconds": wall,
            "adoption_to_caught_up_seconds": max(adoption_to_caught_up),
            "cpu_seconds": cpu,
        }
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)


def _print_samples(path: Path, top: int = 40) -> None:
    """The functions most often on the stack (inclusive) and on top of it (self), as shares
    of the samples: py-spy's raw format is one `frame;frame;… count` line per stack."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [re.sub(r" \((?:.*/)?([^/]+?):\d+\)$", r" (\1)", f) for f in stack.split(";")]
        total += int(count)
        inclusive.update(dict.fromkeys(frames, int(count)))
        own[frames[-1]] += int(count)
    print(f"py-spy: {total} samples of the single worker ({path})")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"-- {title}")
        for name, count in counter.most_common(top):
            print(f"{100 * count / total:5.1f}%  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sample", action="store_true")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()

    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    env = os.environ | {
        "SVC_VAR_DIR": str(VAR),
        "SVC_KAFKA_PORT": str(free_port_pair()),
        "SVC_PARTITIONS": "6",
        "SVC_ALLOWED_LATENESS": "3650d",
    }
    env.pop("SVC_KAFKA_BOOTSTRAP", None)
    settings = load_settings(env)
    kafka_runtime.ensure_up(settings, report=lambda _line: None)
    try:
        env["SVC_KAFKA_BOOTSTRAP"] = settings.kafka_bootstrap
        ensure_platform_topics(settings.kafka_bootstrap)
        publish_seconds = _publish(env, args.events)
        events = _event_count(settings.kafka_bootstrap)
        print(f"published {events} events in {publish_seconds:.1f} s")
        ceilings, per_cpu = {}, {}
        for name, decode in (("json", json.loads), ("orjson", orjson.loads)):
            read, seconds, cpu = asyncio.run(_ceiling(settings.kafka_bootstrap, decode))
            ceilings[name], per_cpu[name] = read / seconds, read / cpu
            print(f"ceiling: a plain aiokafka consumer read and {name}-decoded {read} messages "
                  f"in {seconds:.1f} s = {ceilings[name]:,.0f} msg/s")  # fmt: skip
        results: dict[str, object] = {
            "events": events,
            "publish_seconds": round(publish_seconds, 1),
            "ceiling_json_msgs_per_s": round(ceilings["json"]),
            "ceiling_orjson_msgs_per_s": round(ceilings["orjson"]),
            "ceiling_json_msgs_per_cpu_second": round(per_cpu["json"]),
        }
        profile = VAR / "worker.prof" if args.profile else None
        sample = VAR / "worker-samples.txt" if args.sample else None
        for workers in (int(w) for w in args.workers.split(",")):
            _fresh_shards(settings)
            drained = _drain(
                env,
                workers,
                profile if workers == 1 else None,
                sample if workers == 1 else None,
            )
            rate = events / drained["adoption_to_caught_up_seconds"]
            results[f"drain_{workers}_workers"] = {
                "adoption_to_caught_up_seconds": round(drained["adoption_to_caught_up_seconds"], 1),
                "wall_seconds_from_start": round(drained["wall_seconds"], 1),
                "worker_cpu_seconds_from_start": round(drained["cpu_seconds"], 1),
                "events_per_worker_cpu_second": round(events / drained["cpu_seconds"]),
                "ratio_per_cpu_second_to_json_ceiling": round(
                    events / drained["cpu_seconds"] / per_cpu["json"], 3
                ),
                "events_per_s": round(rate),
                "ratio_to_json_ceiling": round(rate / ceilings["json"], 3),
                "ratio_to_orjson_ceiling": round(rate / ceilings["orjson"], 3),
            }
            print(f"drain with {workers} worker(s): {rate:,.0f} ev/s, "
                  f"{rate / ceilings['json']:.3f} of the json ceiling, "
                  f"{rate / ceilings['orjson']:.3f} of the orjson one")  # fmt: skip
        results["cpu_count"] = os.cpu_count()
        target = ROOT / "var" / "bench" / "stream.json"
        target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"written to {target}")
        if sample is not None and sample.exists():
            _print_samples(sample)
        if profile is not None and profile.exists():
            pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(30)
            pstats.Stats(str(profile)).sort_stats("tottime").print_stats(25)
        return 0
    finally:
        kafka_runtime.stop(replace(settings), report=lambda _line: None)


if __name__ == "__main__":
    sys.exit(main())
