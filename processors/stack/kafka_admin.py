"""Talking to a broker: wait until it answers metadata, create the platform's topics.

Works the same for the local broker and for one named by SVC_KAFKA_BOOTSTRAP.
"""

from __future__ import annotations

from collections.abc import Iterable

from kafka import KafkaAdminClient
from kafka.errors import KafkaError, NoError, TopicAlreadyExistsError, for_code

from events.errors import UserError
from events.topics import ALL_TOPICS, CHECKPOINT_MAX_BYTES, CHECKPOINTS_TOPIC, COMPACTED_TOPICS

CLIENT_ID = "svcstd-stack"


def connect_admin(bootstrap: str, timeout_s: float, hint: str) -> KafkaAdminClient:
    """An admin client once the broker answers metadata; UserError (with `hint`) on timeout."""
    try:
        return KafkaAdminClient(
            bootstrap_servers=bootstrap.split(","),
            client_id=CLIENT_ID,
            bootstrap_timeout_ms=max(int(timeout_s * 1000), 1),
            request_timeout_ms=15_000,
        )
    except KafkaError as exc:
        raise UserError(
            f"the Kafka broker at {bootstrap} did not answer within {timeout_s:.0f} s "
            f"({type(exc).__name__}); {hint}"
        ) from None


def topic_specs(partitions: int) -> dict[str, dict[str, object]]:
    """Every platform topic: `partitions` partitions, replication 1, compaction where keyed state."""
    return {
        name: {
            "num_partitions": partitions,
            "replication_factor": 1,
            "configs": _configs(name),
        }
        for name in ALL_TOPICS
    }


def _configs(name: str) -> dict[str, str]:
    configs = {"cleanup.policy": "compact"} if name in COMPACTED_TOPICS else {}
    if name == CHECKPOINTS_TOPIC:  # whole engine states; compacted soon after they are superseded
        configs |= {
            "max.message.bytes": str(CHECKPOINT_MAX_BYTES),
            "segment.ms": "600000",
            "min.cleanable.dirty.ratio": "0.1",
        }
    return configs


def ensure_topics(admin: KafkaAdminClient, partitions: int) -> list[str]:
    """Create the platform topics that are missing; returns the names created."""
    existing = set(admin.list_topics())
    missing = {name: spec for name, spec in topic_specs(partitions).items() if name not in existing}
    if not missing:
        return []
    response = admin.create_topics(missing, timeout_ms=30_000, raise_errors=False)
    created: list[str] = []
    # TopicAlreadyExists means a concurrent `up` created that one in between: fine.
    for topic in response["topics"]:
        error = for_code(topic["error_code"])
        if error is NoError:
            created.append(topic["name"])
        elif error is not TopicAlreadyExistsError:
            raise UserError(
                f"could not create topic {topic['name']}: {error.__name__} "
                f"{topic.get('error_message') or ''}".rstrip()
            )
    admin.wait_for_topics(created, timeout_ms=30_000)
    return sorted(created)


def present_topics(admin: KafkaAdminClient, names: Iterable[str] = ALL_TOPICS) -> list[str]:
    """Which of `names` exist on the broker."""
    existing = set(admin.list_topics())
    return [name for name in names if name in existing]


def ensure_platform_topics(bootstrap: str, partitions: int | None = None) -> list[str]:
    """For services started against any broker: create what is missing, then close."""
    from events.settings import load_settings

    admin = connect_admin(bootstrap, 10.0, "is the broker up?")
    try:
        return ensure_topics(admin, partitions or load_settings().partitions)
    finally:
        admin.close()
