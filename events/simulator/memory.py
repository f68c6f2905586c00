"""Running the simulator into memory: for tests and examples (the engine's too)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from events.progress import Progress
from events.pseudonym import Pseudonymiser
from events.simulator.context import SIMULATOR_KEY, SimConfig
from events.simulator.runner import simulate
from events.simulator.sinks import FileSink, TruthFile


@dataclass(frozen=True)
class Simulated:
    """A run's JSON lines (in written order) and its ground-truth cases."""

    events: tuple[str, ...]
    truth: tuple[dict[str, Any], ...]

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.events]


def simulate_in_memory(config: SimConfig) -> Simulated:
    """The same bytes `svcstd simulate --out` would write, kept in memory."""
    out, truth = io.BytesIO(), io.StringIO()
    quiet = Progress("events", io.StringIO())
    simulate(config, FileSink(out, quiet), TruthFile(truth), Pseudonymiser(SIMULATOR_KEY))
    return Simulated(
        tuple(out.getvalue().decode().splitlines()),
        tuple(json.loads(line) for line in truth.getvalue().splitlines()),
    )
