"""Segmentation stage: text -> paragraphs -> sentences, with exact offsets into the original text.

``get_segmenter(lang)`` gives a rule-based segmenter for any language code (specific rules for en, ru,
uk and ko, generic rules otherwise); ``segment_document`` also drops page furniture and reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from ..errors import ConfigError
from ..langs import lang_code
from ..records import Dropped, Segmentation, Sentence
from .furniture import DEFAULT_FURNITURE, furniture_rules, match_furniture
from .paragraphs import split_lines, split_paragraphs
from .rules import RuleSegmenter, rules_for

__all__ = [
    "DEFAULT_FURNITURE",
    "LineSegmenter",
    "RuleSegmenter",
    "Segmenter",
    "get_segmenter",
    "known_segmenters",
    "register_segmenter",
    "segment_document",
    "segment_lines",
    "split_paragraphs",
]


@runtime_checkable
class Segmenter(Protocol):
    """Splits text into sentence spans."""

    name: str  # versioned, e.g. "rules-en.v2"; goes into output signatures
    lang: str

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans (offsets into ``text``, whitespace trimmed, strictly increasing)."""
        ...


class LineSegmenter:
    """Presegmented text: every non-empty line is one sentence."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.name = "lines.v1"

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of the non-empty lines."""
        return split_lines(text)


SegmenterFactory = Callable[[str], Segmenter]

_REGISTRY: dict[str, SegmenterFactory] = {
    "rules": lambda lang: RuleSegmenter(lang, rules_for(lang)),
    "lines": LineSegmenter,
}


def known_segmenters() -> list[str]:
    """Registered segmenter names, sorted."""
    return sorted(_REGISTRY)


def register_segmenter(name: str, factory: SegmenterFactory) -> None:
    """Register (or replace) a segmenter factory under ``name``."""
    _REGISTRY[name] = factory


def get_segmenter(lang: str, name: str = "rules") -> Segmenter:
    """A segmenter for ``lang``; ConfigError for a bad language code or an unknown name."""
    lang_code(lang, normalise=False)
    factory = _REGISTRY.get(name)
    if factory is None:
        raise ConfigError(
            f"unknown segmenter {name!r}", f"use one of: {', '.join(repr(n) for n in known_segmenters())}"
        )
    return factory(lang)


def segment_document(
    text: str, lang: str, *, segmenter: str = "rules", furniture: Sequence[str] | None = None
) -> Segmentation:
    """Split ``text`` into sentences; whole-paragraph furniture is dropped and reported.

    ``furniture=None`` uses DEFAULT_FURNITURE, ``()`` drops nothing. Paragraphs are numbered over all
    paragraphs of the input (dropped ones included); sentences 0..n-1 across the document.
    """
    seg = get_segmenter(lang, segmenter)
    rules = furniture_rules(furniture)
    sentences: list[Sentence] = []
    dropped: list[Dropped] = []
    for pi, (ps, pe) in enumerate(split_paragraphs(text)):
        para = text[ps:pe]
        rule = match_furniture(para, rules)
        if rule is not None:
            dropped.append(Dropped(para, ps, pe, pi, f"furniture:{rule.pattern}"))
            continue
        for s, e in seg.spans(para):
            sentences.append(Sentence(len(sentences), para[s:e], ps + s, ps + e, pi))
    return Segmentation(sentences=tuple(sentences), dropped=tuple(dropped))


def segment_lines(text: str) -> Segmentation:
    """Presegmented mode: each non-empty line is a sentence; paragraph = index of its blank-line block."""
    sentences: list[Sentence] = []
    for pi, (ps, pe) in enumerate(split_paragraphs(text)):
        para = text[ps:pe]
        for s, e in split_lines(para):
            sentences.append(Sentence(len(sentences), para[s:e], ps + s, ps + e, pi))
    return Segmentation(sentences=tuple(sentences))
