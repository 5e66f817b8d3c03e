"""The reviewed document: a run's source document written again with the reviewed pairs' targets.

``apply-review`` of a run that translated a document with markup (HTML, Markdown, ...) writes the document
again (by :func:`pipeline.components.write_document`) with each source sentence's reviewed target:

* a pair's target goes to the first source sentence it aligns (a 0-1 pair's, whose target has no source: to the
  sentence its translation was made from; a document is translated sentence by sentence, so target sentence j is
  source sentence j's translation); the other sentences of a many-sentence pair give no text of their own;
  the parts of a split sentence are joined again with a space;
* a sentence no reviewed pair gives a target (its pair rejected, or left without a translation) keeps its source
  text, with its codes: nothing of the document is lost, and :func:`sentence_targets` says which;
* a code of the source sentence that the reviewed target lost (an edit without it, a pair that was not one-to-one)
  is put back by rule at the edge of the target nearer to where it stood, so the written document is as
  well-formed as the source.

:func:`check_source` makes sure the document read again is the one the run translated (its sentences are the
pairs' sources), so a changed file is an error rather than a document with translations in the wrong places.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.errors import InputError
from pipeline.read.codes import SegmentedBlocks, collapse_whitespace
from pipeline.records import AlignedPair, InlineCode, SentenceTarget

__all__ = ["check_source", "sentence_targets"]


def one_line(text: str) -> str:
    """``text`` as a pair's source holds it: whitespace runs as one space, the ends stripped."""
    return collapse_whitespace(text)[0]


def check_source(pairs: Sequence[AlignedPair], blocks: SegmentedBlocks, where: str) -> None:
    """:class:`InputError` unless every pair's source is the text of its sentences in ``blocks`` (the run's pairs,
    before any decision: the document ``where`` read again must be the one the run translated)."""
    sents = blocks.seg.sentences
    for p in pairs:
        if any(i >= len(sents) for i in p.src_idx):
            raise InputError(
                f"source document {where} has {len(sents)} sentences, but pair {p.id} of the run aligns sentence "
                f"{max(p.src_idx) + 1}: it is not the document the run translated",
                "pass the document as it was translated with --source FILE",
            )
        text = " ".join(one_line(sents[i].text) for i in p.src_idx)
        if p.src_idx and text != p.src:
            raise InputError(
                f"source document {where} is not the one the run translated: its sentence {p.src_idx[0] + 1} reads "
                f"{text[:60]!r}, the run's pair {p.id} {p.src[:60]!r}",
                "pass the document as it was translated with --source FILE",
            )


def sentence_targets(
    pairs: Sequence[AlignedPair], blocks: SegmentedBlocks
) -> tuple[list[SentenceTarget | None], list[int]]:
    """Per source sentence of ``blocks`` its reviewed target (None: none, it keeps its source text), and the
    (0-based) sentences that keep their source text."""
    sents = blocks.seg.sentences
    parts: dict[int, list[SentenceTarget]] = {}
    absorbed: set[int] = set()  # the later sentences of a many-sentence pair with a target
    for p in pairs:
        anchor = p.src_idx[0] if p.src_idx else p.tgt_idx[0] if p.tgt_idx else None
        if anchor is None or anchor >= len(sents) or not p.tgt.strip():
            continue
        parts.setdefault(anchor, []).append((p.tgt, p.tgt_codes))
        absorbed.update(p.src_idx[1:])
    targets: list[SentenceTarget | None] = []
    kept: list[int] = []
    for i, s in enumerate(sents):
        if i in parts:
            text, codes = _joined(parts[i])
            targets.append((text, _with_lost_codes(codes, blocks.codes[i], text, len(one_line(s.text)))))
        elif i in absorbed:
            targets.append(("", ()))  # its text is in the first sentence's target
        else:
            targets.append(None)
            kept.append(i)
    return targets, kept


def _joined(parts: Sequence[tuple[str, tuple[InlineCode, ...]]]) -> SentenceTarget:
    text = ""
    codes: list[InlineCode] = []
    for t, cs in parts:
        if text:
            text += " "
        codes += [c.moved(c.start + len(text), c.end + len(text), by_rule=c.by_rule) for c in cs]
        text += t
    return text, tuple(codes)


def _with_lost_codes(
    codes: tuple[InlineCode, ...], source: tuple[InlineCode, ...], text: str, src_len: int
) -> tuple[InlineCode, ...]:
    """``codes`` and each code of ``source`` they lack, put back by rule at the nearer edge of ``text``."""
    have = {c.id for c in codes}
    lost = []
    for c in source:
        if c.id not in have:
            edge = 0 if c.start + c.end < src_len else len(text)
            lost.append(c.moved(edge, edge, by_rule=True))
    return tuple(sorted((*codes, *lost), key=lambda c: (c.start, c.id))) if lost else codes
