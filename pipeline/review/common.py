"""Shared by the review page and ``apply-review``: the decisions format and sentence cuts."""

from __future__ import annotations

from pipeline.errors import ConfigError
from pipeline.segment import get_segmenter

#: Version tag of the review page data and of the decisions file it exports.
DECISIONS_FORMAT = "pipeline-review/1"


def sentence_spans(text: str, lang: str, n: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (code point offsets) by the rule segmenter for ``lang``.

    With ``n`` (the bead's number of sentence indices) and a segmentation into a different number of
    sentences, the text is cut proportionally into ``n`` equal spans instead, so every index gets a span.
    """

    try:
        spans = get_segmenter(lang).spans(text) if text.strip() else []
    except ConfigError:
        spans = []
    if n is not None and n > 1 and len(spans) != n:
        size = len(text) / n
        return [(round(k * size), round((k + 1) * size)) for k in range(n)]
    return spans or [(0, len(text))]


def sentence_cuts(text: str, lang: str) -> list[int]:
    """Offsets where the 2nd, 3rd, ... sentence of ``text`` starts (what "split into sentences" cuts at)."""
    return [s for s, _ in sentence_spans(text, lang)[1:]]
