"""Declarative event matching: which events a rule looks at, and field predicates.

Rule files say `{type: hotline.transfer, where: {target: english_desk}}`; this
module turns such data into plain callables once per standard version, so the
per-event path never walks pydantic models.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Scalar = str | int | float | bool
DataTest = Callable[[Mapping[str, Any]], bool]


class MinOf(BaseModel):
    """At least `count` of `items` appear in a list field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[str] = Field(min_length=1)
    count: int = Field(ge=1)

    @model_validator(mode="after")
    def _reachable(self) -> MinOf:
        if self.count > len(self.items):
            raise ValueError(f"count {self.count} exceeds the {len(self.items)} items listed")
        return self


class FieldTest(BaseModel):
    """Predicates on one field; every one given must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    present: bool | None = None
    includes_all: list[str] | None = None
    min_of: MinOf | None = None


Condition = Scalar | list[Scalar] | FieldTest
Where = dict[str, Condition]


class EventMatch(BaseModel):
    """An event type, optionally narrowed by its data: all of `where`, and one of `any`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(min_length=1)
    where: Where = Field(default_factory=dict)
    any: list[Where] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"type": value} if isinstance(value, str) else value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Editors accept the shorthand too: a bare event type string."""
        full = handler.resolve_ref_schema(handler(core_schema))
        return {"anyOf": [{"type": "string", "description": "an event type"}, full]}


def _missing(value: Any) -> bool:
    return value is None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _field_test(test: FieldTest) -> Callable[[Any], bool]:
    checks: list[Callable[[Any], bool]] = []
    if test.present is not None:
        wanted = test.present
        checks.append(lambda v: (not _missing(v)) is wanted)
    if test.eq is not None:
        eq = test.eq
        checks.append(lambda v: v == eq and type(v) is type(eq))
    if test.ne is not None:
        ne = test.ne
        checks.append(lambda v: v != ne)
    if test.in_ is not None:
        allowed = frozenset(test.in_)
        checks.append(lambda v: isinstance(v, str | int | float | bool) and v in allowed)
    if test.not_in is not None:
        banned = frozenset(test.not_in)
        checks.append(lambda v: not (isinstance(v, str | int | float | bool) and v in banned))
    for bound, op in (
        (test.gt, float.__gt__),
        (test.gte, float.__ge__),
        (test.lt, float.__lt__),
        (test.lte, float.__le__),
    ):
        if bound is not None:
            checks.append(_comparison(op, float(bound)))
    if test.includes_all is not None:
        needed = frozenset(test.includes_all)
        checks.append(lambda v: isinstance(v, list) and needed <= set(v))
    if test.min_of is not None:
        items, count = frozenset(test.min_of.items), test.min_of.count
        checks.append(lambda v: isinstance(v, list) and len(items.intersection(v)) >= count)
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)


def _comparison(op: Callable[[float, float], bool], bound: float) -> Callable[[Any], bool]:
    def compare(value: Any) -> bool:
        number = _number(value)
        return number is not None and op(number, bound)

    return compare


def condition_test(condition: Condition) -> Callable[[Any], bool]:
    """A scalar means equality, a list means membership, a mapping is a `FieldTest`."""
    if isinstance(condition, FieldTest):
        return _field_test(condition)
    if isinstance(condition, list):
        return _field_test(FieldTest.model_validate({"in": condition}))
    return _field_test(FieldTest(eq=condition))


def where_test(where: Where) -> DataTest | None:
    """One callable for a whole `where` mapping; None when it accepts everything."""
    if not where:
        return None
    tests = [(field, condition_test(cond)) for field, cond in where.items()]
    if len(tests) == 1:
        [(field, test)] = tests
        return _rebuilt_by(where_test, where, lambda data: test(data.get(field)))
    return _rebuilt_by(
        where_test, where, lambda data: all(test(data.get(field)) for field, test in tests)
    )


def match_test(match: EventMatch) -> DataTest | None:
    """The data test of an event match (its type is checked by the engine's index)."""
    every = where_test(match.where)
    alternatives = [t for t in (where_test(w) for w in match.any) if t is not None]
    if not alternatives:
        return every
    if every is None:
        return _rebuilt_by(match_test, match, lambda data: any(alt(data) for alt in alternatives))
    return _rebuilt_by(
        match_test, match, lambda data: every(data) and any(alt(data) for alt in alternatives)
    )


REBUILD = "__svc_rebuild__"


def _rebuilt_by(builder: Callable[[Any], DataTest | None], spec: Any, test: DataTest) -> DataTest:
    """Tag a compiled test with how to compile it again, so engine state can be pickled
    (`standards.snapshot`) without pickling closures: the spec is plain data."""
    setattr(test, REBUILD, (builder, (spec,)))
    return test


def instant(value: Any) -> datetime | None:
    """An offset-carrying timestamp from event data; anything else is no instant."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else None
