"""The Faust app: event topics in, violations, KPI checks and dead letters out.

Events are taken in batches (`take_events`), never awaited one by one, and
wait in the evaluator until the watermark releases them in time order. Their
offsets may be committed before they are evaluated; a restarted worker does
not lose them, because it replays from a safe point first (`recovery`), and
replayed verdicts keep their ids, which the sink deduplicates.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import cast

import faust
from faust.streams import Stream
from faust.types import StreamT

from events.settings import Settings
from events.topics import DEADLETTER_TOPIC, EVENT_TOPICS, KPIS_TOPIC, VIOLATIONS_TOPIC
from processors.worker.stream_evaluator import StreamEvaluator, utc_now, verdict_json
from standards.engine import Engine
from standards.loader import load_standards
from standards.verdicts import Verdict, Violation

log = logging.getLogger(__name__)

APP_ID = "svc-standards"
BATCH_SIZE = 1000
BATCH_WITHIN = 0.5
TICK_SECONDS = 2.0


def create_app(settings: Settings, *, lateness: timedelta, app_id: str = APP_ID) -> faust.App:
    """A configured worker app; standards are loaded once, one engine serves every partition."""
    standards = load_standards()
    app = faust.App(
        app_id,
        broker=f"kafka://{settings.kafka_bootstrap}",
        store="memory://",
        datadir=str(settings.var_dir / "faust"),
        topic_partitions=settings.partitions,
        web_enabled=False,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
    )
    evaluator = StreamEvaluator(Engine(standards), lateness=lateness)
    source = app.topic(
        *EVENT_TOPICS.values(), key_type=bytes, value_type=bytes, value_serializer="raw"
    )
    violations = app.topic(VIOLATIONS_TOPIC, value_serializer="raw")
    kpis = app.topic(KPIS_TOPIC, value_serializer="raw")
    deadletters = app.topic(DEADLETTER_TOPIC, value_serializer="raw")

    async def emit(verdicts: list[Verdict]) -> None:
        for verdict in verdicts:
            if isinstance(verdict, Violation):
                await violations.send(
                    key=verdict.violation_id.encode(), value=verdict_json(verdict)
                )
            else:
                await kpis.send(key=verdict.check_id.encode(), value=verdict_json(verdict))

    @app.agent(source)
    async def evaluate(stream: StreamT[bytes]) -> None:
        async for batch in cast(Stream[bytes], stream).take_events(BATCH_SIZE, within=BATCH_WITHIN):
            wall = time.monotonic()
            for event in batch:
                message = event.message
                raw = message.value if isinstance(message.value, bytes) else b""
                letter = evaluator.accept(
                    message.topic, message.partition, message.offset, raw, wall
                )
                if letter is not None:
                    record = json.dumps(letter.to_record(utc_now()), ensure_ascii=False)
                    await deadletters.send(key=raw[:64] or None, value=record.encode())
            await emit(evaluator.settle(wall))

    @app.timer(interval=TICK_SECONDS)
    async def advance_idle_partitions() -> None:
        await emit(evaluator.settle(time.monotonic()))

    return app
