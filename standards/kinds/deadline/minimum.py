"""Mode `minimum`: the span must last at least the limit (`bound: min`: a hall open its
full hours). Judged when the end comes; a clock that never ends is forgotten after the
exempt retention, and a cancel stops it."""

from __future__ import annotations

from collections.abc import Sequence

from events.envelope import Envelope
from standards.kinds.deadline.clock import Clock
from standards.kinds.deadline.runtime import DeadlineRuntime
from standards.verdicts import Verdict


class MinimumRuntime(DeadlineRuntime):
    publishes_clocks = False  # a span that must last: nothing to miss by a deadline

    def _opened(self, clock: Clock) -> None:
        self._evict_after(clock, self.env.retain_exempt, clock.deadline)

    def _ended(self, clock: Clock, end: Envelope) -> Sequence[Verdict]:
        del self._clocks[end.subject]
        short = end.time - clock.origin < clock.limit
        return self._finish(clock, end, violated=short)
