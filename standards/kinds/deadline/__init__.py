"""Deadlines between two events: a clock starts, an end event stops it, the watermark fires it.

One kind covers every "X within N" clause. A rule runs in one of four modes, each in its
own module, chosen from its params by `build`:

| mode | params | when judged |
| --- | --- | --- |
| `due` | `bound: max` (the default) | at the deadline (provisional) or at an earlier end |
| `excused` | `excused_by` | as `due`; an excuse by the deadline turns a breach into a pass |
| `followup` | `followup` | at a late end: a follow-up is then owed within a time |
| `minimum` | `bound: min` | at the end: the span must last the limit |

Across the modes, how a clock is measured (`measure.py`): elapsed seconds from the start
or an anchor, seconds ahead of an anchor (a negative offset), or working days of a
calendar. Exempt end events (`exempt`) void a clock in every mode, retracting a
violation already raised; cancel events stop it. The clock and its timers' keys and
phases are named in `clock.py`; the shared handling in `runtime.py`.
"""

from __future__ import annotations

from standards.emit import RuleContext
from standards.kinds.base import Env
from standards.kinds.deadline.due import DueRuntime
from standards.kinds.deadline.excused import ExcusedRuntime
from standards.kinds.deadline.followup import FollowupRuntime
from standards.kinds.deadline.minimum import MinimumRuntime
from standards.kinds.deadline.params import DeadlineParams
from standards.kinds.deadline.runtime import DeadlineRuntime

__all__ = ["DeadlineParams", "DeadlineRuntime", "build"]


def build(ctx: RuleContext, env: Env, params: DeadlineParams) -> DeadlineRuntime:
    if params.bound == "min":
        return MinimumRuntime(ctx, env, params)
    if params.excused_by is not None:
        return ExcusedRuntime(ctx, env, params)
    if params.followup is not None:
        return FollowupRuntime(ctx, env, params)
    return DueRuntime(ctx, env, params)
