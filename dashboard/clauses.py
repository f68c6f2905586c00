"""A rule's clause reference → the clause's text, quoted from the seed documents.

A rule file's `clause` may cite several references ("HL 2.1(6), HL 1.1(5), GS 2.4")
or qualify one ("SC, CH 1.8 by analogy"); each reference has its text in the
strings catalog under `seed.<reference>` (dashboard/strings/seed_clauses.yaml).
"""

from __future__ import annotations

from dashboard.i18n import catalog, text

PREFIX = "seed."
QUALIFIERS = (" by analogy",)


def references(clause: str) -> list[str]:
    """The references a clause field cites, in order, qualifiers dropped."""
    found = []
    for part in clause.split(","):
        ref = part.strip()
        for qualifier in QUALIFIERS:
            ref = ref.removesuffix(qualifier)
        if ref:
            found.append(ref)
    return found


def clause_text(reference: str, lang: str) -> str | None:
    """The seed's text of one reference, or None when the seed holds none for it."""
    key = PREFIX + reference
    return text(key, lang) if key in catalog() else None
