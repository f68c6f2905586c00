"""The catalog of measurable clauses (STANDARDS-CATALOG.md) as data: what rule files may name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CATALOG_FILE = Path(__file__).parent / "catalog.yaml"


@dataclass(frozen=True, slots=True)
class CatalogRule:
    id: str
    clause: str
    optional: bool


@cache
def catalog() -> tuple[CatalogRule, ...]:
    raw = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    return tuple(
        CatalogRule(entry["id"], str(entry["clause"]), bool(entry.get("optional", False)))
        for entry in raw["rules"]
    )


def catalog_ids() -> frozenset[str]:
    return frozenset(rule.id for rule in catalog())
