"""parse_event: one pass validates the envelope and the type's data, keeps extras, rejects naive times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from events.envelope import Envelope, parse_event


def _raw(type_: str = "hall.visit.checked_in", **changes: Any) -> str:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/provinces/GD/halls/GD-H0001",
        "type": type_,
        "time": "2026-03-02T09:30:00+08:00",
        "subject": "GD-H0001:20260302:v0001",
        "datacontenttype": "application/json",
        "province": "GD",
        "unit": "GD-H0001",
        "data": {"brand": "gotone_vip", "customer": "c-1"},
    }
    event.update(changes)
    return json.dumps(event, ensure_ascii=False)


def _errors(raw: str | bytes) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        parse_event(raw)
    return [(tuple(e["loc"]), e["type"]) for e in caught.value.errors()]


def test_a_valid_event_is_an_envelope_with_a_plain_dict_as_data() -> None:
    event = parse_event(_raw().encode())
    assert isinstance(event, Envelope)
    assert event.type == "hall.visit.checked_in"
    assert type(event.data) is dict
    assert event.data == {"brand": "gotone_vip", "customer": "c-1"}


def test_z_and_plus_eight_spellings_are_the_same_instant() -> None:
    local = parse_event(_raw(time="2026-03-02T09:30:00+08:00"))
    utc = parse_event(_raw(time="2026-03-02T01:30:00Z"))
    assert local.time == utc.time == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def test_a_naive_time_is_rejected() -> None:
    assert _errors(_raw(time="2026-03-02T09:30:00")) == [
        (("hall.visit.checked_in", "time"), "timezone_aware")
    ]


def test_a_naive_time_inside_data_is_rejected_too() -> None:
    raw = _raw("hall.product.briefed", data={"product": "p", "launch_at": "2026-03-05T09:00:00"})
    assert _errors(raw) == [(("hall.product.briefed", "data", "launch_at"), "timezone_aware")]


def test_timestamps_in_data_become_aware_datetimes() -> None:
    raw = _raw("hall.product.briefed", data={"product": "p", "launch_at": "2026-03-05T09:00:00Z"})
    assert parse_event(raw).data["launch_at"] == datetime(2026, 3, 5, 9, tzinfo=UTC)


def test_an_unknown_type_is_rejected_with_its_name() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_event(_raw("hall.visit.teleported"))
    [error] = caught.value.errors()
    assert error["loc"] == ("type",)
    assert "hall.visit.teleported" in error["msg"]


def test_a_missing_type_reports_every_other_envelope_problem_too() -> None:
    assert sorted(_errors('{"id": "x", "time": "yesterday"}')) == sorted(
        [
            (("specversion",), "missing"),
            (("source",), "missing"),
            (("type",), "missing"),
            (("time",), "datetime_from_date_parsing"),
            (("subject",), "missing"),
            (("province",), "missing"),
            (("unit",), "missing"),
        ]
    )


def test_a_wrong_enum_value_names_the_field() -> None:
    raw = _raw(data={"brand": "platinum", "customer": "c-1"})
    assert _errors(raw) == [(("hall.visit.checked_in", "data", "brand"), "literal_error")]


def test_a_missing_data_field_names_the_field() -> None:
    assert _errors(_raw(data={"brand": "gotone"})) == [
        (("hall.visit.checked_in", "data", "customer"), "missing")
    ]


def test_known_fields_are_strict_a_string_is_not_a_bool() -> None:
    raw = _raw("ivr.availability", data={"available": "yes"})
    assert _errors(raw) == [(("ivr.availability", "data", "available"), "bool_type")]


def test_extra_fields_in_data_are_kept() -> None:
    event = parse_event(_raw(data={"brand": "gotone", "customer": "c-1", "kiosk": "K7"}))
    assert event.data["kiosk"] == "K7"


def test_data_is_required_when_the_type_has_required_fields_only() -> None:
    without = json.loads(_raw())
    del without["data"]
    assert _errors(json.dumps(without)) == [(("hall.visit.checked_in", "data"), "missing")]
    closed = json.loads(_raw("hall.day.closed"))
    del closed["data"]
    assert parse_event(json.dumps(closed)).data == {}


def test_optional_fields_may_be_absent() -> None:
    assert parse_event(_raw("hall.visit.survey", data={"overall": True})).data == {"overall": True}
    opened = parse_event(_raw("complaint.opened", data={"channel": "app", "customer": "c-1"}))
    assert "promised_reply_at" not in opened.data


def test_unparseable_json_is_reported_as_such() -> None:
    assert _errors(b"{not json") == [((), "json_invalid")]


def test_events_are_frozen() -> None:
    event = parse_event(_raw())
    with pytest.raises(ValidationError):
        event.subject = "other"  # type: ignore[misc]


def test_money_accepts_integers_and_is_a_decimal() -> None:
    data = {"area": "urban", "customer": "c-1", "important_customer": False, "monthly_fee": 128}
    fee = parse_event(_raw("repair.ticket.opened", data=data)).data["monthly_fee"]
    assert fee == Decimal(128) and isinstance(fee, Decimal)
