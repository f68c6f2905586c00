"""Timing inside a call, judged from its whole transcript once the call has closed.

Three checks of the hotline norms share one shape (utterances and holds of a
call, ordered by when they were spoken): the reply after a customer finishes,
an acknowledgement inside a long customer turn, and the apology after a long
lookup hold. Utterances are ordered by their own `started_at`, so events that
arrive out of order within the call are judged as spoken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from events.envelope import Envelope
from standards.emit import RuleContext, Text2, duration_detail
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.kinds.phrases import PhraseMatcher, PhraseSet
from standards.kinds.transcript import Transcript, TranscriptBook
from standards.match import EventMatch, instant, match_test
from standards.verdicts import Verdict

Check = Literal["reply_latency", "long_speech_ack", "hold_apology"]
_HOLD_START, _OTHER_HOLD, _HOLD_END = range(3)


class ConversationParams(BaseModel):
    """One timing check over a call's utterances (and holds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: Check
    utterance: str = "hotline.utterance"
    speaker_field: str = "speaker"
    customer: str = "customer"
    agent: str = "agent"
    start_field: str = "started_at"
    end_field: str = "ended_at"
    text_field: str = "text"
    closes: list[EventMatch] = Field(min_length=1)
    limit: timedelta = Field(
        description="reply_latency: longest silence; long_speech_ack / hold_apology: the length that triggers"
    )
    hold_start: EventMatch | None = None
    hold_end: str | None = None
    phrases: PhraseSet | None = None

    @field_validator("limit")
    @classmethod
    def _positive(cls, limit: timedelta) -> timedelta:
        if limit <= timedelta(0):
            raise ValueError(f"limit must be positive, got {limit}")
        return limit

    @model_validator(mode="after")
    def _hold_parts(self) -> ConversationParams:
        needs_hold = self.check == "hold_apology"
        if needs_hold != (
            self.hold_start is not None and self.hold_end is not None and self.phrases is not None
        ):
            raise ValueError(
                "hold_apology takes hold_start, hold_end and phrases; the others take none"
            )
        return self


@dataclass(slots=True)
class _Turn:
    start: datetime
    end: datetime
    agent: bool
    event_id: str
    event: Envelope


class ConversationRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: ConversationParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._hold_test = match_test(params.hold_start) if params.hold_start else None
        self._matcher = PhraseMatcher.of(params.phrases) if params.phrases else None
        extras = (
            [params.hold_start.type, params.hold_end]
            if params.hold_start and params.hold_end
            else []
        )
        self._book = TranscriptBook.shared(env, params.utterance, params.start_field, params.closes)
        self._book.subscribe(self._judge_call, extras)

    def handlers(self) -> dict[str, Handler]:
        return self._book.handlers()

    def _turns(self, transcript: Transcript) -> list[_Turn]:
        """The call's turns by start (the transcript's order); shared by checks reading the same fields."""
        p = self.p
        key = ("turns", p.speaker_field, p.customer, p.agent, p.start_field, p.end_field)
        turns = transcript.memo.get(key)
        if turns is None:
            turns = []
            speaker_field, end_field, agent = p.speaker_field, p.end_field, p.agent
            speakers = (p.customer, agent)
            for start, event in transcript.ordered():
                data = event.data
                speaker = data.get(speaker_field)
                end = data.get(end_field)
                if end.__class__ is not datetime:  # parsed events carry datetimes already
                    end = instant(end)
                if end is None or speaker not in speakers:
                    continue
                turns.append(_Turn(start, end, speaker == agent, event.id, event))
            transcript.memo[key] = turns
        return turns

    def _holds(self, transcript: Transcript) -> list[tuple[datetime, int, str]]:
        assert self.p.hold_start is not None
        holds = []
        for event in transcript.extras:
            if event.type == self.p.hold_end:
                step = _HOLD_END
            elif event.type != self.p.hold_start.type:
                continue
            elif self._hold_test is None or self._hold_test(event.data):
                step = _HOLD_START
            else:
                step = _OTHER_HOLD
            holds.append((event.time, step, event.id))
        return holds

    def _judge_call(self, transcript: Transcript, closed: Envelope) -> Sequence[Verdict]:
        turns = self._turns(transcript)
        if self.p.check == "reply_latency":
            worst = _slowest_reply(turns)
            applicable = any(not t.agent for t in turns) and len(turns) > 1
        elif self.p.check == "long_speech_ack":
            worst = _longest_unacknowledged(turns, self.p.limit)
            applicable = any(not t.agent and t.end - t.start > self.p.limit for t in turns)
        else:
            holds = self._holds(transcript)
            worst = _unapologized_hold(turns, holds, self.p.limit, self._polite)
            applicable = any(step == _HOLD_START for _, step, _ in holds)
        if worst is None and not applicable:
            return NOTHING
        return self._judge(transcript.first, closed, worst)

    def _polite(self, turn: _Turn) -> bool:
        text = turn.event.data.get(self.p.text_field)
        return self._matcher is not None and isinstance(text, str) and self._matcher.found(text)

    def _judge(
        self, first: Envelope, closed: Envelope, worst: tuple[float, tuple[str, ...]] | None
    ) -> Sequence[Verdict]:
        limit = self.p.limit.total_seconds()
        violated = worst is not None and (
            worst[0] > limit if self.p.check == "reply_latency" else True
        )
        check = self.ctx.check_of(
            first,
            occurrence=closed.id,
            at=closed.time,
            violated=violated,
            value=worst[0] if worst else None,
        )
        if not violated or worst is None:
            return (check,)
        measured, evidence = worst
        if self.p.check == "reply_latency":
            detail = duration_detail(measured, limit, "seconds", minimum=False)
        elif self.p.check == "long_speech_ack":
            detail = Text2(
                f"客户连续讲话 {measured:.0f} 秒期间无回应（超过 {limit:.0f} 秒应有回应）",
                f"no response during a {measured:.0f} s customer turn (over {limit:.0f} s needs one)",
            )
        else:
            detail = Text2(
                f"查询等待 {measured:.0f} 秒后未致歉（超过 {limit:.0f} 秒应致歉）",
                f"no apology after a {measured:.0f} s lookup hold (over {limit:.0f} s needs one)",
            )
        violation = self.ctx.violation_of(
            first,
            occurrence=closed.id,
            at=closed.time,
            measured=measured,
            limit=limit,
            evidence=(*evidence, closed.id),
            detail=detail,
            measure="seconds",
        )
        return (violation, check)


