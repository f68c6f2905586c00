"""One shared transcript per call (or IVR session) for every rule that judges what was said.

Greeting, closing, forbidden phrases, reply latency, long-speech acknowledgement
and the apology after a hold all read the same utterances. Collecting them once
per call, instead of once per rule, is what keeps the per-event cost flat as
rules are added. The call is judged when its closing event settles on the
watermark, so utterances that arrive a little out of order still count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from events.envelope import Envelope
from standards.kinds.base import NOTHING, Env, Handler, Runtime, sweep_oldest
from standards.match import DataTest, EventMatch, instant, match_test
from standards.verdicts import Verdict


@dataclass(slots=True)
class Transcript:
    """What one entity said and did, in arrival order; `lines` are (order instant, event)."""

    first: Envelope
    lines: list[tuple[datetime, Envelope]] = field(default_factory=list)
    extras: list[Envelope] = field(default_factory=list)
    closed: Envelope | None = None
    memo: dict[Any, Any] = field(default_factory=dict)

    def ordered(self) -> list[tuple[datetime, Envelope]]:
        """Lines by their own instant (stable for ties)."""
        cached = self.memo.get("ordered")
        if cached is None:
            cached = self.memo["ordered"] = sorted(self.lines, key=_ORDER)
        return cached


Judge = Callable[[Transcript, Envelope], Sequence[Verdict]]
_ORDER = itemgetter(0)


class TranscriptBook(Runtime):
    """Collects transcripts for one (line type, order field, closing events) and calls the judges."""

    def __init__(
        self, env: Env, line_type: str, order_field: str | None, closes: list[EventMatch]
    ) -> None:
        super().__init__(None, env)  # type: ignore[arg-type]
        self.line_type = line_type
        self.order_field = order_field
        self._closes: dict[str, DataTest | None] = {m.type: match_test(m) for m in closes}
        self._extra_types: set[str] = set()
        self._judges: list[Judge] = []
        self._open: dict[str, Transcript] = {}

    @classmethod
    def shared(
        cls, env: Env, line_type: str, order_field: str | None, closes: list[EventMatch]
    ) -> TranscriptBook:
        key = ("transcript", line_type, order_field, tuple(m.model_dump_json() for m in closes))
        book = env.shared.get(key)
        if book is None:
            book = env.shared[key] = cls(env, line_type, order_field, closes)
        return book

    def subscribe(self, judge: Judge, extra_types: Sequence[str] = ()) -> None:
        self._judges.append(judge)
        self._extra_types.update(extra_types)

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = dict.fromkeys(self._extra_types, self._on_extra)
        table.update(dict.fromkeys(self._closes, self._on_close))
        table[self.line_type] = self._on_line
        return table

    def state_size(self) -> int:
        return len(self._open)

    def _transcript(self, event: Envelope) -> Transcript | None:
        transcript = self._open.get(event.subject)
        if transcript is None:
            transcript = self._open[event.subject] = Transcript(event)
        closed = transcript.closed
        return transcript if closed is None or event.time <= closed.time else None

    def sweep(self, cutoff: datetime) -> None:
        sweep_oldest(self._open, _since, cutoff)

    def _on_line(self, event: Envelope) -> Sequence[Verdict]:
        transcript = self._open.get(event.subject)
        if transcript is None:
            transcript = self._open[event.subject] = Transcript(event)
        elif transcript.closed is not None and event.time > transcript.closed.time:
            return NOTHING
        order = event.time
        if self.order_field is not None:
            given = event.data.get(self.order_field)
            if given.__class__ is not datetime:  # parsed events carry datetimes already
                given = instant(given)
            if given is not None:
                order = given
        transcript.lines.append((order, event))
        return NOTHING

    def _on_extra(self, event: Envelope) -> Sequence[Verdict]:
        transcript = self._transcript(event)
        if transcript is not None:
            transcript.extras.append(event)
        return NOTHING

    def _on_close(self, event: Envelope) -> Sequence[Verdict]:
        test = self._closes[event.type]
        if test is not None and not test(event.data):
            return NOTHING
        transcript = self._open.get(event.subject)
        if transcript is None or transcript.closed is not None:
            return NOTHING
        transcript.closed = event
        self.env.scheduler.schedule(event.time, self, (event.subject, event.id), final=True)
        return NOTHING

    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        subject, close_id = key
        transcript = self._open.get(subject)
        if transcript is None:
            return NOTHING
        closed = transcript.closed
        if closed is None or closed.id != close_id:
            return NOTHING
        del self._open[subject]
        verdicts: list[Verdict] = []
        for judge in self._judges:
            verdicts.extend(judge(transcript, closed))
        return verdicts


def _since(transcript: Transcript) -> datetime:
    return transcript.first.time
