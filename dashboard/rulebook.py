"""What the dashboard shows about a rule: its clause, its title in both languages, its
KPI target, and the star bands; read from the newest rule file of each standard."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from standards.kinds.ratio import RatioParams
from standards.loader import load_standards
from standards.model import Standard, StarBand


@dataclass(frozen=True)
class RuleInfo:
    clause: str
    title_zh: str
    title_en: str
    target: float | None
    """A ratio rule's target (e.g. 0.9 satisfied); None for rules judged case by case."""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


@cache
def _newest() -> tuple[Standard, ...]:
    newest: dict[str, Standard] = {}
    for standard in load_standards():
        newest[standard.standard] = standard
    return tuple(newest.values())


@cache
def rules() -> dict[str, RuleInfo]:
    found: dict[str, RuleInfo] = {}
    for standard in _newest():
        for rule in standard.rules:
            target = rule.params.target if isinstance(rule.params, RatioParams) else None
            found[rule.id] = RuleInfo(rule.clause, rule.description.zh, rule.description.en, target)
    return found


def rule_info(rule: str) -> RuleInfo | None:
    return rules().get(rule)


DEFAULT_BANDS: tuple[StarBand, ...] = (
    StarBand(stars=5, min_score=0.98),
    StarBand(stars=4, min_score=0.95),
    StarBand(stars=3, min_score=0.90),
    StarBand(stars=2, min_score=0.80),
    StarBand(stars=1, min_score=0.0),
)


@cache
def star_bands() -> tuple[StarBand, ...]:
    """The star thresholds of the rule file (星级评定), highest first."""
    for standard in _newest():
        if standard.scoring is not None:
            return tuple(sorted(standard.scoring.stars, key=lambda b: -b.min_score))
    return DEFAULT_BANDS


def stars(rate: float | None) -> int | None:
    """The star rating of a compliance rate: the highest band whose minimum it reaches."""
    if rate is None:
        return None
    return next((b.stars for b in star_bands() if rate >= b.min_score), 1)


def star_text(count: int | None, missing: str) -> str:
    return missing if count is None else "★" * count + "☆" * (5 - count)
