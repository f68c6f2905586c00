"""Repair traffic: tickets from opening to resolution, notices and fee waivers.

Deadlines: urban 48 h, rural 72 h from `ticket.opened` to `ticket.resolved`. A
late ticket always brings its sibling rules along (delay notice, fee waiver),
and every rule it touches is in the ground truth, compliant or not. A fault the
customer's terminal caused is exempt from all three (GS 2.5).
"""

from __future__ import annotations

import random

from events.simulator.context import Context, between
from events.simulator.curve import HALL_CURVE, arrivals, volume
from events.simulator.group import Group, Unit
from events.simulator.timefmt import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, iso, local_date
from events.simulator.world import Province

TICKETS_PER_DAY = 10
RULES: tuple[str, ...] = (
    "repair.deadline",
    "repair.delay_notice",
    "repair.fee_waiver",
    "repair.appointment",
)
DEADLINE_MS = {"urban": 48 * HOUR_MS, "rural": 72 * HOUR_MS}
APPOINTMENT_GRACE_MS = 15 * MINUTE_MS
WAIVER_WITHIN_MS = 7 * DAY_MS
PRORATE_MONTH_MS = 30 * DAY_MS
FEES_CENTS = (5800, 8800, 12800, 18800, 28800, 38800)


def prorated_cents(fee_cents: int, outage_ms: int) -> int:
    """The waiver owed: monthly fee × outage / 30 days, rounded up to the cent."""
    return -(-fee_cents * outage_ms // PRORATE_MONTH_MS)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class RepairSim:
    """Tickets for each province's repair teams, opened during the day."""

    def __init__(self, ctx: Context, provinces: list[Province]) -> None:
        self._ctx = ctx
        self._teams = [team for p in provinces for team in p.repair_teams]

    def day(self, day_ms: int) -> list[Group]:
        groups: list[Group] = []
        date = local_date(day_ms)
        compact = date.replace("-", "")
        for team in self._teams:
            rng = self._ctx.rng("repair", team.unit, date)
            n = volume(rng, TICKETS_PER_DAY * self._ctx.scale)
            for i, t in enumerate(arrivals(rng, day_ms, day_ms, day_ms + DAY_MS, n, HALL_CURVE)):
                group = _Ticket(self._ctx, team, f"{team.unit}:{compact}:t{i:04d}", t, rng).build()
                if self._ctx.accept(t):
                    groups.append(group)
        return groups


class _Ticket:
    def __init__(self, ctx: Context, team: Unit, subject: str, t: int, rng: random.Random) -> None:
        self.ctx, self.team, self.subject, self.opened, self.rng = ctx, team, subject, t, rng
        self.group = Group(team, subject, t)

    def event(self, at: int, type_: str, data: str = "{}") -> None:
        self.group.add(at, type_, self.subject, data)

    def build(self) -> Group:
        rng, opened = self.rng, self.opened
        case = self.ctx.pick(rng, RULES)
        rule, violation = case if case is not None else ("", False)
        area = "urban" if rng.random() < 0.7 else "rural"
        fee = FEES_CENTS[rng.randrange(len(FEES_CENTS))]
        important = rng.random() < 0.05
        self.event(
            opened,
            "repair.ticket.opened",
            f'{{"area":"{area}","customer":"{self.ctx.customer(rng)}",'
            f'"important_customer":{"true" if important else "false"},"monthly_fee":{_money(fee)}}}',
        )
        appointment = opened + between(rng, 2 * 60, 20 * 60) * MINUTE_MS
        self.event(
            opened + between(rng, 10, 30) * MINUTE_MS,
            "repair.visit.scheduled",
            f'{{"appointment_at":"{iso(appointment)}"}}',
        )
        arrived = appointment - between(rng, 0, 20) * MINUTE_MS
        if rule == "repair.appointment":
            arrived = (
                appointment
                + APPOINTMENT_GRACE_MS
                + (between(rng, 1, 7200) * SECOND_MS if violation else 0)
            )
            self.group.case(rule, self.subject, violation)
        self.event(arrived, "repair.visit.arrived")
        deadline = opened + DEADLINE_MS[area]
        cause = ("network", "other", "terminal")[rng.randrange(3)]
        resolved = arrived + between(rng, 30, 180) * MINUTE_MS
        late = rule in ("repair.deadline", "repair.delay_notice", "repair.fee_waiver")
        if late:
            resolved = deadline + between(rng, 1, 24 * 3600) * SECOND_MS
            cause = "network"
            if rule in ("repair.deadline", "repair.delay_notice") and not violation:
                if rng.random() < 0.5:
                    cause = "terminal"  # late but exempt
                elif rule == "repair.deadline":
                    resolved = deadline  # on time at the limit: no sibling rule applies
                    late = False
            self.group.case("repair.deadline", self.subject, late and cause != "terminal")
        if late:
            self._delay_notice(rule, violation, deadline, resolved, cause == "terminal")
        self.event(resolved, "repair.ticket.resolved", f'{{"cause":"{cause}"}}')
        self.event(
            resolved + between(rng, 1, 10) * MINUTE_MS,
            "repair.customer.notified",
            '{"reason":"resolved"}',
        )
        if late:
            self._waiver(rule, violation, fee, resolved, cause == "terminal")
        return self.group

    def _delay_notice(
        self, rule: str, violation: bool, deadline: int, resolved: int, terminal: bool
    ) -> None:
        """Sent before the deadline; for the rule's own cases: late or missing (a violation,
        or exempt when the terminal caused the fault), or exactly at the deadline."""
        rng = self.rng
        at: int | None = deadline - between(rng, 1, 6) * HOUR_MS
        if rule == "repair.delay_notice":
            if violation or terminal:
                late = deadline + between(rng, 1, 6 * 3600) * SECOND_MS
                at = late if late < resolved and rng.random() < 0.5 else None
            else:
                at = deadline
        self.group.case(
            "repair.delay_notice", self.subject, rule == "repair.delay_notice" and violation
        )
        if at is not None:
            self.event(at, "repair.customer.notified", '{"reason":"delay"}')

    def _waiver(self, rule: str, violation: bool, fee: int, resolved: int, terminal: bool) -> None:
        """Owed on late non-terminal tickets: the pro-rated fee within 7 days of resolution."""
        rng = self.rng
        mine = rule == "repair.fee_waiver"
        self.group.case("repair.fee_waiver", self.subject, mine and violation)
        if terminal:
            return
        owed = prorated_cents(fee, resolved - self.opened)
        at, amount = resolved + between(rng, 1, 72) * HOUR_MS, owed
        if mine and violation:
            variant = rng.random()
            if variant < 0.4:
                return  # never waived
            if variant < 0.7:
                at = resolved + WAIVER_WITHIN_MS + between(rng, 1, 3 * 86400) * SECOND_MS
            else:
                amount = owed // 2
        elif mine:
            at = resolved + WAIVER_WITHIN_MS
        self.event(
            at,
            "repair.fee.waived",
            f'{{"amount":{_money(amount)},"period_start":"{iso(self.opened)}","period_end":"{iso(resolved)}"}}',
        )
