"""Engine state as bytes and back, for checkpoints.

The engine's state is plain Python data except the compiled predicates of its
rules, which are closures; those carry the spec they were compiled from
(`standards.match.REBUILD`) and are compiled again on load. Compressed with
LZ4: states are mostly repeated ids and field names.
"""

from __future__ import annotations

import io
import pickle
import types
from typing import Any

import lz4.frame

from standards.match import REBUILD

# 2: engines hold `_retain` (standards added at run time); 3: violations carry their occurrence
FORMAT = 3


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType):
            rebuild = getattr(obj, REBUILD, None)
            if rebuild is not None:
                return rebuild
        return NotImplemented


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
