"""Every page of the dashboard, in menu order: its key (for links and strings), its script."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VIEWS = Path(__file__).parent / "views"


@dataclass(frozen=True)
class PageSpec:
    key: str
    """`page.<key>` is its title in the strings catalog; `?page=` deep links use it too."""
    script: str

    @property
    def path(self) -> Path:
        return VIEWS / self.script


PAGES: tuple[PageSpec, ...] = (
    PageSpec("scorecard", "overview.py"),
    PageSpec("drilldown", "drilldown.py"),
    PageSpec("rules", "rules.py"),
    PageSpec("violations", "violations.py"),
    PageSpec("at_risk", "at_risk.py"),
    PageSpec("standards", "standards.py"),
    PageSpec("whatif", "whatif.py"),
    PageSpec("pipeline", "pipeline.py"),
    PageSpec("report", "report.py"),
)
