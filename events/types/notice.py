"""Notice (告知) event data: planned maintenance and tariff changes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, with_config
from typing_extensions import TypedDict

from events.types.common import DATA_CONFIG, Count, Id


@with_config(DATA_CONFIG)
class MaintenancePlanned(TypedDict):
    starts_at: AwareDatetime
    expected_hours: Annotated[float, Field(gt=0)]
    affected_customers: Count
    important_customers: bool
    approval: Id | None


@with_config(DATA_CONFIG)
class MaintenanceAnnounced(TypedDict):
    """When customers were told, and how (sms, app, …)."""

    channel: Id


@with_config(DATA_CONFIG)
class TariffPublished(TypedDict):
    effective_at: AwareDatetime


DATA: dict[str, type] = {
    "notice.maintenance.planned": MaintenancePlanned,
    "notice.maintenance.announced": MaintenanceAnnounced,
    "notice.tariff.published": TariffPublished,
}
