"""Load rule files from disk; a bad file is rejected with the file and reason."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from events.errors import UserError
from standards.model import Standard

RULES_DIR = Path(__file__).parent / "rules"


def load_standard(path: Path) -> Standard:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Standard.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise UserError(f"{path}: {exc}") from exc


def load_standards(directory: Path = RULES_DIR) -> list[Standard]:
    """Every rule file under `directory`, oldest version first."""
    standards = [load_standard(p) for p in sorted(directory.rglob("*.yaml"))]
    return sorted(standards, key=lambda s: (s.standard, s.version))
