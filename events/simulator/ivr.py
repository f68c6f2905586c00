"""IVR traffic: menu sessions and the platform's minute heartbeats.

Heartbeats come every minute on the minute. A platform-day is a case when it
holds one injected outage: heartbeats saying `available: false`, or a gap longer
than five minutes; the compliant case at the limit is a gap of exactly five.
Where the run ends, heartbeats stop while other channels' tails (tickets,
complaints) go on: that silence is downtime too, and the runner adds its days
to the truth (`Silence`).
"""

from __future__ import annotations

import random

from events.simulator.context import Context, between
from events.simulator.curve import CALL_CURVE, arrivals, volume
from events.simulator.group import Group, Silence, Unit, jstr
from events.simulator.timefmt import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, local_date
from events.simulator.world import Province

SESSIONS_PER_DAY = 300
RULES: tuple[str, ...] = ("ivr.greeting", "ivr.agent_reachable")
GREETING = jstr("您好，欢迎使用10086")
MAIN_MENU = jstr("话费查询请按1，流量查询请按2，业务办理请按3，人工服务请按0")
RESULTS = (jstr("您的话费余额为八十六元五角"), jstr("您本月剩余流量为十二GB"), jstr("业务办理成功"))
CONNECTING = jstr("正在为您转接人工服务，请稍候")
HEARTBEAT_GAP_MS = 5 * MINUTE_MS


class IvrSim:
    """Sessions and heartbeats for each province's IVR platform."""

    def __init__(self, ctx: Context, provinces: list[Province]) -> None:
        self._ctx = ctx
        self._platforms = [p.ivr for p in provinces]

    def day(self, day_ms: int) -> list[Group]:
        groups: list[Group] = []
        date = local_date(day_ms)
        compact = date.replace("-", "")
        for platform in self._platforms:
            rng = self._ctx.rng("ivr", platform.unit, date)
            self._heartbeats(platform, day_ms, date, rng, groups)
            n = volume(rng, SESSIONS_PER_DAY * self._ctx.scale)
            for i, t in enumerate(arrivals(rng, day_ms, day_ms, day_ms + DAY_MS, n, CALL_CURVE)):
                group = _session(self._ctx, platform, f"{platform.unit}:{compact}:s{i:05d}", t, rng)
                if self._ctx.accept(t):
                    groups.append(group)
        return groups

    def _heartbeats(
        self, platform: Unit, day_ms: int, date: str, rng: random.Random, out: list[Group]
    ) -> None:
        """One group per hour; the day's outage (if any) sits inside one hour."""
        case = self._ctx.draw(rng, "ivr.availability")
        hour, minute, variant = between(rng, 2, 21), between(rng, 5, 40), rng.random()
        length, extra = between(rng, 1, 15), between(rng, 1, 59_999)
        for h in range(24):
            start = day_ms + h * HOUR_MS
            group = Group(platform, f"{platform.unit}:{date}T{h:02d}", start)
            beats = [(start + m * MINUTE_MS, True) for m in range(60)]
            if case is not None and h == hour:
                beats = _outage(beats, minute, case, variant, length, extra)
                group.case("ivr.availability", f"{platform.unit}:{date}", case)
            for at, available in beats:
                group.add(
                    at,
                    "ivr.availability",
                    platform.unit,
                    f'{{"available":{"true" if available else "false"}}}',
                )
            written_case = case if case is not None and h >= hour else None
            group.silence = Silence(
                "ivr.availability", platform, beats[-1][0], HEARTBEAT_GAP_MS, written_case
            )
            if self._ctx.accept(start):
                out.append(group)


def _outage(
    beats: list[tuple[int, bool]],
    minute: int,
    violation: bool,
    variant: float,
    length: int,
    extra: int,
) -> list[tuple[int, bool]]:
    """Violation: `length` minutes unavailable, or a gap of 5 min + `extra` ms.

    Compliant at the limit: a gap of exactly five minutes.
    """
    if violation and variant < 0.5:
        return [(at, not minute <= i < minute + length) for i, (at, _) in enumerate(beats)]
    kept = [beat for i, beat in enumerate(beats) if not minute < i < minute + 5]
    if violation:
        gap_end = beats[minute][0] + HEARTBEAT_GAP_MS + extra
        kept = [beat for beat in kept if not beats[minute][0] < beat[0] <= gap_end]
        kept.append((gap_end, True))
        kept.sort()
    return kept


def _session(ctx: Context, platform: Unit, subject: str, t: int, rng: random.Random) -> Group:
    """A caller's walk through the menu: self-served, to an agent, or hung up."""
    group = Group(platform, subject, t)
    case = ctx.pick(rng, RULES)
    customer = ctx.customer(rng)
    group.add(t, "ivr.session.started", subject, f'{{"entry":"10086","customer":"{customer}"}}')
    t += between(rng, 300, 900)
    if case == ("ivr.greeting", True):
        group.case("ivr.greeting", subject, True)
    else:
        if case == ("ivr.greeting", False):
            group.case("ivr.greeting", subject, False)
        group.add(t, "ivr.prompt.played", subject, f'{{"prompt":"welcome","text":{GREETING}}}')
        t += 3 * SECOND_MS
    group.add(t, "ivr.prompt.played", subject, f'{{"prompt":"main_menu","text":{MAIN_MENU}}}')
    t += between(rng, 4, 12) * SECOND_MS
    u = rng.random()
    reachable_case = case is not None and case[0] == "ivr.agent_reachable"
    if reachable_case or (case is None and u < 0.2):
        group.add(t, "ivr.menu.selected", subject, '{"option":"0"}')
        group.add(t + 200, "ivr.agent.requested", subject)
        group.add(
            t + 500, "ivr.prompt.played", subject, f'{{"prompt":"connecting","text":{CONNECTING}}}'
        )
        t += between(rng, 10, 90) * SECOND_MS
        outcome = "abandoned" if case == ("ivr.agent_reachable", True) else "to_agent"
        if case is not None and reachable_case:
            group.case("ivr.agent_reachable", subject, case[1])
    elif case is None and u < 0.3:
        outcome = "abandoned"  # hung up in the menu, never asked for an agent
    else:
        option = between(rng, 1, 3)
        group.add(t, "ivr.menu.selected", subject, f'{{"option":"{option}"}}')
        t += between(rng, 1, 3) * SECOND_MS
        group.add(
            t,
            "ivr.prompt.played",
            subject,
            f'{{"prompt":"result_{option}","text":{RESULTS[option - 1]}}}',
        )
        t += between(rng, 5, 20) * SECOND_MS
        outcome = "self_served"
    group.add(t, "ivr.session.ended", subject, f'{{"outcome":"{outcome}"}}')
    return group
