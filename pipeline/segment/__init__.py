"""Segmentation stage: text -> paragraphs -> sentences, with exact offsets into the original text.

``get_segmenter(lang)`` gives a rule-based segmenter for any language code (specific rules for en, ru,
uk and ko, generic rules otherwise); ``segment_document`` also drops page furniture and reports it.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..langs import lang_code
from ..records import Dropped, Segmentation, Sentence
from .base import Segmenter
from .config import SEGMENTERS, SegmentConfig
from .furniture import DEFAULT_FURNITURE, furniture_rules, match_furniture
from .paragraphs import split_lines, split_paragraphs
from .rules import RuleSegmenter, rules_for

__all__ = [
    "DEFAULT_FURNITURE",
    "LineSegmenter",
    "RuleSegmenter",
    "SEGMENTERS",
    "SegmentConfig",
    "Segmenter",
    "get_segmenter",
    "rule_segmenter",
    "segment_document",
    "segment_lines",
    "split_paragraphs",
]


class LineSegmenter:
    """Presegmented text: every non-empty line is one sentence."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.name = "lines.v1"

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of the non-empty lines."""
        return split_lines(text)


def rule_segmenter(lang: str) -> RuleSegmenter:
    """The rule-based segmenter for ``lang`` (specific rules for en, ru, uk, ko; generic ones otherwise)."""
    return RuleSegmenter(lang, rules_for(lang))


def get_segmenter(lang: str, name: str = "rules") -> Segmenter:
    """A segmenter for ``lang``; ConfigError for a bad language code or an unknown name."""
    lang_code(lang, normalise=False)
    segmenter: Segmenter = SEGMENTERS.load(name)(lang)
    return segmenter


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
