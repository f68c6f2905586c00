"""Business-hall traffic: hall days, visits, devices, stains, product briefings.

Background traffic stays far inside every limit; each injected case is built to
one side of its limit (or exactly on it) and recorded in the ground truth.
"""

from __future__ import annotations

from datetime import date

from events.simulator.calendar import add_working_days, plain_span
from events.simulator.context import Context, between
from events.simulator.curve import HALL_CURVE, arrivals, volume
from events.simulator.group import Group, Unit
from events.simulator.ratio import RatioBook
from events.simulator.timefmt import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, iso, local_date
from events.simulator.timefmt import local_month as month_of
from events.simulator.timefmt import weekday as weekday_of
from events.simulator.world import Province

BRANDS: tuple[str, ...] = ("gotone_vip", "gotone", "mzone", "easyown", "new_customer")
BRAND_CUMULATIVE: tuple[float, ...] = (0.06, 0.22, 0.52, 0.9, 1.0)
GOTONE = frozenset({"gotone_vip", "gotone"})
WAIT_LIMIT_MS = {"gotone_vip": 10 * MINUTE_MS, "gotone": 15 * MINUTE_MS}
DEFAULT_WAIT_LIMIT_MS = 30 * MINUTE_MS
OPENING_HOURS = {"township": 8}
DEFAULT_OPENING_HOURS = 10
REPAIR_WORKING_DAYS = {"city1": 2, "city2": 2, "city3": 3, "county": 4, "suburb": 4, "township": 5}
SELF_SERVICES: tuple[str, ...] = (
    "number_selection", "bill_query", "bill_printing", "payment", "online_business",
)  # fmt: skip
TOWNSHIP_REQUIRED: tuple[str, ...] = ("bill_query", "bill_printing")
STAIN_LIMIT_MS = 5 * MINUTE_MS
BRIEFING_LEAD_MS = 48 * HOUR_MS
SATISFACTION = ("overall", "politeness", "consultation", "handling")
BUSINESS = ("bill_payment", "plan_change", "sim_replacement", "new_line", "broadband", "inquiry")
DEVICE_TYPES = ("number_selection", "bill_printer", "payment_kiosk", "business_terminal")
AREAS = ("entrance", "waiting_area", "counter", "self_service_zone")
PRODUCTS = ("5g-plan-2026", "family-broadband", "roaming-pack", "cloud-phone", "migu-video")
VISITS_PER_DAY = 120
FAULTS_PER_DAY = 0.25  # incidents do not grow with --scale: they are per hall, not per visit
OVERFLOW_GAP_MS = 20 * MINUTE_MS  # background visits begin after the overflow cluster's window


