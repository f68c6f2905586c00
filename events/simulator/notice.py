"""Notices: planned network maintenance (announced ahead, approved when needed) and tariffs."""

from __future__ import annotations

import random

from events.simulator.context import Context, between
from events.simulator.group import Group, Unit
from events.simulator.timefmt import (
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    SECOND_MS,
    iso,
    local_date,
    local_midnight,
)
from events.simulator.world import Province

MAINTENANCE_PER_DAY = 0.6
TARIFFS_PER_DAY = 0.3
RULES: tuple[str, ...] = ("notice.advance", "notice.approval")
ADVANCE_MS = 72 * HOUR_MS
APPROVAL_OVER_HOURS = 24


class NoticeSim:
    """Maintenance plans and tariff notices from each province's network operations center."""

    def __init__(self, ctx: Context, provinces: list[Province]) -> None:
        self._ctx = ctx
        self._nocs = [p.noc for p in provinces]

    def day(self, day_ms: int) -> list[Group]:
        groups: list[Group] = []
        date = local_date(day_ms)
        for noc in self._nocs:
            rng = self._ctx.rng("notice", noc.unit, date)
            plans = int(MAINTENANCE_PER_DAY + rng.random())
            for k in range(plans):
                at = day_ms + between(rng, 9 * 60, 17 * 60) * MINUTE_MS
                group = _maintenance(
                    self._ctx, noc, f"{noc.unit}:{date.replace('-', '')}:m{k}", at, rng
                )
                if self._ctx.accept(at):
                    groups.append(group)
            if rng.random() < TARIFFS_PER_DAY:
                at = day_ms + between(rng, 9 * 60, 17 * 60) * MINUTE_MS
                subject = f"{noc.unit}:{date.replace('-', '')}:tariff"
                group = Group(noc, subject, at)
                group.add(
                    at,
                    "notice.tariff.published",
                    subject,
                    f'{{"effective_at":"{iso(at + 30 * DAY_MS)}"}}',
                )
                if self._ctx.accept(at):
                    groups.append(group)
        return groups


def _maintenance(ctx: Context, noc: Unit, subject: str, at: int, rng: random.Random) -> Group:
    """Planned 6–10 days ahead for a night window; announced 4–5 days ahead unless a case says otherwise."""
    group = Group(noc, subject, at)
    case = ctx.pick(rng, RULES)
    starts = local_midnight(at) + between(rng, 6, 10) * DAY_MS + between(rng, 0, 4) * HOUR_MS
    hours, important, approval = float(between(rng, 2, 8)), False, "null"
    if rng.random() < 0.3:
        approval = f'"APR-{subject}"'
    announced: int | None = starts - between(rng, 96, 120) * HOUR_MS
    if case is not None and case[0] == "notice.advance":
        violation = case[1]
        approval = "null"
        if violation:
            late = starts - ADVANCE_MS + between(rng, 1, 71 * 3600) * SECOND_MS
            announced = late if rng.random() < 0.8 else None
        else:
            announced = starts - ADVANCE_MS
        group.case("notice.advance", subject, violation)
    elif case is not None:
        violation = case[1]
        variant = rng.random()
        approval = "null"
        if violation and variant < 0.5:
            hours = APPROVAL_OVER_HOURS + between(rng, 1, 48) / 2
        elif violation:
            important = True
        elif variant < 0.5:
            hours = float(APPROVAL_OVER_HOURS)
        else:
            hours, important, approval = APPROVAL_OVER_HOURS + 12.0, True, f'"APR-{subject}"'
        group.case("notice.approval", subject, violation)
    customers = between(rng, 100, 50_000)
    group.add(
        at,
        "notice.maintenance.planned",
        subject,
        f'{{"starts_at":"{iso(starts)}","expected_hours":{hours},"affected_customers":{customers},'
        f'"important_customers":{"true" if important else "false"},"approval":{approval}}}',
    )
    if announced is not None:
        channel = ("sms", "app")[rng.randrange(2)]
        group.add(announced, "notice.maintenance.announced", subject, f'{{"channel":"{channel}"}}')
    return group
