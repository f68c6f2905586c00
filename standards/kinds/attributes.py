"""Attribute checks on one event: what a hall reports when it opens, how a hold began, a plan's approval.

`when` (in `event`) says which events the clause applies to; `require` says,
per segment, what their data must show. A new tier or threshold is a YAML edit.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, field_validator

from events.envelope import Envelope
from standards.emit import RuleContext, Text2
from standards.kinds.base import NOTHING, Env, Handler, Runtime
from standards.kinds.limits import Segmented
from standards.match import DataTest, EventMatch, Where, match_test, where_test
from standards.verdicts import Verdict


class AttributesParams(Segmented):
    """One event's data must satisfy the requirements of its segment."""

    event: EventMatch
    require: dict[str, Where] = Field(description="segment → field conditions; needs 'default'")

    @field_validator("require")
    @classmethod
    def _has_default(cls, require: dict[str, Where]) -> dict[str, Where]:
        if "default" not in require:
            raise ValueError("require needs a 'default' entry")
        for segment, where in require.items():
            if not where:
                raise ValueError(f"requirements for {segment!r} are empty")
        return require


class AttributesRuntime(Runtime):
    def __init__(self, ctx: RuleContext, env: Env, params: AttributesParams) -> None:
        super().__init__(ctx, env)
        self.p = params
        self._applies = match_test(params.event)
        self._require: dict[str, DataTest] = {}
        for segment, where in params.require.items():
            test = where_test(where)
            assert test is not None
            self._require[segment] = test

    def handlers(self) -> dict[str, Handler]:
        return {self.p.event.type: self._on_event}

    def _on_event(self, event: Envelope) -> Sequence[Verdict]:
        data = event.data
        if self._applies is not None and not self._applies(data):
            return NOTHING
        segment = self.p.segment_of(data, event.unit, self.env.profiles)
        test = self._require.get(segment, self._require["default"])
        ok = test(data)
        ctx = self.ctx
        check = ctx.check_of(
            event,
            violated=not ok,
            value=None,
        )
        if ok:
            return (check,)
        wanted = self.p.require.get(segment, self.p.require["default"])
        shown = ", ".join(f"{name}={data.get(name)!r}" for name in wanted)
        violation = ctx.violation_of(
            event,
            measured=None,
            limit=None,
            evidence=(event.id,),
            detail=Text2(f"{segment}：{shown}", f"{segment}: {shown}"),
            measure="attributes",
        )
        return (violation, check)


def build(ctx: RuleContext, env: Env, params: AttributesParams) -> AttributesRuntime:
    return AttributesRuntime(ctx, env, params)
