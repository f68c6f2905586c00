"""Data models of every event type in the contract (EVENTS.md), one module per channel.

`DATA_MODELS` is the single list of known types: the envelope, the JSON Schemas,
the validator and the tests all walk it.
"""

from __future__ import annotations

from events.types import complaint, hall, hotline, ivr, notice, repair

# Semantic version of the contract: additive changes only within a major version.
CONTRACT_VERSION = "1.0.0"

DATA_MODELS: dict[str, type] = {
    **hall.DATA,
    **hotline.DATA,
    **ivr.DATA,
    **repair.DATA,
    **complaint.DATA,
    **notice.DATA,
}

__all__ = ["CONTRACT_VERSION", "DATA_MODELS"]
