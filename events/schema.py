"""JSON Schemas of the contract, generated from the models and committed.

Channel teams validate against `events/schemas/*.json` without Python; a unit
test regenerates them and fails when the committed files are stale. Regenerate
with `python -m events.schema`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from events.envelope import EVENT_MODELS, Envelope
from events.types import CONTRACT_VERSION

SCHEMA_DIR = Path(__file__).with_name("schemas")
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _schema(name: str, model: type[BaseModel]) -> dict[str, Any]:
    body = model.model_json_schema()
    return {
        "$schema": DIALECT,
        "$id": f"urn:svc-standards:events:{CONTRACT_VERSION}:{name}",
        "x-contract-version": CONTRACT_VERSION,
        **body,
    }


def schemas() -> dict[str, str]:
    """File name → schema text, for the envelope and every type."""
    models: dict[str, type[BaseModel]] = {"envelope": Envelope, **EVENT_MODELS}
    return {
        f"{name}.json": json.dumps(_schema(name, model), indent=2, ensure_ascii=False) + "\n"
        for name, model in models.items()
    }


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema and remove schemas of types no longer in the contract."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = schemas()
    for stale in directory.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    paths = []
    for name, text in wanted.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    print(f"wrote {len(write())} schemas to {SCHEMA_DIR}", file=sys.stderr)
