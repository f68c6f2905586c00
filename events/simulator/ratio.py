"""Satisfaction ratios built to a target per unit and month.

Each (rule, unit, month) gets a plan: background (well above target), a violation
(below target) or a compliant case exactly at target. Answers are dealt so that
after any number n ≥ 1 of surveys the count satisfied is ceil(n·p) (never below
target p) or floor(n·p) (never above a p under target). The ground truth
therefore holds for however many surveys the run's window and `--count` keep.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.simulator.context import Context
from events.simulator.group import Group, Truth, Unit

# rule → (target, background) in permille
TARGETS: dict[str, tuple[int, int]] = {
    "hall.satisfaction.overall": (900, 970),
    "hall.satisfaction.politeness": (950, 990),
    "hall.satisfaction.consultation": (900, 970),
    "hall.satisfaction.handling": (900, 970),
    "hotline.satisfaction": (900, 970),
}


@dataclass(slots=True)
class _Plan:
    unit: Unit
    permille: int
    violation: bool | None
    dealt: int = 0

    def next(self) -> bool:
        k, p = self.dealt + 1, self.permille
        self.dealt = k
        if self.violation:  # floor: stays at or below p
            return (k * p) // 1000 > ((k - 1) * p) // 1000
        return -(-k * p // 1000) > -(-(k - 1) * p // 1000)  # ceil: stays at or above p


class RatioBook:
    """Deals survey answers per plan; its truth counts only surveys actually written."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._plans: dict[tuple[str, str, str], _Plan] = {}
        self._written: dict[tuple[str, str, str], int] = {}

    def answer(self, group: Group, rule: str, unit: Unit, month: str) -> bool:
        """The next answer for this unit-month; the group tallies it for the truth."""
        key = (rule, unit.unit, month)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(rule, unit, month)
        group.tallies.append(key)
        return plan.next()

    def _plan(self, rule: str, unit: Unit, month: str) -> _Plan:
        target, background = TARGETS[rule]
        rng = self._ctx.rng("ratio", rule, unit.unit, month)
        case = self._ctx.draw(rng, rule)
        if case is None:
            return _Plan(unit, background, None)
        if case:
            return _Plan(unit, target - rng.randint(30, 150), True)
        return _Plan(unit, target, False)

    def written(self, key: tuple[str, ...]) -> None:
        """Count one written survey answer under its plan."""
        k = (key[0], key[1], key[2])
        self._written[k] = self._written.get(k, 0) + 1

    def truth(self) -> list[Truth]:
        """Cases for unit-months with at least one written survey."""
        return [
            Truth(rule, f"{unit}:{month}", plan.unit, plan.violation)
            for (rule, unit, month), plan in sorted(self._plans.items())
            if plan.violation is not None and self._written.get((rule, unit, month), 0) > 0
        ]
