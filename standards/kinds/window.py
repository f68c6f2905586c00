"""Required or forbidden events within an entity's window, judged once the window has closed.

The window opens with `opens` (a call answered, an English call offered, an
agent requested) and closes with one of `closes`. The close is settled on the
watermark, so an event that arrives a little out of order still counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.envelope import Envelope
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler, Runtime, sweep_oldest
from standards.match import DataTest, EventMatch, match_test
from standards.verdicts import Verdict

_OPEN, _CLOSE, _REQUIRE, _FORBID = range(4)


class WindowParams(BaseModel):
    """Between `opens` and a closing event, each `require` must occur and no `forbid` may."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opens: EventMatch
    closes: list[EventMatch] = Field(min_length=1)
    require: list[EventMatch] = Field(default_factory=list)
    forbid: list[EventMatch] = Field(default_factory=list)
    grace: timedelta = Field(
        default=timedelta(0), description="required events may still come this long after the close"
    )

    @model_validator(mode="after")
    def _something_to_check(self) -> WindowParams:
        if not self.require and not self.forbid:
            raise ValueError("a window needs at least one require or forbid")
        if self.grace < timedelta(0):
            raise ValueError(f"grace must not be negative, got {self.grace}")
        return self


@dataclass(slots=True)
class _Window:
    since: datetime
    opened: Envelope | None = None
    closed: Envelope | None = None
    seen: set[int] = field(default_factory=set)
    forbidden: list[str] = field(default_factory=list)


class WindowRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: WindowParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._roles: dict[str, list[tuple[int, int, DataTest | None]]] = {}
        self._add(_OPEN, 0, params.opens)
        for i, match in enumerate(params.require):
            self._add(_REQUIRE, i, match)
        for i, match in enumerate(params.forbid):
            self._add(_FORBID, i, match)
        for i, match in enumerate(params.closes):  # last: a closing event may also be required
            self._add(_CLOSE, i, match)
        self._windows: dict[str, _Window] = {}

    def _add(self, role: int, index: int, match: EventMatch) -> None:
        self._roles.setdefault(match.type, []).append((role, index, match_test(match)))

    def handlers(self) -> dict[str, Handler]:
        return dict.fromkeys(self._roles, self._on_event)

    def state_size(self) -> int:
        return len(self._windows)

    def _on_event(self, event: Envelope) -> Sequence[Verdict]:
        window = self._windows.get(event.subject)
        for role, index, test in self._roles[event.type]:
            if test is not None and not test(event.data):
                continue
            if window is None:
                if role == _CLOSE:
                    return NOTHING
                window = self._windows[event.subject] = _Window(event.time)
            if window.closed is not None and (
                role == _CLOSE or event.time > window.closed.time + self.p.grace
            ):
                return NOTHING  # settling: only what happened by the close (and grace) counts
            if role == _OPEN:
                window.opened = event
            elif role == _REQUIRE:
                window.seen.add(index)
            elif role == _FORBID:
                window.forbidden.append(event.id)
            else:
                window.closed = event
                self.env.scheduler.schedule(
                    event.time + self.p.grace, self, (event.subject, event.id), final=True
                )
        return NOTHING

    def on_timer(self, key: Any, when: datetime) -> Sequence[Verdict]:
        subject, close_id = key
        window = self._windows.get(subject)
        if window is None:
            return NOTHING
        if window.closed is None or window.closed.id != close_id:
            return NOTHING
        del self._windows[subject]
        if window.opened is None:
            return NOTHING
        return self._judge(window.opened, window.closed, window)

    def sweep(self, cutoff: datetime) -> None:
        sweep_oldest(self._windows, _since, cutoff)

    def _judge(self, opened: Envelope, closed: Envelope, window: _Window) -> Sequence[Verdict]:
        missing = [m.type for i, m in enumerate(self.p.require) if i not in window.seen]
        violated = bool(missing or window.forbidden)
        check = self.ctx.check_of(
            opened,
            at=closed.time,
            violated=violated,
            value=None,
        )
        if not violated:
            return (check,)
        zh = "；".join(
            [f"缺少 {t}" for t in missing] + [f"出现禁止事件 {i}" for i in window.forbidden]
        )
        en = "; ".join(
            [f"missing {t}" for t in missing] + [f"forbidden event {i}" for i in window.forbidden]
        )
        violation = self.ctx.violation_of(
            opened,
            at=closed.time,
            measured=None,
            limit=None,
            evidence=(opened.id, *window.forbidden, closed.id),
            detail=Text2(zh, en),
            measure="events",
        )
        return (violation, check)


def _since(window: _Window) -> datetime:
    return window.since


def build(ctx: RuleContext, env: Env, params: WindowParams) -> WindowRuntime:
    return WindowRuntime(ctx, env, params)
