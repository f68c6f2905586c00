"""Required or forbidden phrases in what agents say and what the IVR plays.

Text is compared after NFKC folding with punctuation and spaces removed, so
"您好，欢迎使用10086" matches "您好,欢迎使用10086免费客服热线". `exact` phrases must be
the whole utterance: a bare rhetorical "什么？" is forbidden, "请问您需要什么帮助" is not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.envelope import Envelope
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.match import EventMatch, instant, match_test
from standards.verdicts import Verdict


class PhraseSet(BaseModel):
    """Phrases that count: anywhere in the text, at its start, or as the whole text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contains: list[str] = Field(default_factory=list)
    prefix: list[str] = Field(default_factory=list)
    exact: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> PhraseSet:
        if not (self.contains or self.prefix or self.exact):
            raise ValueError("a phrase set needs at least one phrase")
        for phrase in (*self.contains, *self.prefix, *self.exact):
            if not normalize(phrase):
                raise ValueError(f"phrase {phrase!r} is only punctuation")
        return self


def _keep(char: str) -> bool:
    category = unicodedata.category(char)
    return not (category[0] in "PZS" or category == "Cc")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if _keep(c)).lower()


@dataclass(frozen=True, slots=True)
class PhraseMatcher:
    contains: tuple[str, ...]
    prefix: tuple[str, ...]
    exact: frozenset[str]

    @classmethod
    def of(cls, phrases: PhraseSet) -> PhraseMatcher:
        return cls(
            tuple(normalize(p) for p in phrases.contains),
            tuple(normalize(p) for p in phrases.prefix),
            frozenset(normalize(p) for p in phrases.exact),
        )

    def found(self, text: str) -> bool:
        folded = normalize(text)
        return (
            folded in self.exact
            or folded.startswith(self.prefix)
            or any(p in folded for p in self.contains)
        )


class PhrasesParams(BaseModel):
    """Which utterances of an entity are judged, and what they must or must not say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: EventMatch
    closes: list[EventMatch] = Field(min_length=1)
    position: Literal["first", "last", "every"]
    text_field: str = "text"
    order_field: str | None = Field(
        default=None,
        description="data field with the instant that orders utterances; else event time",
    )
    require: PhraseSet | None = None
    forbid: PhraseSet | None = None

    @model_validator(mode="after")
    def _one_test(self) -> PhrasesParams:
        if (self.require is None) == (self.forbid is None):
            raise ValueError("give exactly one of require or forbid")
        if self.require is not None and self.position == "every":
            raise ValueError("require applies to the first or last utterance")
        return self


@dataclass(slots=True)
class _Seen:
    """The utterance that decides (first/last), or the first offending one (every)."""

    order: datetime
    event: Envelope
    ok: bool
    closed: Envelope | None = None


class PhrasesRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: PhrasesParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._applies = match_test(params.event)
        self._closes = {m.type: match_test(m) for m in params.closes}
        phrases = params.require or params.forbid
        assert phrases is not None
        self._matcher = PhraseMatcher.of(phrases)
        self._wanted = params.require is not None
        self._seen: dict[str, _Seen] = {}

    def handlers(self) -> dict[str, Handler]:
        table: dict[str, Handler] = dict.fromkeys(self._closes, self._on_close)
        table[self.p.event.type] = self._on_utterance
        return table

    def state_size(self) -> int:
        return len(self._seen)

    def _on_utterance(self, event: Envelope) -> Sequence[Verdict]:
        data = event.data
        if self._applies is not None and not self._applies(data):
            return NOTHING
        order = event.time
        if self.p.order_field is not None:
            order = instant(data.get(self.p.order_field)) or order
        seen = self._seen.get(event.subject)
        if seen is not None and seen.closed is not None:
            return NOTHING
        position = self.p.position
        if seen is not None:
            if position == "first" and order >= seen.order:
                return NOTHING
            if position == "last" and order < seen.order:
                return NOTHING
            if position == "every" and not seen.ok:
                return NOTHING
        text = data.get(self.p.text_field)
        found = isinstance(text, str) and self._matcher.found(text)
        ok = found if self._wanted else not found
        if seen is None:
            self._seen[event.subject] = _Seen(order, event, ok)
            self.env.scheduler.schedule(
                event.time + self.env.retain_exempt, self, (event.subject, None)
            )
        elif position != "every" or not ok:
            seen.order, seen.event, seen.ok = order, event, ok
        return NOTHING

    def _on_close(self, event: Envelope) -> Sequence[Verdict]:
        test = self._closes[event.type]
        if test is not None and not test(event.data):
            return NOTHING
        seen = self._seen.get(event.subject)
        if seen is None or seen.closed is not None:
            return NOTHING
        seen.closed = event
        self.env.scheduler.schedule(event.time, self, (event.subject, event.id), final=True)
        return NOTHING

    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        subject, close_id = key
        seen = self._seen.get(subject)
        if seen is None:
            return NOTHING
        if close_id is None:
            if seen.closed is None:
                del self._seen[subject]
            return NOTHING
        if seen.closed is None or seen.closed.id != close_id:
            return NOTHING
        del self._seen[subject]
        return self._judge(seen, seen.closed)

    def _judge(self, seen: _Seen, closed: Envelope) -> Sequence[Verdict]:
        event = seen.event
        check = self.ctx.check(
            subject=event.subject,
            province=event.province,
            unit=event.unit,
            occurrence=closed.id,
            day_of=event.time,
            at=closed.time,
            violated=not seen.ok,
            value=None,
        )
        if seen.ok:
            return (check,)
        text = event.data.get(self.p.text_field)
        said = text if isinstance(text, str) else ""
        if self._wanted:
            detail = Text2(
                f"{self.p.position} 句未使用规范用语：“{said}”",
                f"{self.p.position} utterance lacks the standard phrase: {said!r}",
            )
        else:
            detail = Text2(f"使用了服务忌语：“{said}”", f"forbidden phrase used: {said!r}")
        violation = self.ctx.violation(
            subject=event.subject,
            province=event.province,
            unit=event.unit,
            occurrence=closed.id,
            at=closed.time,
            measured=None,
            limit=None,
            evidence=(event.id, closed.id),
            detail=detail,
            measure="phrases",
        )
        return (violation, check)


def build(ctx: RuleContext, env: Env, params: PhrasesParams) -> PhrasesRuntime:
    return PhrasesRuntime(ctx, env, params)
