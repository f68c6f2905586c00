"""The JSON Schema of the rule file format, exported for editors (committed, kept fresh by a test)."""

from __future__ import annotations

import json
from pathlib import Path

from standards.model import Standard

SCHEMA_FILE = Path(__file__).parent / "rule-file.schema.json"


def rule_file_schema() -> str:
    schema = Standard.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "svc-standards rule file"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> None:
    path.write_text(rule_file_schema(), encoding="utf-8")
