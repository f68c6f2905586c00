"""Money fields (`monthly_fee`, `amount`): a JSON number or a decimal string, held as Decimal."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from events.envelope import parse_event
from events.schema import SCHEMA_DIR
from events.simulator.context import SimConfig
from events.simulator.memory import simulate_in_memory
from events.simulator.timespec import parse_start
from processors.cli import main


def _waiver(amount: Any) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": "w-1",
            "source": "/provinces/GD/repair/GD-R01",
            "type": "repair.fee.waived",
            "time": "2026-03-04T09:00:00+08:00",
            "subject": "GD-T0001",
            "province": "GD",
            "unit": "GD-R01",
            "data": {
                "amount": amount,
                "period_start": "2026-03-01T09:00:00+08:00",
                "period_end": "2026-03-04T08:00:00+08:00",
            },
        }
    )


@pytest.mark.parametrize(
    ("sent", "held"),
    [
        ("58.00", Decimal("58.00")),
        (58, Decimal(58)),
        (58.1, Decimal("58.1")),
        ("0.1", Decimal("0.1")),
        ("12345678901234567890.123456789", Decimal("12345678901234567890.123456789")),
    ],
)
def test_a_number_or_a_decimal_string_is_held_as_an_exact_decimal(sent: Any, held: Decimal) -> None:
    amount = parse_event(_waiver(sent)).data["amount"]
    assert type(amount) is Decimal
    assert amount == held
    assert str(amount) == str(held)


@pytest.mark.parametrize("sent", ["1e3", " 5", "5 ", "-1", "NaN", "Infinity", "", "5.", True, -1])
def test_anything_else_is_refused(sent: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_event(_waiver(sent))
    [error] = caught.value.errors()
    assert error["loc"][-1] == "amount"


def test_the_schema_says_number_or_decimal_string() -> None:
    for name, field in (("repair.fee.waived", "amount"), ("repair.ticket.opened", "monthly_fee")):
        schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
        [data] = [d for d in schema["$defs"].values() if field in d["properties"]]
        spec = data["properties"][field]
        assert spec["type"] == ["number", "string"]
        assert spec["minimum"] == 0
        pattern = re.compile(spec["pattern"])
        assert pattern.match("58.00") and pattern.match("58")
        assert not pattern.match("5.8e1") and not pattern.match("-1")


def test_the_sdk_serialises_a_decimal_as_its_exact_string() -> None:
    assert json.loads(parse_event(_waiver("58.10")).model_dump_json())["data"]["amount"] == "58.10"


def _as_strings(line: str) -> str:
    """The same event with every money field written as a decimal string."""
    event = json.loads(line)
    for field in ("monthly_fee", "amount"):
        if event["type"].startswith("repair.") and field in event["data"]:
            event["data"][field] = f"{Decimal(str(event['data'][field])):f}"
    return json.dumps(event, ensure_ascii=False)


def test_evaluate_gives_the_same_verdicts_for_string_decimals(tmp_path: Path) -> None:
    start = parse_start("2026-03-02", 0)
    config = SimConfig(("GD",), start, start + 10 * 86_400_000, seed=5, violation_rate=0.3)
    lines = [line for line in simulate_in_memory(config).events if '"repair.' in line]
    strings = [_as_strings(line) for line in lines]
    assert strings != lines and any('"amount": "' in line for line in strings)
    outputs = []
    for name, content in (("numbers", lines), ("strings", strings)):
        events, out = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.violations.jsonl"
        dead = tmp_path / f"{name}.dead.jsonl"
        events.write_text("\n".join(content) + "\n", encoding="utf-8")
        assert main(["evaluate", "--events", str(events), "--out", str(out),
                     "--deadletter", str(dead)]) == 0  # fmt: skip
        assert dead.read_text(encoding="utf-8") == ""
        outputs.append(out.read_text(encoding="utf-8"))
    numbers, strings_out = outputs
    rules = {json.loads(line)["rule"] for line in numbers.splitlines()}
    assert "repair.fee_waiver" in rules
    assert strings_out == numbers
