"""The committed JSON Schema of the rule file matches the models, and the rule files satisfy it."""

from __future__ import annotations

import json

import jsonschema
import yaml

from standards.loader import RULES_DIR, standard_files
from standards.schema import SCHEMA_FILE, rule_file_schema


def test_committed_schema_is_fresh() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == rule_file_schema(), (
        "stale: run `svcstd standards schema`"
    )


def test_rule_files_validate_against_the_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    for path in standard_files(RULES_DIR):
        document = json.loads(
            json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str)
        )
        jsonschema.validate(document, schema)


def test_schema_rejects_an_unknown_kind() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    document = json.loads(
        json.dumps(
            yaml.safe_load((RULES_DIR / "cmcc-service" / "v1.yaml").read_text(encoding="utf-8")),
            default=str,
        )
    )
    document["rules"][0]["kind"] = "telepathy"
    try:
        jsonschema.validate(document, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("an unknown kind passed the schema")
