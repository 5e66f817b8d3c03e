"""Glossary records: a source term and its accepted target forms per language."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

__all__ = ["ANY_LANG", "Entry", "Glossary", "forms_text", "lang_key", "merge_entries"]

#: The language of forms given without one (a ``source,target`` CSV, a plain YAML map): they apply
#: to whatever target language the run has.
ANY_LANG = "*"


def lang_key(code: str) -> str:
    """The primary language subtag of a code, lowercased: ``uk-UA`` -> ``uk``, ``ko_KR`` -> ``ko``, ``*`` -> ``*``."""
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


@dataclass(frozen=True)
class Entry:
    """One glossary term.

    ``targets`` maps a language (its primary subtag, or :data:`ANY_LANG`) to the accepted target forms
    in order of preference: the first is the one :func:`pipeline.glossary.restore` puts in. ``where``
    is ``file:line`` of the definition, for messages.
    """

    source: str
    targets: tuple[tuple[str, tuple[str, ...]], ...]
    case_sensitive: bool = False
    where: str = field(default="", compare=False)

    def forms(self, lang: str) -> tuple[str, ...]:
        """Accepted forms for ``lang`` (those of the language, then those given for any language)."""
        key = lang_key(lang)
        out: list[str] = []
        for k, forms in self.targets:
            if k == key:
                out += forms
        for k, forms in self.targets:
            if k == ANY_LANG:
                out += forms
        return tuple(dict.fromkeys(out))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.targets)


@dataclass(frozen=True)
class Glossary:
    """Terms of one or more glossary files (source language ``src_lang``)."""

    entries: tuple[Entry, ...]
    src_lang: str = "en"
    sources: tuple[str, ...] = ()  # the files it was read from

    def for_lang(self, tgt_lang: str) -> Glossary:
        """The entries with at least one accepted form in ``tgt_lang``, each reduced to that language."""
        key = lang_key(tgt_lang)
        kept = []
        for e in self.entries:
            forms = e.forms(key)
            if forms:
                kept.append(Entry(e.source, ((key, forms),), e.case_sensitive, e.where))
        return Glossary(tuple(kept), self.src_lang, self.sources)

    @property
    def languages(self) -> tuple[str, ...]:
        """Target languages named in the glossary (``*`` for forms given without a language)."""
        return tuple(dict.fromkeys(k for e in self.entries for k in e.languages))

    def __len__(self) -> int:
        return len(self.entries)

    def digest(self) -> str:
        """A short hash of the terms and their forms (not of the files' names): what a run's output depends on."""
        data = [self.src_lang, [[e.source, e.case_sensitive, [[k, list(f)] for k, f in e.targets]] for e in self]]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def merged(self, other: Glossary) -> Glossary:
        """This glossary's entries and ``other``'s, merged as :func:`merge_entries` does."""
        return Glossary(merge_entries([*self.entries, *other.entries]), self.src_lang, (*self.sources, *other.sources))


def _key(e: Entry) -> tuple[str, bool]:
    return (e.source if e.case_sensitive else e.source.casefold(), e.case_sensitive)


def merge_entries(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """Entries with the same source term (and case rule) become one, their forms joined in order.

    Two rows for one term in a CSV, or the same term in two files, thus add accepted forms, as a
    translator adding a synonym expects. Order of first appearance is kept.
    """
    merged: dict[tuple[str, bool], Entry] = {}
    for e in entries:
        k = _key(e)
        if k not in merged:
            merged[k] = e
            continue
        old = merged[k]
        langs: dict[str, list[str]] = {}
        for lang, forms in (*old.targets, *e.targets):
            langs.setdefault(lang, [])
            langs[lang] += [f for f in forms if f not in langs[lang]]
        merged[k] = Entry(old.source, tuple((k2, tuple(v)) for k2, v in langs.items()), old.case_sensitive, old.where)
    return tuple(merged.values())


def forms_text(forms: Sequence[str]) -> str:
    """Forms for a message: ``Курськ or Курщина``."""
    return " or ".join(forms)
