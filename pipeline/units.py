"""From segmented source to aligned target units: the translation unit (sentence or paragraph).

``sentence``: each source sentence is translated alone; link i is (i)->(i) by construction. When an
aligner is given, it re-aligns the document independently and each link takes the aligner's score for
that same 1-1 bead (0.0 where the aligner disagrees), so a bad translation shows up as a low score.

``paragraph``: the sentences of a paragraph are translated together (chunked under the model's token
limit), the output is segmented with the target-language segmenter, and the aligner links source and
target sentences inside each chunk; the links carry the aligner's scores.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.align import Aligner
from pipeline.records import Link, Segmentation, Sentence
from pipeline.translate import Output, Translator

log = logging.getLogger(__name__)

BY_CONSTRUCTION = "by-construction.v1"


class SegmenterLike(Protocol):
    def spans(self, text: str) -> list[tuple[int, int]]: ...


@dataclass(frozen=True)
class Units:
    """Target units and the links from source sentences to them."""

    tgt: list[str]
    mt_scores: list[float | None]  # the model's confidence for the output each target unit came from
    links: list[Link]
    aligner: str
    failed: dict[int, str] = field(default_factory=dict)  # source sentence index -> why it has no translation


def one_line(text: str) -> str:
    return " ".join(text.split())


def sentence_units(
    seg: Segmentation,
    translator: Translator,
    *,
    aligner: Aligner | None,
    src_lang: str,
    tgt_lang: str,
) -> Units:
    sents = seg.sentences
    outputs = translator.translate([one_line(s.text) for s in sents])
    _check_count(outputs, len(sents))
    tgt = [o.text for o in outputs]
    failed = {i: o.error for i, o in enumerate(outputs) if o.error is not None}
    links = [Link((i,), (i,), 1.0) for i in range(len(sents))]
    name = BY_CONSTRUCTION
    if aligner is not None:
        checked = aligner.align([one_line(s.text) for s in sents], tgt, src_lang=src_lang, tgt_lang=tgt_lang)
        agree = {(lk.src_idx, lk.tgt_idx): lk.score for lk in checked}
        links = [Link(lk.src_idx, lk.tgt_idx, agree.get((lk.src_idx, lk.tgt_idx), 0.0)) for lk in links]
        disagree = sum(1 for lk in links if (lk.src_idx, lk.tgt_idx) not in agree)
        if disagree:
            log.info("aligner check: %d of %d sentence links not confirmed by %s", disagree, len(links), aligner.name)
        name = f"{BY_CONSTRUCTION}+checked:{aligner.name}"
    return Units(tgt, [o.score for o in outputs], links, name, failed)


def chunk_paragraphs(
    sents: Sequence[Sentence], count_tokens: Callable[[Sequence[str]], list[int]] | None, limit: int
) -> list[list[Sentence]]:
    """Consecutive sentences of one paragraph, as many per chunk as fit in ``limit`` tokens."""
    lengths = count_tokens([one_line(s.text) for s in sents]) if count_tokens else [0] * len(sents)
    chunks: list[list[Sentence]] = []
    used = 0
    for s, n in zip(sents, lengths, strict=True):
        if chunks and chunks[-1][-1].paragraph == s.paragraph and used + n <= limit:
            chunks[-1].append(s)
            used += n
        else:
            chunks.append([s])
            used = n
    return chunks


def paragraph_units(
    seg: Segmentation,
    translator: Translator,
    *,
    aligner: Aligner,
    tgt_segmenter: SegmenterLike,
    src_lang: str,
    tgt_lang: str,
    max_tokens: int,
) -> Units:
    count = getattr(translator, "count_tokens", None)
    chunks = chunk_paragraphs(seg.sentences, count, max_tokens)
    outputs = translator.translate([" ".join(one_line(s.text) for s in c) for c in chunks])
    _check_count(outputs, len(chunks))
    tgt: list[str] = []
    mt: list[float | None] = []
    links: list[Link] = []
    failed: dict[int, str] = {}
    for chunk, out in zip(chunks, outputs, strict=True):
        if out.error is not None:
            failed.update({s.idx: out.error for s in chunk})
        pieces = [one_line(out.text[a:b]) for a, b in tgt_segmenter.spans(out.text)]
        pieces = [p for p in pieces if p]
        local = aligner.align([one_line(s.text) for s in chunk], pieces, src_lang=src_lang, tgt_lang=tgt_lang)
        base_src, base_tgt = chunk[0].idx, len(tgt)
        for lk in local:
            links.append(
                Link(tuple(base_src + i for i in lk.src_idx), tuple(base_tgt + j for j in lk.tgt_idx), lk.score)
            )
        tgt += pieces
        mt += [out.score] * len(pieces)
    return Units(tgt, mt, links, aligner.name, failed)


def _check_count(outputs: Sequence[Output], expected: int) -> None:
    if len(outputs) != expected:
        raise RuntimeError(f"translator returned {len(outputs)} outputs for {expected} inputs")
