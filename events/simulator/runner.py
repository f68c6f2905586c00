"""Drives the channel generators day by day and writes events in event-time order.

Each day's groups are generated, sorted by start, cut at `--count` if asked, and
merged into a buffer; everything earlier than the next day is then final, since
no later group can start before it. Events come out globally ordered by time, as
a replay log would, and the tails of long-lived groups (repair tickets,
complaints) follow in order. Heartbeats stop where the run does while those
tails go on: the last heartbeat group of each unit says which days that
silence makes down, once the log's last event is known.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import Protocol

from events.pseudonym import Pseudonymiser
from events.simulator.complaint import ComplaintSim
from events.simulator.context import Context, SimConfig
from events.simulator.group import Event, Group, Silence, Truth
from events.simulator.hall import HallSim
from events.simulator.hotline import HotlineSim
from events.simulator.ivr import IvrSim
from events.simulator.notice import NoticeSim
from events.simulator.ratio import RatioBook
from events.simulator.repair import RepairSim
from events.simulator.timefmt import DAY_MS, local_midnight
from events.simulator.world import build_province

_TIME = itemgetter(0)
_START = attrgetter("start")


class EventSink(Protocol):
    def write(self, events: list[Event]) -> None: ...


class TruthSink(Protocol):
    def write(self, cases: list[Truth]) -> None: ...


class ChannelSim(Protocol):
    def day(self, day_ms: int) -> list[Group]: ...


def build_channels(ctx: Context, ratios: RatioBook) -> list[ChannelSim]:
    provinces = [build_province(code, ctx.config.halls) for code in ctx.config.provinces]
    return [
        HallSim(ctx, provinces, ratios),
        HotlineSim(ctx, provinces, ratios),
        IvrSim(ctx, provinces),
        RepairSim(ctx, provinces),
        ComplaintSim(ctx, provinces),
        NoticeSim(ctx, provinces),
    ]


def simulate(
    config: SimConfig,
    events: EventSink,
    truth: TruthSink,
    pseudonymiser: Pseudonymiser,
    on_day: Callable[[int], None] | None = None,
) -> int:
    """Run the simulation; returns the number of events written."""
    ctx = Context(config, pseudonymiser)
    ratios = RatioBook(ctx)
    channels = build_channels(ctx, ratios)
    buffer: list[Event] = []
    silences: dict[str, Silence] = {}
    written = 0
    last = config.start_ms  # the time of the last event written
    day = local_midnight(config.start_ms)
    while config.end_ms is None or day < config.end_ms:
        groups = [group for channel in channels for group in channel.day(day)]
        groups.sort(key=_START)
        full = False
        for group in groups:
            if config.count is not None and written + len(buffer) >= config.count:
                full = True
                break
            buffer.extend(group.events)
            truth.write(group.truth)
            if group.silence is not None:
                silences[group.silence.unit.unit] = group.silence
            for key in group.tallies:
                ratios.written(key)
        buffer.sort(key=_TIME)
        day += DAY_MS
        cut = len(buffer) if full else bisect_left(buffer, day, key=_TIME)
        if cut:
            last = buffer[cut - 1][0]
        events.write(buffer[:cut])
        written += cut
        del buffer[:cut]
        if on_day is not None:
            on_day(day)
        if full:
            break
    events.write(buffer)
    written += len(buffer)
    if buffer:
        last = buffer[-1][0]
    truth.write(ratios.truth())
    for silence in silences.values():
        truth.write(silence.cases(last))
    return written
