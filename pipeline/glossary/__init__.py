"""Glossaries: terms that must be translated one way, checked in the output and optionally kept by force.

* :func:`load_glossary` / :func:`load_glossaries` read TBX, CSV/TSV and YAML files into a
  :class:`Glossary` (:mod:`pipeline.glossary.load` describes the formats);
* :func:`find_terms` finds its terms in a source sentence (English inflection), and
  :func:`target_has_form` an accepted form in a translation (Russian/Ukrainian case endings, Korean
  particles), see :mod:`pipeline.glossary.match`;
* :func:`term_missing` is the QA check: pair index -> which terms are missing, with their forms;
* :func:`protect` and :func:`restore` keep terms through any translator as placeholders
  (``glossary.enforce``); :func:`translate_terms` does both around a translator call, for both runners,
  see :mod:`pipeline.glossary.enforce`.

Nothing here reads a file except the loaders; nothing imports translate-toolkit until a TBX is read.
"""

from __future__ import annotations

from pipeline.glossary.check import DESCRIPTION, FLAG, check_terms, missing_terms, term_counts, term_missing
from pipeline.glossary.config import GlossaryConfig
from pipeline.glossary.enforce import (
    PLACEHOLDER,
    Enforced,
    Slot,
    placeholder_pattern,
    protect,
    protect_texts,
    restore,
    restore_texts,
    terms_signature,
    translate_terms,
)
from pipeline.glossary.load import FORM_SEPARATOR, GLOSSARY_SUFFIXES, load_glossaries, load_glossary, run_glossary
from pipeline.glossary.match import TermMatch, find_terms, normalise, target_has_form
from pipeline.glossary.model import ANY_LANG, Entry, Glossary, lang_key

__all__ = [
    "ANY_LANG",
    "DESCRIPTION",
    "FLAG",
    "FORM_SEPARATOR",
    "GLOSSARY_SUFFIXES",
    "PLACEHOLDER",
    "Enforced",
    "Entry",
    "Glossary",
    "GlossaryConfig",
    "Slot",
    "TermMatch",
    "check_terms",
    "find_terms",
    "lang_key",
    "load_glossaries",
    "load_glossary",
    "missing_terms",
    "normalise",
    "placeholder_pattern",
    "protect",
    "protect_texts",
    "restore",
    "restore_texts",
    "run_glossary",
    "target_has_form",
    "term_counts",
    "term_missing",
    "terms_signature",
    "translate_terms",
]
