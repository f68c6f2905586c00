"""Complaint traffic: opened, replied (by the promise, or within 15 days), closed."""

from __future__ import annotations

from events.simulator.context import Context, between
from events.simulator.curve import HALL_CURVE, arrivals, volume
from events.simulator.group import Group
from events.simulator.timefmt import DAY_MS, HOUR_MS, SECOND_MS, iso, local_date
from events.simulator.world import Province

COMPLAINTS_PER_DAY = 8
RULES: tuple[str, ...] = ("complaint.reply_promise", "complaint.reply_limit")
REPLY_LIMIT_MS = 15 * DAY_MS
CHANNELS = ("hotline", "hall", "online", "app", "regulator")
RESOLUTIONS = ("explained", "compensated", "fixed", "withdrawn")


class ComplaintSim:
    """Complaints for each province's complaint center."""

    def __init__(self, ctx: Context, provinces: list[Province]) -> None:
        self._ctx = ctx
        self._centers = [p.complaints for p in provinces]

    def day(self, day_ms: int) -> list[Group]:
        groups: list[Group] = []
        date = local_date(day_ms)
        compact = date.replace("-", "")
        for center in self._centers:
            rng = self._ctx.rng("complaint", center.unit, date)
            n = volume(rng, COMPLAINTS_PER_DAY * self._ctx.scale)
            for i, t in enumerate(arrivals(rng, day_ms, day_ms, day_ms + DAY_MS, n, HALL_CURVE)):
                subject = f"{center.unit}:{compact}:k{i:03d}"
                group = Group(center, subject, t)
                case = self._ctx.pick(rng, RULES)
                promised = case[0] == "complaint.reply_promise" if case else rng.random() < 0.6
                promise = t + between(rng, 24, 48) * HOUR_MS
                replied = t + (
                    between(rng, 2, 12) * HOUR_MS if promised else between(rng, 1, 3) * DAY_MS
                )
                if case is not None:
                    rule, violation = case
                    limit = promise if promised else t + REPLY_LIMIT_MS
                    replied = limit + (between(rng, 1, 5 * 86400) * SECOND_MS if violation else 0)
                    group.case(rule, subject, violation)
                extra = f',"promised_reply_at":"{iso(promise)}"' if promised else ""
                channel = CHANNELS[rng.randrange(len(CHANNELS))]
                customer = self._ctx.customer(rng)
                group.add(
                    t,
                    "complaint.opened",
                    subject,
                    f'{{"channel":"{channel}","customer":"{customer}"{extra}}}',
                )
                group.add(replied, "complaint.replied", subject)
                closed = replied + between(rng, 1, 24) * HOUR_MS
                resolution = RESOLUTIONS[rng.randrange(len(RESOLUTIONS))]
                group.add(closed, "complaint.closed", subject, f'{{"resolution":"{resolution}"}}')
                if self._ctx.accept(t):
                    groups.append(group)
        return groups
