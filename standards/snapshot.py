"""Engine state as bytes and back, for checkpoints.

The engine's state is plain Python data except the compiled predicates of its
rules, which are closures; those carry the spec they were compiled from
(`standards.match.REBUILD`) and are compiled again on load. Events (a shard's
waiting ones, those rules hold as evidence) travel as their JSON and are
validated again on load: pickling a pydantic model field by field costs three
times what validating it does, and a backlog's checkpoints hold many. Compressed
with LZ4: states are mostly repeated ids and field names.
"""

from __future__ import annotations

import io
import pickle
import types
from decimal import Decimal
from typing import Any

import lz4.frame
import orjson

from events.envelope import EVENT_MODELS, Envelope, parse_event
from standards.match import REBUILD

# 2: engines hold `_retain` (standards added at run time); 3: violations carry their
# occurrence; 4: deadline clocks by mode, named timer keys
FORMAT = 4


_VALIDATED = frozenset(EVENT_MODELS.values())
"""Events made by `parse_event`: they validate again as they were. (A test kit's bare
`Envelope`, never validated, pickles field by field.)"""


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) in _VALIDATED:
            return parse_event, (_event_json(obj),)
        if isinstance(obj, types.FunctionType):
            rebuild = getattr(obj, REBUILD, None)
            if rebuild is not None:
                return rebuild
        return NotImplemented


def _event_json(event: Envelope) -> bytes:
    """The event as JSON that validates back into an equal event. orjson, at about a third
    of pydantic's own serialiser's cost here."""
    extra = event.__pydantic_extra__
    fields = {**event.__dict__, **extra} if extra else event.__dict__
    return orjson.dumps(fields, default=_decimal)


def _decimal(value: object) -> str:
    """Money as plain decimal text (never `1E+2`, which the contract refuses)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} in an event is not JSON")


def dumps(state: object) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((FORMAT, state))
    return bytes(lz4.frame.compress(buffer.getvalue()))


def loads(data: bytes) -> Any:
    """The state `dumps` wrote; ValueError when it is not one of this format."""
    try:
        version, state = pickle.loads(lz4.frame.decompress(data))
    except Exception as exc:  # a checkpoint from another build: say so, never crash
        raise ValueError(f"unreadable state ({type(exc).__name__}: {exc})") from exc
    if version != FORMAT:
        raise ValueError(f"state format {version}, this build reads {FORMAT}")
    return state
