"""Required or forbidden phrases in what agents say and what the IVR plays.

Text is compared after NFKC folding with punctuation and spaces removed, so
"您好，欢迎使用10086" matches "您好,欢迎使用10086免费客服热线". `exact` phrases must be
the whole utterance: a bare rhetorical "什么？" is forbidden, "请问您需要什么帮助" is not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.envelope import Envelope
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.kinds.transcript import Transcript, TranscriptBook
from standards.match import EventMatch, match_test
from standards.verdicts import Verdict

REMEMBERED = 65536


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


def normalize(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if _keep(c)).lower()


@dataclass(frozen=True, slots=True)
class PhraseMatcher:
    contains: re.Pattern[str] | None
    prefix: tuple[str, ...]
    exact: frozenset[str]
    seen: dict[str, bool] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, phrases: PhraseSet) -> PhraseMatcher:
        anywhere = [re.escape(normalize(p)) for p in phrases.contains]
        return cls(
            re.compile("|".join(anywhere)) if anywhere else None,
            tuple(normalize(p) for p in phrases.prefix),
            frozenset(normalize(p) for p in phrases.exact),
        )

    def found(self, text: str) -> bool:
        """Whether the text holds a phrase; scripted texts repeat, so answers are remembered."""
        known = self.seen.get(text)
        if known is not None:
            return known
        folded = normalize(text)
        answer = (
            folded in self.exact
            or folded.startswith(self.prefix)
            or (self.contains is not None and self.contains.search(folded) is not None)
        )
        if len(self.seen) >= REMEMBERED:
            self.seen.clear()
        self.seen[text] = answer
        return answer


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


class PhrasesRuntime(Runtime):
    """Judges the first, last or every matching line of a closed transcript."""

    def __init__(self, ctx: RuleContext, env: Env, params: PhrasesParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._applies = match_test(params.event)
        self._selection = ("lines", params.event.model_dump_json())
        phrases = params.require or params.forbid
        assert phrases is not None
        self._matcher = PhraseMatcher.of(phrases)
        self._wanted = params.require is not None
        self._book = TranscriptBook.shared(
            env, params.event.type, params.order_field, params.closes
        )
        self._book.subscribe(self._judge)

    def handlers(self) -> dict[str, Handler]:
        return self._book.handlers()

    def _ok(self, event: Envelope) -> bool:
        text = event.data.get(self.p.text_field)
        found = isinstance(text, str) and self._matcher.found(text)
        return found if self._wanted else not found

    def _judge(self, transcript: Transcript, closed: Envelope) -> Sequence[Verdict]:
        lines = transcript.memo.get(self._selection)
        if lines is None:
            applies = self._applies
            lines = [e for _, e in transcript.ordered() if applies is None or applies(e.data)]
            transcript.memo[self._selection] = lines
        if not lines:
            return NOTHING
        position = self.p.position
        if position == "first":
            decisive: Envelope | None = lines[0] if not self._ok(lines[0]) else None
        elif position == "last":
            decisive = lines[-1] if not self._ok(lines[-1]) else None
        else:
            decisive = next((e for e in lines if not self._ok(e)), None)
        first = lines[0]
        check = self.ctx.check_of(
            first,
            occurrence=closed.id,
            at=closed.time,
            violated=decisive is not None,
            value=None,
        )
        if decisive is None:
            return (check,)
        text = decisive.data.get(self.p.text_field)
        said = text if isinstance(text, str) else ""
        if self._wanted:
            detail = Text2(
                f"{position} 句未使用规范用语：“{said}”",
                f"{position} utterance lacks the standard phrase: {said!r}",
            )
        else:
            detail = Text2(f"使用了服务忌语：“{said}”", f"forbidden phrase used: {said!r}")
        violation = self.ctx.violation_of(
            first,
            occurrence=closed.id,
            at=closed.time,
            measured=None,
            limit=None,
            evidence=(decisive.id, closed.id),
            detail=detail,
            measure="phrases",
        )
        return (violation, check)


def build(ctx: RuleContext, env: Env, params: PhrasesParams) -> PhrasesRuntime:
    return PhrasesRuntime(ctx, env, params)
