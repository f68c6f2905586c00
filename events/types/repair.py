"""Repair (故障处理) event data. Money is in CNY: a JSON number or a decimal string, held as Decimal."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, with_config
from typing_extensions import TypedDict

from events.types.common import DATA_CONFIG, Empty, Id, Money


@with_config(DATA_CONFIG)
class TicketOpened(TypedDict):
    area: Literal["urban", "rural"]
    customer: Id
    important_customer: bool
    monthly_fee: Money


@with_config(DATA_CONFIG)
class VisitScheduled(TypedDict):
    appointment_at: AwareDatetime


@with_config(DATA_CONFIG)
class CustomerNotified(TypedDict):
    reason: Literal["delay", "resolved"]


@with_config(DATA_CONFIG)
class TicketResolved(TypedDict):
    cause: Literal["network", "terminal", "other"]


@with_config(DATA_CONFIG)
class FeeWaived(TypedDict):
    amount: Money
    period_start: AwareDatetime
    period_end: AwareDatetime


DATA: dict[str, type] = {
    "repair.ticket.opened": TicketOpened,
    "repair.visit.scheduled": VisitScheduled,
    "repair.visit.arrived": Empty,
    "repair.customer.notified": CustomerNotified,
    "repair.ticket.resolved": TicketResolved,
    "repair.fee.waived": FeeWaived,
}
