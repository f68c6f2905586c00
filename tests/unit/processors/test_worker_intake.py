"""intake.judge: both CloudEvents content modes, edge hygiene, and no raw customer numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.v1.event import CloudEvent

from events.privacy import Redactor
from events.pseudonym import pseudonymise
from processors.worker.config import WorkerConfig, load_worker_config
from processors.worker.intake import Message, judge

NOW = datetime(2026, 3, 10, tzinfo=UTC)
KEY = b"deployment-key"
CONFIG = WorkerConfig(pseudonym_key=KEY)
ATTRIBUTES: dict[str, Any] = {
    "specversion": "1.0",
    "id": "t1-opened",
    "source": "/provinces/GD/repair/GD-R01",
    "type": "repair.ticket.opened",
    "time": "2026-03-02T09:30:00+08:00",
    "subject": "GD-R01:t1",
    "province": "GD",
    "unit": "GD-R01",
}
DATA: dict[str, Any] = {
    "area": "urban",
    "customer": "c-1",
    "important_customer": False,
    "monthly_fee": "58.00",
}


def _judge(
    value: bytes | None,
    headers: list[tuple[str, bytes]] | None = None,
    config: WorkerConfig = CONFIG,
) -> Message:
    return judge(
        "svc.events.repair", 0, 7, value, shards=4, config=config, now=NOW, headers=headers
    )


def _structured(data: dict[str, Any] | None = None, **changes: Any) -> bytes:
    return json.dumps({**ATTRIBUTES, **changes, "data": data or DATA}, ensure_ascii=False).encode()


def _sdk_event(data: dict[str, Any]) -> CloudEvent:
    attributes = dict(ATTRIBUTES, datacontenttype="application/json")
    attributes["time"] = datetime.fromisoformat(attributes["time"])
    return CloudEvent(attributes=attributes, data=data)


def _headers(message: ce_kafka.KafkaMessage) -> list[tuple[str, bytes]]:
    return list(message.headers.items())


def test_the_cloudevents_sdk_binary_and_structured_modes_give_the_same_event() -> None:
    binary = ce_kafka.to_binary_event(_sdk_event(DATA))
    structured = ce_kafka.to_structured_event(_sdk_event(DATA))
    assert any(name.startswith("ce_") for name in binary.headers)
    assert structured.headers == {"content-type": b"application/cloudevents+json"}
    from_binary = _judge(binary.value, _headers(binary))
    from_structured = _judge(structured.value, _headers(structured))
    plain = _judge(_structured())
    assert from_binary.reason == from_structured.reason == plain.reason == ""
    assert from_binary.event == from_structured.event == plain.event
    assert from_binary.shard == plain.shard and from_binary.moment == plain.moment


def test_a_binary_mode_event_without_data_is_valid() -> None:
    headers = [(f"ce_{k}", str(v).encode()) for k, v in ATTRIBUTES.items()]
    headers = [(n, v.replace(b"repair.ticket.opened", b"repair.visit.arrived")) for n, v in headers]
    for value in (None, b""):
        message = _judge(value, headers)
        assert message.reason == ""
        assert message.event is not None and message.event.type == "repair.visit.arrived"


def test_bad_binary_mode_messages_are_dead_letters_with_their_headers() -> None:
    good = [(f"ce_{k}", str(v).encode()) for k, v in ATTRIBUTES.items()]
    not_json = _judge(b"{oops", good)
    assert not_json.reason.startswith("invalid: the value (the event's data) is not JSON")
    letter = not_json.letter().to_record(NOW)
    assert letter["raw"] == "{oops" and letter["headers"]["ce_id"] == "t1-opened"  # type: ignore[index]
    bad_header = _judge(json.dumps(DATA).encode(), [*good, ("ce_unit", b"\xff")])
    assert bad_header.reason == "invalid: header 'ce_unit' is not UTF-8 text"
    missing = _judge(json.dumps(DATA).encode(), [h for h in good if h[0] != "ce_time"])
    assert missing.reason.startswith("invalid: ") and "time: Field required" in missing.reason


def test_headers_other_than_the_bindings_leave_a_structured_message_alone() -> None:
    message = _judge(_structured(), [("traceparent", b"00-abc"), ("content-type", b"x")])
    assert message.reason == "" and message.headers == ()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "empty: the message has a null value"),
        (b"", "empty: the message value is empty"),
    ],
)
def test_an_empty_or_null_value_is_a_dead_letter_with_a_reason(
    value: bytes | None, reason: str
) -> None:
    message = _judge(value)
    assert (message.event, message.reason) == (None, reason)
    assert message.letter().to_record(NOW)["reason"] == reason


def test_an_over_long_string_field_is_a_dead_letter_naming_the_field() -> None:
    config = load_worker_config({"SVC_MAX_STRING_CHARS": "100"})
    assert config.max_string_chars == 100
    long_text = _structured({**DATA, "note": {"lines": ["x" * 101]}})
    message = _judge(long_text, config=config)
    assert message.reason == "invalid: data.note.lines: an item of 101 characters, the limit is 100"
    long_unit = _judge(_structured(unit="u" * 101), config=config)
    assert long_unit.reason == "invalid: unit: 101 characters, the limit is 100"
    assert _judge(_structured({**DATA, "note": "x" * 100}), config=config).reason == ""


def test_the_limits_come_from_settings_with_defaults() -> None:
    defaults = load_worker_config({})
    assert (defaults.max_message_bytes, defaults.max_string_chars) == (1_000_000, 4096)
    small = load_worker_config({"SVC_MAX_MESSAGE_BYTES": "200"})
    value = _structured()
    assert len(value) > 200
    assert _judge(value, config=small).reason == (
        f"too large: {len(value)} bytes, the limit is 200"
    )
    assert _judge(value, config=defaults).reason == ""


def test_the_pseudonym_key_comes_from_svc_pseudonym_key() -> None:
    assert load_worker_config({"SVC_PSEUDONYM_KEY": "k"}).pseudonym_key == b"k"
    assert load_worker_config({}).pseudonym_key == WorkerConfig().pseudonym_key


@pytest.mark.parametrize("number", ["13800138000", "+86 138-0013-8000", "8613800138000"])
def test_a_raw_mobile_customer_becomes_its_pseudonym(number: str) -> None:
    message = _judge(_structured({**DATA, "customer": number}))
    assert message.event is not None
    assert message.event.data["customer"] == pseudonymise("13800138000", KEY)
    assert message.event.data["monthly_fee"] == Decimal(DATA["monthly_fee"])
    assert number.encode() in message.raw  # the original bytes stay for dead-lettering


def test_a_raw_fixed_line_customer_becomes_its_pseudonym() -> None:
    for number in ("010-62345678", "(010)62345678", "01062345678"):
        message = _judge(_structured({**DATA, "customer": number}))
        assert message.event is not None
        assert message.event.data["customer"] == pseudonymise("01062345678", KEY)


def test_a_pseudonymised_or_other_customer_is_left_as_sent() -> None:
    for customer in ("c-3f1d0a9be2c4475e8d51a0c2f9e6b713", "VIP-42", "1380013800"):
        message = _judge(_structured({**DATA, "customer": customer}))
        assert message.event is not None and message.event.data["customer"] == customer


def test_numbers_inside_transcripts_and_prompts_are_masked() -> None:
    said = "您好，请拨打13800138000或者 010-62345678 联系我们，工号1021号，10086"
    utterance = {
        "speaker": "agent",
        "started_at": "2026-03-02T09:30:00+08:00",
        "ended_at": "2026-03-02T09:30:04+08:00",
        "text": said,
    }
    value = _structured(utterance, type="hotline.utterance")
    message = _judge(value)
    assert message.event is not None
    text = message.event.data["text"]
    assert "13800138000" not in text and "62345678" not in text
    assert pseudonymise("13800138000", KEY) in text and pseudonymise("01062345678", KEY) in text
    assert text.endswith("联系我们，工号1021号，10086")
    prompt = _judge(
        _structured({"prompt": "p1", "text": "请拨 138 0013 8000"}, type="ivr.prompt.played")
    )
    assert prompt.event is not None
    assert prompt.event.data["text"] == "请拨 " + pseudonymise("13800138000", KEY)


def test_ids_and_pseudonyms_are_not_numbers() -> None:
    redact = Redactor(KEY)
    for text in ("order 913800138000", "GD-H0001:20260302:v0001", "x13800138000", "2026-03-02"):
        assert redact.text(text) == text
    pseudonym = pseudonymise("13800138000", KEY)
    assert redact.text(redact.text("13800138000")) == pseudonym
