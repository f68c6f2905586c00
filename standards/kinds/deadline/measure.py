"""How a deadline rule measures a clock and words it: one of three, fixed per rule.

- `Elapsed`: seconds from the origin (a duration limit, or a positive anchor offset);
- `Ahead`: seconds before the anchor (a negative offset: a notice due that long before);
- `WorkingDays`: working days of the rule's calendar (limits in whole working days).
"""

from __future__ import annotations

from datetime import datetime

from standards.calendar import WorkingDays as Calendar
from standards.emit import Text2, duration_detail
from standards.kinds.deadline.clock import Clock
from standards.kinds.deadline.params import Display


class Measure:
    """The base: how a clock's span is measured at a moment, and what verdicts report."""

    name: str

    def of(self, clock: Clock, at: datetime) -> float:
        """The span measured at `at`, in this measure's unit."""
        raise NotImplementedError

    def unended(self, clock: Clock, at: datetime) -> float | None:
        """What a violation raised at the deadline, with no end event, reports as measured."""
        return self.of(clock, at)

    def checked(self, clock: Clock, at: datetime) -> float | None:
        """The value a check carries."""
        return self.of(clock, at)

    def limit(self, clock: Clock) -> float:
        return clock.limit.total_seconds()

    def detail(self, measured: float | None, limit: float) -> Text2:
        """The violation's wording, in both languages."""
        raise NotImplementedError

    def uncovered(self, clock: Clock, at: datetime) -> bool:
        """True when the count reached a year the calendar does not know."""
        return False


class Elapsed(Measure):
    """Seconds from the origin, shown in the rule's `display` unit."""

    name = "seconds"

    def __init__(self, display: Display, *, minimum: bool) -> None:
        self.display = display
        self.minimum = minimum

    def of(self, clock: Clock, at: datetime) -> float:
        return (at - clock.origin).total_seconds()

    def detail(self, measured: float | None, limit: float) -> Text2:
        assert measured is not None
        return duration_detail(measured, limit, self.display, minimum=self.minimum)


class Ahead(Measure):
    """Seconds before the anchor; nothing to measure when the end never came."""

    name = "lead_seconds"

    def of(self, clock: Clock, at: datetime) -> float:
        return (clock.origin - at).total_seconds()

    def unended(self, clock: Clock, at: datetime) -> float | None:
        return None

    def checked(self, clock: Clock, at: datetime) -> float | None:
        return None

    def detail(self, measured: float | None, limit: float) -> Text2:
        if measured is None:
            return Text2(
                f"截止前未发生，要求提前 {limit / 3600:.0f} 小时",
                f"never happened, due {limit / 3600:.0f} h ahead",
            )
        return Text2(
            f"提前 {measured / 3600:.1f} 小时，要求不少于 {limit / 3600:.0f} 小时",
            f"{measured / 3600:.1f} h ahead, at least {limit / 3600:.0f} h required",
        )


class WorkingDays(Measure):
    """Working days of the rule's calendar, which may not cover every year it reaches."""

    name = "working_days"

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar

    def of(self, clock: Clock, at: datetime) -> float:
        return self.calendar.elapsed(clock.origin, at)

    def limit(self, clock: Clock) -> float:
        return clock.limit.days

    def detail(self, measured: float | None, limit: float) -> Text2:
        assert measured is not None
        return Text2(
            f"实际 {measured:.2f} 个工作日，上限 {limit:.0f} 个工作日",
            f"took {measured:.2f} working days, limit {limit:.0f} working days",
        )

    def uncovered(self, clock: Clock, at: datetime) -> bool:
        """A count that reaches a year the calendar does not know is flagged, never passed
        off as exact."""
        return not self.calendar.covers(clock.origin, max(clock.deadline, at))
