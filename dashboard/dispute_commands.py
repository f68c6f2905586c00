"""Taking a dispute step: check it against the rules on the server's data, then publish it.

The page only collects the viewer's intent; this module reads the violation and
its dispute events through the query layer (so a violation outside the viewer's
scope does not exist here), applies `dashboard.dispute_rules.check`, and produces
the event to `svc.disputes` (acks=all, keyed by violation id so one violation's
steps stay in order). The projector stores it; until it has, the caller keeps the
event as pending and passes it back, so a second step is checked against it too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client
from kafka import KafkaProducer

from dashboard.data.disputes import dispute_history
from dashboard.data.violations import violation
from dashboard.dispute_rules import (
    DisputeAction,
    DisputeEvent,
    DisputeRefused,
    Target,
    check,
    fold,
)
from dashboard.viewer import Viewer
from events.privacy import deployment_key, redactor
from events.topics import DISPUTES_TOPIC

SEND_TIMEOUT_S = 10.0


def dispute_producer(bootstrap: str) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        acks="all",
        retries=5,
    )


def take(
    client: Client,
    producer: KafkaProducer,
    viewer: Viewer,
    violation_id: str,
    action: DisputeAction,
    reason: str,
    *,
    pending: Iterable[DisputeEvent] = (),
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> DisputeEvent:
    """Check and publish one step; returns the event sent (raises `DisputeRefused`)."""
    found = violation(client, viewer.scope, violation_id)
    if found is None:
        raise DisputeRefused("evidence.refused.not_found")
    stored = dispute_history(client, viewer.scope, violation_id)
    mine = (e for e in pending if e.violation_id == violation_id)
    state = fold({e.event_id: e for e in [*stored, *mine]}.values())
    check(viewer, action, Target(found.province, found.retracted, state), reason=reason)
    dispute_id = state.open_dispute or f"dsp-{uuid.uuid4().hex}"
    event = DisputeEvent(
        event_id=uuid.uuid4().hex,
        dispute_id=dispute_id,
        violation_id=violation_id,
        action=action,
        province=found.province,
        unit=found.unit,
        rule=found.rule,
        detected_at=found.detected_at,
        actor=viewer.name,
        role=viewer.role,
        at=now(),
        reason=redactor(deployment_key()).text(reason.strip()),
    )
    value = json.dumps(event.record(), ensure_ascii=False).encode()
    producer.send(DISPUTES_TOPIC, key=violation_id.encode(), value=value).get(
        timeout=SEND_TIMEOUT_S
    )
    return event