def _slowest_reply(turns: list[_Turn]) -> tuple[float, tuple[str, ...]] | None:
    """The longest silence after a customer finished before anyone spoke again.

    The customer is done when the next utterance starting at or after the end of
    theirs comes; if that is the agent's, the silence is the reply latency; if the
    customer resumes first, the agent stayed silent that long (a pause shorter
    than the limit is the customer still talking). Agent utterances that began
    while the customer spoke are acknowledgements, not the reply. A customer
    utterance that nobody follows is not judged.
    """
    worst: tuple[float, tuple[str, ...]] | None = None
    count = len(turns)
    for i, turn in enumerate(turns):
        if turn.agent:
            continue
        j = i + 1
        while j < count and turns[j].start < turn.end:
            j += 1
        if j == count:
            continue
        following = turns[j]
        gap = (following.start - turn.end).total_seconds()
        if worst is None or gap > worst[0]:
            worst = (gap, (turn.event_id, following.event_id))
    return worst


def _longest_unacknowledged(
    turns: list[_Turn], limit: timedelta
) -> tuple[float, tuple[str, ...]] | None:
    worst: tuple[float, tuple[str, ...]] | None = None
    for turn in turns:
        if turn.agent or turn.end - turn.start <= limit:
            continue
        if any(t.agent and turn.start <= t.start and t.end <= turn.end for t in turns):
            continue
        length = (turn.end - turn.start).total_seconds()
        if worst is None or length > worst[0]:
            worst = (length, (turn.event_id,))
    return worst


def _unapologized_hold(
    turns: list[_Turn],
    holds: list[tuple[datetime, int, str]],
    limit: timedelta,
    polite: Callable[[_Turn], bool],
) -> tuple[float, tuple[str, ...]] | None:
    worst: tuple[float, tuple[str, ...]] | None = None
    begun: tuple[datetime, str] | None = None
    for at, step, event_id in sorted(holds):
        if step != _HOLD_END:
            begun = (at, event_id) if step == _HOLD_START else None
            continue
        if begun is None:
            continue
        began, start_id = begun
        begun = None
        if at - began <= limit:
            continue
        after = [t for t in turns if t.agent and t.start >= at]
        reply = min(after, key=lambda t: t.start) if after else None
        if reply is not None and polite(reply):
            continue
        length = (at - began).total_seconds()
        evidence = (start_id, event_id) if reply is None else (start_id, event_id, reply.event_id)
        if worst is None or length > worst[0]:
            worst = (length, evidence)
    return worst


def build(ctx: RuleContext, env: Env, params: ConversationParams) -> ConversationRuntime:
    return ConversationRuntime(ctx, env, params)