def _jlist(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ",".join(f'"{item}"' for item in items) + "]"


class HallSim:
    """Generates every hall event type for the halls of the given provinces."""

    def __init__(self, ctx: Context, provinces: list[Province], ratios: RatioBook) -> None:
        self._ctx = ctx
        self._ratios = ratios
        self._halls = [(hall, tier) for p in provinces for hall, tier in p.halls]

    def day(self, day_ms: int) -> list[Group]:
        groups: list[Group] = []
        for hall, tier in self._halls:
            _HallDay(self._ctx, self._ratios, hall, tier, day_ms, groups).build()
        return groups


class _HallDay:
    """One hall's day: its opening, its visits and its incidents."""

    def __init__(
        self,
        ctx: Context,
        ratios: RatioBook,
        hall: Unit,
        tier: str,
        day_ms: int,
        out: list[Group],
    ) -> None:
        self.ctx, self.ratios, self.hall, self.tier, self.day = ctx, ratios, hall, tier, day_ms
        self.out = out
        self.date = local_date(day_ms)
        self.rng = ctx.rng("hall", hall.unit, self.date)
        self.subject = f"{hall.unit}:{self.date}"
        self.key = f"{hall.unit}:{self.date.replace('-', '')}"
        self.gotone_waiting: list[int] = []  # when each waiting gotone customer stops waiting

    def build(self) -> None:
        """Every draw happens whatever the window, so overlapping runs agree on content."""
        rng, ctx = self.rng, self.ctx
        open_ms = self.day + 8 * HOUR_MS + 30 * MINUTE_MS - rng.randrange(0, 10) * MINUTE_MS
        min_ms = OPENING_HOURS.get(self.tier, DEFAULT_OPENING_HOURS) * HOUR_MS
        close_ms = open_ms + min_ms + 90 * MINUTE_MS
        day_accepted = ctx.accept(open_ms)
        opened = Group(self.hall, self.subject, open_ms)
        hours_case = ctx.draw(rng, "hall.opening_hours")
        shortfall = between(rng, 1, 120 * 60) * SECOND_MS
        if hours_case is not None:
            close_ms = open_ms + min_ms - (shortfall if hours_case else 0)
            opened.case("hall.opening_hours", self.subject, hours_case)
        opened.add(open_ms, "hall.day.opened", self.subject, self._attributes(opened))
        opened.add(close_ms, "hall.day.closed", self.subject)
        self._keep(opened, day_accepted)
        self._overflow(open_ms, day_accepted)
        self._visits(open_ms + OVERFLOW_GAP_MS, close_ms - 75 * MINUTE_MS)
        self._incidents(open_ms, close_ms, day_accepted)

    def _keep(self, group: Group, accepted: bool) -> None:
        if accepted and self.ctx.accept(group.start):
            self.out.append(group)

    def _attributes(self, opened: Group) -> str:
        rng, township = self.rng, self.tier == "township"
        counters = between(rng, 2, 3) if township else between(rng, 5, 12)
        rest, queue = not township, not township
        services: list[str] = list((*TOWNSHIP_REQUIRED, "payment") if township else SELF_SERVICES)
        queue_case = self.ctx.draw(rng, "hall.queue_system")
        if queue_case is not None:
            queue = False
            if queue_case:
                counters, rest = between(rng, 4, 8), True
            elif rng.random() < 0.5:
                counters, rest = 3, True
            else:
                counters, rest = 4, False
            opened.case("hall.queue_system", self.subject, queue_case)
        offer_case = self.ctx.draw(rng, "hall.self_service_offer")
        if offer_case is not None:
            services = self._offer(offer_case)
            opened.case("hall.self_service_offer", self.subject, offer_case)
        return (
            f'{{"tier":"{self.tier}","counters":{counters},'
            f'"has_rest_area":{"true" if rest else "false"},'
            f'"queue_system":{"true" if queue else "false"},"self_service":{_jlist(services)}}}'
        )

    def _offer(self, violation: bool) -> list[str]:
        """Services just short of (violation) or exactly at the tier's requirement."""
        rng = self.rng
        if self.tier == "township":
            if violation:
                return [rng.choice(TOWNSHIP_REQUIRED), "payment"]
            return list(TOWNSHIP_REQUIRED)
        needed = 4 if self.tier in ("county", "suburb") else len(SELF_SERVICES)
        return rng.sample(SELF_SERVICES, needed - 1 if violation else needed)

    def _overflow(self, open_ms: int, day_accepted: bool) -> None:
        """hall.priority_overflow: a non-gotone customer served while gotone ones wait.

        Violation: three gotone customers wait. Compliant at the limit: two wait.
        """
        case = self.ctx.draw(self.rng, "hall.priority_overflow")
        if case is None:
            return
        group = Group(self.hall, f"{self.key}:ovf", open_ms + 30 * SECOND_MS)
        t0 = open_ms + MINUTE_MS
        waiting = 3 if case else 2
        other = f"{self.key}:ovf0"
        self._served_visit(group, other, "mzone", t0 - 30 * SECOND_MS, t0 + MINUTE_MS, survey=False)
        for i in range(1, waiting + 1):
            checkin = t0 + i * 10 * SECOND_MS
            start = t0 + (3 + i) * MINUTE_MS
            self._served_visit(group, f"{self.key}:ovf{i}", "gotone", checkin, start, survey=False)
        group.case("hall.priority_overflow", other, case)
        self._keep(group, day_accepted)

    def _visits(self, first: int, last: int) -> None:
        rng, ctx = self.rng, self.ctx
        weekend = weekday_of(self.day) >= 5
        mean = VISITS_PER_DAY * ctx.scale * (1.2 if weekend else 1.0)
        times = arrivals(rng, self.day, first, last, volume(rng, mean), HALL_CURVE)
        for n, checkin in enumerate(times):
            brand = rng.choices(BRANDS, cum_weights=BRAND_CUMULATIVE)[0]
            self.gotone_waiting = [t for t in self.gotone_waiting if t > checkin]
            if brand in GOTONE and len(self.gotone_waiting) >= 2:
                brand = "mzone"  # keeps background from ever having three gotone waiting
            subject = f"{self.key}:v{n:04d}"
            group = Group(self.hall, subject, checkin)
            live = ctx.accept(checkin)
            limit = WAIT_LIMIT_MS.get(brand, DEFAULT_WAIT_LIMIT_MS)
            case = ctx.draw(rng, "hall.wait_time")
            abandon = rng.random()
            if case is None:
                end = checkin + int(limit * rng.uniform(0.02, 0.6))
            else:
                end = checkin + limit + (between(rng, 1, 20 * 60) * SECOND_MS if case else 0)
                group.case("hall.wait_time", subject, case)
            if case is None and abandon < 0.03:
                end = checkin + int(limit * rng.uniform(0.1, 0.5))
                self._abandoned_visit(group, subject, brand, checkin, end)
            elif case and abandon < 0.3:
                end = checkin + limit + between(rng, 5 * 60, 30 * 60) * SECOND_MS
                self._abandoned_visit(group, subject, brand, checkin, end)
            else:
                self._served_visit(group, subject, brand, checkin, end, survey=live)
            if brand in GOTONE:
                self.gotone_waiting.append(end)
            if live:
                self.out.append(group)

    def _checked_in(self, group: Group, subject: str, brand: str, at: int) -> None:
        customer = self.ctx.customer(self.rng)
        group.add(
            at, "hall.visit.checked_in", subject, f'{{"brand":"{brand}","customer":"{customer}"}}'
        )

    def _abandoned_visit(self, group: Group, subject: str, brand: str, at: int, end: int) -> None:
        self._checked_in(group, subject, brand, at)
        group.add(end, "hall.visit.abandoned", subject)

    def _served_visit(
        self, group: Group, subject: str, brand: str, at: int, start: int, *, survey: bool
    ) -> None:
        rng = self.rng
        self._checked_in(group, subject, brand, at)
        counter = f'"counter":"{between(rng, 1, 8):02d}"'
        group.add(
            start - min(20 * SECOND_MS, (start - at) // 2),
            "hall.visit.called",
            subject,
            f"{{{counter}}}",
        )
        staff = f"{self.hall.unit}-S{between(rng, 1, 20):02d}"
        group.add(start, "hall.visit.service_started", subject, f'{{{counter},"staff":"{staff}"}}')
        done = start + between(rng, 3 * 60, 15 * 60) * SECOND_MS
        business = rng.choice(BUSINESS)
        group.add(done, "hall.visit.service_completed", subject, f'{{"business":"{business}"}}')
        if rng.random() < 0.3:
            at_survey = done + between(rng, 10, 180) * SECOND_MS
            if not survey:  # a group outside the window: its answers must not be dealt
                return
            month = month_of(at_survey)
            answers = ",".join(
                f'"{dim}":{"true" if self.ratios.answer(group, f"hall.satisfaction.{dim}", self.hall, month) else "false"}'
                for dim in SATISFACTION
            )
            group.add(at_survey, "hall.visit.survey", subject, f"{{{answers}}}")

    def _incidents(self, open_ms: int, close_ms: int, day_accepted: bool) -> None:
        rng = self.rng
        if rng.random() < FAULTS_PER_DAY:
            self._fault(open_ms, close_ms, day_accepted)
        for k in range(between(rng, 0, 2)):
            self._stain(k, between(rng, open_ms + 30 * MINUTE_MS, close_ms - 60 * MINUTE_MS))
        if rng.random() < 0.1:
            self._briefing(between(rng, open_ms, open_ms + 30 * MINUTE_MS))

    def _fault(self, open_ms: int, close_ms: int, day_accepted: bool) -> None:
        """hall.device_repair, counted in working days; cases only on plain working days."""
        rng = self.rng
        at = self.day + between(rng, 9 * 3600, 16 * 3600) * SECOND_MS
        at = max(open_ms + 10 * MINUTE_MS, min(at, close_ms - 2 * HOUR_MS))
        k = between(rng, 1, len(DEVICE_TYPES))
        device = f"{self.hall.unit}-D{k}"
        subject = f"{device}:{self.date.replace('-', '')}"
        group = Group(self.hall, subject, at)
        limit_days = REPAIR_WORKING_DAYS[self.tier]
        deadline = add_working_days(at, limit_days)
        eligible = (
            day_accepted
            and weekday_of(at) < 5
            and plain_span(date.fromisoformat(self.date), date.fromisoformat(local_date(deadline)))
        )
        case = self.ctx.draw(rng, "hall.device_repair")
        resolved = at + between(rng, 30, 180) * MINUTE_MS
        if case is not None and eligible:
            resolved = deadline + (between(rng, 60, 6 * 3600) * SECOND_MS if case else 0)
            group.case("hall.device_repair", subject, case)
        data = f'{{"device":"{device}","device_type":"{DEVICE_TYPES[k - 1]}"}}'
        group.add(at, "hall.device.fault_reported", subject, data)
        group.add(resolved, "hall.device.fault_resolved", subject, f'{{"device":"{device}"}}')
        self._keep(group, True)

    def _stain(self, k: int, at: int) -> None:
        rng = self.rng
        subject = f"{self.key}:s{k}"
        group = Group(self.hall, subject, at)
        case = self.ctx.draw(rng, "hall.stain_cleanup")
        cleaned = at + between(rng, 60, 180) * SECOND_MS
        if case is not None:
            cleaned = at + STAIN_LIMIT_MS + (between(rng, 1, 20 * 60) * SECOND_MS if case else 0)
            group.case("hall.stain_cleanup", subject, case)
        area = f'{{"area":"{rng.choice(AREAS)}"}}'
        group.add(at, "hall.stain.reported", subject, area)
        group.add(cleaned, "hall.stain.cleaned", subject, area)
        self._keep(group, True)

    def _briefing(self, at: int) -> None:
        rng = self.rng
        subject = f"{self.key}:b"
        group = Group(self.hall, subject, at)
        case = self.ctx.draw(rng, "hall.product_briefing")
        launch = at + between(rng, 5, 10) * DAY_MS
        if case is not None:
            launch = at + BRIEFING_LEAD_MS - (between(rng, 1, 47 * 3600) * SECOND_MS if case else 0)
            group.case("hall.product_briefing", subject, case)
        data = f'{{"product":"{rng.choice(PRODUCTS)}","launch_at":"{iso(launch)}"}}'
        group.add(at, "hall.product.briefed", subject, data)
        self._keep(group, True)
