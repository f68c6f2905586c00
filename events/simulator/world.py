"""Who emits: provinces and their units (halls, call centers, IVR platforms, …)."""

from __future__ import annotations

from dataclasses import dataclass

from events.simulator.group import Unit

# The 31 provincial companies, busiest first so that `--provinces 3` is a fair sample.
PROVINCES: tuple[str, ...] = (
    "GD", "BJ", "SH", "ZJ", "JS", "SD", "HA", "SC", "HB", "HN", "FJ", "HE", "AH", "LN",
    "SN", "CQ", "JX", "GX", "YN", "SX", "HL", "GZ", "JL", "NM", "TJ", "XJ", "GS", "HI",
    "NX", "QH", "XZ",
)  # fmt: skip

TIERS: tuple[str, ...] = ("city1", "city2", "city3", "county", "suburb", "township")


@dataclass(frozen=True)
class Province:
    """One provincial company and the units the simulator runs for it."""

    code: str
    halls: tuple[tuple[Unit, str], ...]  # (unit, tier)
    call_center: Unit
    ivr: Unit
    repair_teams: tuple[Unit, ...]
    complaints: Unit
    noc: Unit


def build_province(code: str, halls: int) -> Province:
    """Unit ids are stable (`GD-H0001`, `GD-CC1`, …), so runs with one seed agree."""
    return Province(
        code=code,
        halls=tuple(
            (Unit(code, f"{code}-H{n:04d}", "hall", "halls"), TIERS[(n - 1) % len(TIERS)])
            for n in range(1, halls + 1)
        ),
        call_center=Unit(code, f"{code}-CC1", "hotline", "callcenters"),
        ivr=Unit(code, f"{code}-IVR1", "ivr", "ivr"),
        repair_teams=tuple(Unit(code, f"{code}-RT{n}", "repair", "repair") for n in (1, 2)),
        complaints=Unit(code, f"{code}-CMP", "complaint", "complaints"),
        noc=Unit(code, f"{code}-NOC", "notice", "noc"),
    )


def parse_provinces(spec: str) -> tuple[str, ...]:
    """`3` means the first three provinces; `GD,BJ` names them."""
    spec = spec.strip()
    if spec.isdigit():
        count = int(spec)
        if not 1 <= count <= len(PROVINCES):
            raise ValueError(f"provinces must be 1..{len(PROVINCES)}, got {count}")
        return PROVINCES[:count]
    codes = tuple(code.strip().upper() for code in spec.split(",") if code.strip())
    unknown = [code for code in codes if code not in PROVINCES]
    if unknown or not codes:
        raise ValueError(f"unknown province code(s): {', '.join(unknown) or spec!r}")
    return codes
