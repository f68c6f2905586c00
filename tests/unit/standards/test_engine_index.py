"""Rules are indexed by event type once per version: an event reaches only the rules that read it."""

from __future__ import annotations

from standards.engine import Engine
from standards.loader import load_standards

[V1] = load_standards()


def test_each_event_type_maps_to_few_handlers() -> None:
    engine = Engine([V1])
    [version] = engine._versions
    utterance = version.handlers["hotline.utterance"]
    assert len(utterance) == 1  # one shared transcript serves all six phrase and timing rules
    assert "hall.visit.called" not in version.handlers
    assert max(len(h) for h in version.handlers.values()) <= 6
