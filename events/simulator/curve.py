"""Arrival times that follow a day curve: busy mornings and afternoons, quiet nights."""

from __future__ import annotations

import random

from events.simulator.timefmt import HOUR_MS

HALL_CURVE: tuple[float, ...] = (
    0, 0, 0, 0, 0, 0, 0, 0, 3, 7, 10, 9, 5, 4, 7, 9, 8, 6, 4, 3, 2, 0, 0, 0,
)  # fmt: skip
CALL_CURVE: tuple[float, ...] = (
    1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 6, 9, 10, 9, 6, 6, 8, 9, 9, 8, 6, 6, 7, 5, 3, 2,
)  # fmt: skip
HOURS = range(24)


def arrivals(
    rng: random.Random, day_ms: int, lo: int, hi: int, n: int, curve: tuple[float, ...]
) -> list[int]:
    """`n` sorted instants in [lo, hi) drawn from the curve's hourly weights."""
    if n <= 0 or hi <= lo:
        return []
    first, last = (lo - day_ms) // HOUR_MS, (hi - 1 - day_ms) // HOUR_MS
    weights = [w if first <= h <= last else 0.0 for h, w in zip(HOURS, curve, strict=True)]
    if not any(weights):
        weights = [1.0 if first <= h <= last else 0.0 for h in HOURS]
    out: list[int] = []
    while len(out) < n:
        for hour in rng.choices(HOURS, weights, k=n - len(out)):
            t = day_ms + hour * HOUR_MS + int(rng.random() * HOUR_MS)
            if lo <= t < hi:
                out.append(t)
    out.sort()
    return out


def volume(rng: random.Random, mean: float) -> int:
    """A day's count around `mean`, ±15 %."""
    return max(0, round(mean * rng.uniform(0.85, 1.15)))
