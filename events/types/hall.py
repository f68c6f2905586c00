"""Hall (营业厅) event data; the hall's static attributes come with `hall.day.opened`."""

from __future__ import annotations

from typing import Literal, NotRequired

from pydantic import AwareDatetime, with_config
from typing_extensions import TypedDict

from events.types.common import DATA_CONFIG, Count, Empty, Id

Tier = Literal["city1", "city2", "city3", "county", "suburb", "township"]
Brand = Literal["gotone_vip", "gotone", "mzone", "easyown", "new_customer"]

# Canonical names of self-service functions (CH 1.7.2); other names are allowed.
SELF_SERVICES: tuple[str, ...] = (
    "number_selection",
    "bill_query",
    "bill_printing",
    "payment",
    "online_business",
)


@with_config(DATA_CONFIG)
class DayOpened(TypedDict):
    tier: Tier
    counters: Count
    has_rest_area: bool
    queue_system: bool
    self_service: list[str]


@with_config(DATA_CONFIG)
class VisitCheckedIn(TypedDict):
    brand: Brand
    customer: Id


@with_config(DATA_CONFIG)
class VisitCalled(TypedDict):
    counter: Id


@with_config(DATA_CONFIG)
class VisitServiceStarted(TypedDict):
    counter: Id
    staff: Id


@with_config(DATA_CONFIG)
class VisitServiceCompleted(TypedDict):
    business: Id


@with_config(DATA_CONFIG)
class VisitSurvey(TypedDict):
    """Each answer: satisfied or not; an absent answer was not asked."""

    overall: NotRequired[bool]
    politeness: NotRequired[bool]
    consultation: NotRequired[bool]
    handling: NotRequired[bool]


@with_config(DATA_CONFIG)
class DeviceFaultReported(TypedDict):
    device: Id
    device_type: Id


@with_config(DATA_CONFIG)
class DeviceFaultResolved(TypedDict):
    device: Id


@with_config(DATA_CONFIG)
class Stain(TypedDict):
    area: Id


@with_config(DATA_CONFIG)
class ProductBriefed(TypedDict):
    product: Id
    launch_at: AwareDatetime


DATA: dict[str, type] = {
    "hall.day.opened": DayOpened,
    "hall.day.closed": Empty,
    "hall.visit.checked_in": VisitCheckedIn,
    "hall.visit.called": VisitCalled,
    "hall.visit.service_started": VisitServiceStarted,
    "hall.visit.service_completed": VisitServiceCompleted,
    "hall.visit.abandoned": Empty,
    "hall.visit.survey": VisitSurvey,
    "hall.device.fault_reported": DeviceFaultReported,
    "hall.device.fault_resolved": DeviceFaultResolved,
    "hall.stain.reported": Stain,
    "hall.stain.cleaned": Stain,
    "hall.product.briefed": ProductBriefed,
}
