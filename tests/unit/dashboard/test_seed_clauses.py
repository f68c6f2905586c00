"""Every clause a rule cites has its text, and that text is the seed's, word for word."""

from __future__ import annotations

from pathlib import Path

from dashboard.clauses import PREFIX, clause_text, references
from dashboard.i18n import catalog
from standards.loader import load_standards

SEED = Path(__file__).resolve().parents[3] / "docs" / "seed"


def _seed_text() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.txt"))).replace(
        "\n", ""
    )


def test_every_quoted_clause_is_verbatim_from_the_seed() -> None:
    seed = _seed_text()
    quoted = {key: texts["zh"] for key, texts in catalog().items() if key.startswith(PREFIX)}
    assert quoted
    for key, zh in quoted.items():
        assert zh in seed, key


def test_every_reference_of_every_rule_file_has_its_text() -> None:
    cited = {
        reference
        for standard in load_standards()
        for rule in standard.rules
        for reference in references(rule.clause)
    }
    assert {r for r in cited if clause_text(r, "zh") is None} == set()


def test_references_split_and_drop_qualifiers() -> None:
    assert references("HL 2.1(6), HL 1.1(5), GS 2.4") == ["HL 2.1(6)", "HL 1.1(5)", "GS 2.4"]
    assert references("SC, CH 1.8 by analogy") == ["SC", "CH 1.8"]
    assert clause_text("CH 9.9.9", "en") is None
