"""The ``term_missing`` check: a source has a glossary term, its target none of the term's accepted forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.glossary.match import find_terms, target_has_form
from pipeline.glossary.model import Entry, Glossary, forms_text
from pipeline.records import AlignedPair

__all__ = ["DESCRIPTION", "FLAG", "check_terms", "missing_terms", "term_counts", "term_missing"]

#: The QA flag (and check name) this module sets.
FLAG = "term_missing"
DESCRIPTION = "a glossary term of the source has none of its accepted forms in the target"


def missing_terms(src: str, tgt: str, glossary: Glossary, tgt_lang: str) -> list[Entry]:
    """Entries found in ``src`` whose accepted ``tgt_lang`` forms are all absent from ``tgt`` (in source order).

    ``glossary`` may hold several languages: only entries with forms in ``tgt_lang`` are considered.
    """
    return _missing(src, tgt, glossary.for_lang(tgt_lang), tgt_lang)


def _missing(src: str, tgt: str, local: Glossary, tgt_lang: str) -> list[Entry]:
    seen: dict[tuple[str, bool], Entry] = {}
    for m in find_terms(local, src):
        seen.setdefault((m.entry.source, m.entry.case_sensitive), m.entry)
    return [
        e
        for e in seen.values()
        if not target_has_form(e.forms(tgt_lang), tgt, tgt_lang, case_sensitive=e.case_sensitive)
    ]


def check_terms(
    pairs: Sequence[AlignedPair], glossary: Glossary, tgt_lang: str
) -> tuple[dict[int, str], dict[str, Any]]:
    """:func:`term_missing` and :func:`term_counts` in one pass over ``pairs`` (what the QA check runs)."""
    flagged: dict[int, str] = {}
    local = glossary.for_lang(tgt_lang)
    checked = occurrences = 0
    misses: dict[str, int] = {}
    for i, p in enumerate(pairs if local.entries else ()):
        if not p.src.strip() or not p.tgt.strip():
            continue
        found = {(m.entry.source, m.entry.case_sensitive) for m in find_terms(local, p.src)}
        if not found:
            continue
        checked += 1
        occurrences += len(found)
        missing = _missing(p.src, p.tgt, local, tgt_lang)
        for e in missing:
            misses[e.source] = misses.get(e.source, 0) + 1
        if missing:
            flagged[i] = "; ".join(f"{e.source} (expected {forms_text(e.forms(tgt_lang))})" for e in missing)
    stats = {
        "terms": len(local.entries),
        "pairs_with_terms": checked,
        "terms_checked": occurrences,  # distinct terms per pair, summed over pairs
        "missing": sum(misses.values()),
        "missing_by_term": dict(sorted(misses.items())),
    }
    return flagged, stats


def term_missing(pairs: Sequence[AlignedPair], glossary: Glossary, tgt_lang: str) -> dict[int, str]:
    """Index of each pair (in ``pairs``) that misses a glossary term -> a detail naming the terms and their forms.

    Pairs with an empty source or target are left to the ``empty_target`` check. The detail is one line,
    e.g. ``Zelenskyy (expected Зеленський); Kursk (expected Курськ or Курщина)``.
    """
    return check_terms(pairs, glossary, tgt_lang)[0]


def term_counts(pairs: Sequence[AlignedPair], glossary: Glossary, tgt_lang: str) -> dict[str, Any]:
    """Statistics for a run report: pairs with terms, terms checked (distinct per pair), misses per term."""
    return check_terms(pairs, glossary, tgt_lang)[1]
