"""Hotline (10086 human service) event data."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, with_config
from typing_extensions import TypedDict

from events.types.common import DATA_CONFIG, Empty, Id


@with_config(DATA_CONFIG)
class CallOffered(TypedDict):
    queue: Id
    language: Literal["zh", "en"]
    customer: Id


@with_config(DATA_CONFIG)
class CallAnswered(TypedDict):
    agent: Id


@with_config(DATA_CONFIG)
class Utterance(TypedDict):
    speaker: Literal["agent", "customer"]
    started_at: AwareDatetime
    ended_at: AwareDatetime
    text: str


@with_config(DATA_CONFIG)
class HoldStarted(TypedDict):
    reason: Literal["lookup", "mute"]
    announced: bool


@with_config(DATA_CONFIG)
class Transfer(TypedDict):
    target: Literal["knowledge_audio", "ivr", "expert", "english_desk"]
    phrase_ended_at: AwareDatetime


@with_config(DATA_CONFIG)
class CallEnded(TypedDict):
    ended_by: Literal["agent", "customer", "system"]


@with_config(DATA_CONFIG)
class CallSurvey(TypedDict):
    satisfied: bool


DATA: dict[str, type] = {
    "hotline.call.offered": CallOffered,
    "hotline.call.answered": CallAnswered,
    "hotline.utterance": Utterance,
    "hotline.hold.started": HoldStarted,
    "hotline.hold.ended": Empty,
    "hotline.transfer": Transfer,
    "hotline.evaluation.invited": Empty,
    "hotline.call.ended": CallEnded,
    "hotline.call.survey": CallSurvey,
}
