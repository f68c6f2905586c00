"""From a Kafka message to an event or a dead letter, and to the shard that owns it.

Every worker reads every message once and decides the same thing about it:
valid or not (and why), its event time, and which shard it belongs to. A valid
event belongs to the shard of its `unit` (so one engine sees all of a unit's
events, whatever key the producer chose); a message that is not a valid event
belongs to a shard picked from its topic and partition, which dead-letters it.

Both content modes of the CloudEvents Kafka binding are read (`events.binding`),
and a valid event leaves here with any raw customer number replaced by its
pseudonym (`events.privacy`): nothing downstream sees one.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from events.binding import BindingError, Headers, is_binary, structured_value
from events.envelope import Envelope, parse_event
from events.privacy import redactor
from processors.worker.config import WorkerConfig


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An input that could not be evaluated, kept with its reason and original bytes."""

    topic: str
    partition: int
    offset: int
    reason: str
    raw: bytes
    headers: tuple[tuple[str, bytes], ...] = ()  # a binary-mode message's attributes

    def to_record(self, received_at: datetime) -> dict[str, object]:
        record: dict[str, object] = {
            "letter_id": f"{self.topic}:{self.partition}:{self.offset}",
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "reason": self.reason,
            "raw": self.raw.decode("utf-8", errors="replace"),
            "received_at": received_at.isoformat(),
        }
        if self.headers:
            record["headers"] = {
                name: value.decode("utf-8", errors="replace") for name, value in self.headers
            }
        return record


@dataclass(slots=True)
class Message:
    """One read message, judged: `event` when valid (then `reason` is empty).

    Made for every message read, so not frozen: a frozen dataclass sets each of its
    fields through `object.__setattr__`, which tripled the cost of making one. Nothing
    changes a message once judged."""

    topic: str
    partition: int
    offset: int
    shard: int
    event: Envelope | None
    reason: str
    raw: bytes
    moment: float = 0.0  # the event's time in POSIX seconds, computed once for every shard
    headers: tuple[tuple[str, bytes], ...] = ()  # kept only for a binary-mode message
    # the structured JSON `event` was validated from, when the event is exactly that (no raw
    # customer number was replaced): a checkpoint of a waiting event stores these bytes
    # instead of serialising the event again
    json: bytes | None = None

    def letter(self, reason: str | None = None) -> DeadLetter:
        return DeadLetter(
            self.topic, self.partition, self.offset, reason or self.reason, self.raw, self.headers
        )


@lru_cache(maxsize=65536)
def shard_of(name: str, shards: int) -> int:
    """A stable shard for a unit (crc32, the same in every process, unlike `hash`); cached,
    as units are few and every message asks."""
    return zlib.crc32(name.encode()) % shards


def judge(
    topic: str,
    partition: int,
    offset: int,
    value: bytes | None,
    *,
    shards: int,
    config: WorkerConfig,
    now: datetime,
    headers: Headers | None = None,
) -> Message:
    """Validate one message (either content mode). Never raises: whatever is wrong
    becomes the reason."""
    return Judge(shards, config, now)(topic, partition, offset, value, headers)


class Judge:
    """`judge` for many messages read at one moment: what does not change between them
    (the future horizon, the redactor) is worked out once."""

    __slots__ = ("_config", "_horizon", "_now", "_redact", "_shards")

    def __init__(self, shards: int, config: WorkerConfig, now: datetime) -> None:
        self._shards, self._config, self._now = shards, config, now
        self._horizon = (now + config.max_future).timestamp()
        self._redact = redactor(config.pseudonym_key).event

    def __call__(
        self,
        topic: str,
        partition: int,
        offset: int,
        value: bytes | None,
        headers: Headers | None = None,
    ) -> Message:
        """The way of a valid message is kept straight: it is every message but a few."""
        raw = value or b""
        kept: tuple[tuple[str, bytes], ...] = ()
        if headers and is_binary(headers):
            kept = tuple((name, data or b"") for name, data in headers)
            try:
                value = structured_value(value, kept)
            except BindingError as exc:
                return self._refused(topic, partition, offset, raw, kept, f"invalid: {exc}")
        config = self._config
        if not value or len(value) > config.max_message_bytes:
            return self._refused(topic, partition, offset, raw, kept, _unsized(value, config))
        try:
            event = parse_event(value)
        except (ValidationError, ValueError, UnicodeDecodeError) as exc:
            return self._refused(topic, partition, offset, raw, kept, f"invalid: {_reason(exc)}")
        moment = event.time.timestamp()
        if len(value) > config.max_string_chars or moment > self._horizon:
            problem = self._problem(value, event, moment)
            if problem:
                return self._refused(topic, partition, offset, raw, kept, problem)
        kept_event = self._redact(event)
        return Message(
            topic,
            partition,
            offset,
            shard_of(event.unit, self._shards),
            kept_event,
            "",
            raw,
            moment,
            kept,
            value if kept_event is event else None,
        )

    def _refused(
        self,
        topic: str,
        partition: int,
        offset: int,
        raw: bytes,
        kept: tuple[tuple[str, bytes], ...],
        reason: str,
    ) -> Message:
        shard = shard_of(f"{topic}:{partition}", self._shards)
        return Message(topic, partition, offset, shard, None, reason, raw, headers=kept)

    def _problem(self, value: bytes, event: Envelope, moment: float) -> str:
        """A string too long (possible only in a value longer than the limit), or a time
        too far in the future; empty when neither."""
        config = self._config
        if len(value) > config.max_string_chars:
            fields = {name: getattr(event, name) for name in _ENVELOPE_STRINGS}
            fields.update(event.model_extra or {})
            fields["data"] = event.data
            long = _long_string(fields, config.max_string_chars)
            if long:
                return f"invalid: {long}"
        if moment > self._horizon:
            return (
                f"future: time {event.time.isoformat()} is after the wall clock "
                f"{self._now.isoformat()} plus {config.max_future} of allowed skew"
            )
        return ""


def _unsized(value: bytes | None, config: WorkerConfig) -> str:
    if value is None:
        return "empty: the message has a null value"
    if not value:
        return "empty: the message value is empty"
    return f"too large: {len(value)} bytes, the limit is {config.max_message_bytes}"


_ENVELOPE_STRINGS = ("id", "source", "type", "subject", "province", "unit")


def _long_string(values: Mapping[str, Any], limit: int, path: str = "") -> str:
    """The first string longer than `limit` characters, named by its field path."""
    for name, value in values.items():
        where = f"{path}{name}"
        if isinstance(value, str):
            if len(value) > limit:
                return f"{where}: {len(value)} characters, the limit is {limit}"
        elif isinstance(value, Mapping):
            found = _long_string(value, limit, f"{where}.")
            if found:
                return found
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str) and len(item) > limit:
                    return f"{where}: an item of {len(item)} characters, the limit is {limit}"
                if isinstance(item, Mapping):
                    found = _long_string(item, limit, f"{where}[].")
                    if found:
                        return found
    return ""


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(p) for p in error["loc"]) or "event"
            parts.append(f"{where}: {error['msg']}")
        return "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"


def utc_now() -> datetime:
    return datetime.now(UTC)
