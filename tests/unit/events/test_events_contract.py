"""The contract: every type of EVENTS.md has a model, a schema and a simulator path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from events.envelope import EVENT_MODELS
from events.schema import SCHEMA_DIR, schemas
from events.simulator.context import SimConfig
from events.simulator.memory import Simulated, simulate_in_memory
from events.simulator.timespec import parse_start
from events.simulator.world import PROVINCES
from events.types import DATA_MODELS

# The types of EVENTS.md, in its order: the public API, kept here so a change shows in review.
CONTRACT_TYPES = (
    "hall.day.opened", "hall.day.closed", "hall.visit.checked_in", "hall.visit.called",
    "hall.visit.service_started", "hall.visit.service_completed", "hall.visit.abandoned",
    "hall.visit.survey", "hall.device.fault_reported", "hall.device.fault_resolved",
    "hall.stain.reported", "hall.stain.cleaned", "hall.product.briefed",
    "hotline.call.offered", "hotline.call.answered", "hotline.utterance", "hotline.hold.started",
    "hotline.hold.ended", "hotline.transfer", "hotline.evaluation.invited", "hotline.call.ended",
    "hotline.call.survey",
    "ivr.session.started", "ivr.prompt.played", "ivr.menu.selected", "ivr.agent.requested",
    "ivr.session.ended", "ivr.availability",
    "repair.ticket.opened", "repair.visit.scheduled", "repair.visit.arrived",
    "repair.customer.notified", "repair.ticket.resolved", "repair.fee.waived",
    "complaint.opened", "complaint.replied", "complaint.closed",
    "notice.maintenance.planned", "notice.maintenance.announced", "notice.tariff.published",
)  # fmt: skip
START = parse_start("2026-03-02", 0)
CONTRACT_DOC = Path(__file__).resolve().parents[3] / "docs" / "EVENTS.md"


@pytest.fixture(scope="module")
def simulated() -> Simulated:
    """Two provinces, a week of light traffic, high rates: every event type shows up."""
    config = SimConfig(
        ("GD", "BJ"), START, START + 7 * 86_400_000, seed=3, violation_rate=0.3, scale=0.2
    )
    return simulate_in_memory(config)


def test_the_list_matches_docs_events_md() -> None:
    listed = re.findall(
        r"^\| `([a-z_]+\.[a-z_.]+)` \|", CONTRACT_DOC.read_text(encoding="utf-8"), re.M
    )
    assert tuple(listed) == CONTRACT_TYPES


def test_every_type_has_a_model() -> None:
    assert tuple(DATA_MODELS) == CONTRACT_TYPES
    assert tuple(EVENT_MODELS) == CONTRACT_TYPES


def test_every_type_has_a_committed_schema() -> None:
    for event_type in CONTRACT_TYPES:
        schema = json.loads((SCHEMA_DIR / f"{event_type}.json").read_text(encoding="utf-8"))
        assert schema["properties"]["type"]["const"] == event_type
    assert (SCHEMA_DIR / "envelope.json").exists()


def test_committed_schemas_are_not_stale() -> None:
    expected = schemas()
    committed = {path.name: path.read_text(encoding="utf-8") for path in SCHEMA_DIR.glob("*.json")}
    stale = sorted(
        name
        for name in expected.keys() | committed.keys()
        if expected.get(name) != committed.get(name)
    )
    assert stale == [], "regenerate with: python -m events.schema"


def test_every_type_has_a_simulator_path(simulated: Simulated) -> None:
    seen = {event["type"] for event in simulated.parsed()}
    assert sorted(set(CONTRACT_TYPES) - seen) == []
    assert seen <= set(CONTRACT_TYPES)


def test_simulated_events_satisfy_the_published_schemas(simulated: Simulated) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validators = {
        t: jsonschema.Draft202012Validator(
            json.loads((SCHEMA_DIR / f"{t}.json").read_text(encoding="utf-8"))
        )
        for t in CONTRACT_TYPES
    }
    checked: set[str] = set()
    for event in simulated.parsed():
        if event["type"] not in checked:  # one of each type keeps this quick
            validators[event["type"]].validate(event)
            checked.add(event["type"])
    assert checked == set(CONTRACT_TYPES)


def test_the_simulator_knows_all_31_provinces() -> None:
    assert len(set(PROVINCES)) == 31
