"""What every channel generator shares: the run's window, rates, randomness, pseudonyms."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from events.pseudonym import DEMO_KEY, Pseudonymiser

# Simulated numbers are fake; a fixed fallback key keeps runs reproducible without setup.
SIMULATOR_KEY = DEMO_KEY


@dataclass(frozen=True)
class SimConfig:
    """One simulator run. Times are epoch ms; `end_ms` None means run until `count`."""

    provinces: tuple[str, ...]
    start_ms: int
    end_ms: int | None
    count: int | None = None
    seed: int = 1
    violation_rate: float = 0.02
    rule_rates: Mapping[str, float] = field(default_factory=dict)
    scale: float = 1.0
    halls: int = 4


class Context:
    """Per-run services for the generators; every random stream is seeded by name."""

    def __init__(self, config: SimConfig, pseudonymiser: Pseudonymiser) -> None:
        self.config = config
        self.scale = config.scale
        self._pseudonymise = pseudonymiser
        self._start = config.start_ms
        self._end = config.end_ms
        self._rates: dict[tuple[str, ...], tuple[list[float], float]] = {}

    def accept(self, ms: int) -> bool:
        """Whether a group starting at `ms` lies in the run's window."""
        return ms >= self._start and (self._end is None or ms < self._end)

    def rng(self, *parts: object) -> random.Random:
        """A random stream named by its parts: the same unit and day give the same traffic."""
        return random.Random("/".join(map(str, (self.config.seed, *parts))))

    def rate(self, rule: str) -> float:
        return self.config.rule_rates.get(rule, self.config.violation_rate)

    def draw(self, rng: random.Random, rule: str) -> bool | None:
        """None: background; True: a violation; False: a compliant case at the limit."""
        rate = self.rate(rule)
        u = rng.random() * max(1.0, 2 * rate)
        if u < rate:
            return True
        if u < 2 * rate:
            return False
        return None

    def pick(self, rng: random.Random, rules: tuple[str, ...]) -> tuple[str, bool] | None:
        """At most one case among rules that share an entity, each at its own rate."""
        known = self._rates.get(tuple(rules))
        if known is None:
            rates = [self.rate(rule) for rule in rules]
            known = self._rates[tuple(rules)] = (rates, max(1.0, 2 * sum(rates)))
        rates, scale = known
        u = rng.random() * scale
        for rule, rate in zip(rules, rates, strict=True):
            if u < rate:
                return rule, True
            if u < 2 * rate:
                return rule, False
            u -= 2 * rate
        return None

    def customer(self, rng: random.Random) -> str:
        """A pseudonymised random mobile number, as a channel system would publish it."""
        return self._pseudonymise(f"1{rng.randrange(3_000_000_000, 9_999_999_999)}")


def between(rng: random.Random, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi]; `randint` costs three calls on the hot path."""
    return lo + int(rng.random() * (hi - lo + 1))
