"""Inline codes through segmentation and translation, for the documents of readers with markup.

1. :func:`segment_blocks`: each block is segmented on its own (a sentence never crosses a block), and two
   sentences that a paired code encloses parts of are one sentence (a sentence never cuts a code), so
   ``My name <b>is</b> Michael.`` is one sentence with one bold code; a line break's code is not a sentence end.
2. :func:`protect_codes`: before the model, each code of a sentence becomes placeholders of
   :mod:`pipeline.placeholders` (the glossary's too, one numbering): one for an isolated code (a line break,
   an image), one before and one after the words a paired code encloses.
3. :func:`restore_codes`: after the model, the placeholders are taken out of the translation and each code is
   put where the model put its placeholders. A code whose placeholder the model dropped (or a pair it put in
   the wrong order) is never lost: it is put back by rule, at the edge of the sentence nearer to where it was
   in the source, and marked ``by_rule`` (the pair is flagged ``tag_mismatch``).
4. :func:`translated_blocks`: the blocks again, with their sentences' translations and codes, for the reader
   to write the translated document.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from pipeline.placeholders import PLACEHOLDER, free_numbers, placeholder_pattern
from pipeline.read.base import Block
from pipeline.records import InlineCode, Segmentation, Sentence

__all__ = [
    "CodeSlot",
    "SegmentedBlocks",
    "collapse_whitespace",
    "protect_codes",
    "restore_codes",
    "segment_blocks",
    "translated_blocks",
]

Spans = list[tuple[int, int]]
_SPACE = re.compile(r"\s+")
_BY_START = attrgetter("start", "id")  # the order of a sentence's codes (as _order)
_PUNCT = re.compile(r"[.,;:!?)\]}»”’…%]")  # a placeholder before these keeps no space after it


@dataclass(frozen=True)
class SegmentedBlocks:
    """The sentences of a document's blocks (``paragraph`` = the block's index) and each sentence's codes, at
    offsets into the sentence's text (whitespace collapsed, as the model is given it)."""

    seg: Segmentation
    codes: tuple[tuple[InlineCode, ...], ...]


def collapse_whitespace(text: str) -> tuple[str, Sequence[int]]:
    """``text`` with whitespace runs as one space and the ends stripped, and where each offset of ``text``
    (0..len) lands in it."""
    if " ".join(text.split()) == text:  # the common case: only lone spaces between words, nothing to collapse
        return text, range(len(text) + 1)
    out: list[str] = []
    where: list[int] = []
    space = False  # inside a run of whitespace (after some text): one space comes before the next letter
    for ch in text:
        where.append(len(out) + (1 if space and out else 0))  # the boundary before ``ch``
        if ch.isspace():
            space = True
            continue
        if space and out:
            out.append(" ")
        space = False
        out.append(ch)
    where.append(len(out))
    result = "".join(out)
    return result, [min(w, len(result)) for w in where]


def _merge_crossed(spans: Spans, codes: Sequence[InlineCode]) -> Spans:
    """Join consecutive sentence spans that a paired code starts in one of and ends in another."""
    if len(spans) < 2:
        return spans
    paired = [c for c in codes if not c.isolated and c.start != c.end]
    if not paired:
        return spans
    merged = list(spans)
    changed = True
    while changed:
        changed = False
        starts = [a for a, _ in merged]
        ends = [b for _, b in merged]
        for c in paired:
            first = bisect_right(starts, c.start) - 1  # the span with a <= c.start < b, if any
            if first < 0 or c.start >= ends[first]:
                continue
            last = bisect_left(ends, c.end)  # the span with a < c.end <= b, if any
            if last < len(merged) and starts[last] < c.end and last > first:
                merged[first : last + 1] = [(merged[first][0], merged[last][1])]
                changed = True
                break
    return merged


def _owner(spans: Spans, code: InlineCode) -> int:
    """The sentence a code belongs to: the one containing it; one between sentences goes with the next."""
    for k, (a, b) in enumerate(spans):
        if a <= code.start and code.end <= b and (code.start < b or code.isolated or k == len(spans) - 1):
            return k
    for k, (a, _) in enumerate(spans):
        if code.start <= a:
            return k
    return len(spans) - 1


def segment_blocks(blocks: Sequence[Block], spans_of: Callable[[str], Spans]) -> SegmentedBlocks:
    """Sentences of every block (``spans_of``: a segmenter's ``spans``), with their codes; blocks without text
    give no sentence."""
    collecting = gc.isenabled()
    gc.disable()  # many small records and no cycles: collecting while they grow is waste
    try:
        return _segment_blocks(blocks, spans_of)
    finally:
        if collecting:
            gc.enable()


def _segment_blocks(blocks: Sequence[Block], spans_of: Callable[[str], Spans]) -> SegmentedBlocks:
    sentences: list[Sentence] = []
    codes: list[tuple[InlineCode, ...]] = []
    for bi, block in enumerate(blocks):
        text, block_codes = block.text, block.codes
        if not text or text.isspace():
            continue
        spans = spans_of(text) or [(0, len(text))]
        if not block_codes:  # no codes: each sentence as the segmenter found it
            for a, b in spans:
                sentences.append(Sentence(len(sentences), text[a:b], a, b, bi))
                codes.append(())
            continue
        spans = _merge_crossed(spans, block_codes)
        if len(spans) == 1:
            mine = [list(block_codes)]
        else:
            mine = [[] for _ in spans]
            for c in block_codes:
                mine[_owner(spans, c)].append(c)
        for (a, b), own in zip(spans, mine, strict=True):
            if own:
                a = min(a, min(c.start for c in own))  # a code just outside the sentence's span goes with it
                b = max(b, max(c.end for c in own))
            raw = text[a:b]
            sentences.append(Sentence(len(sentences), raw, a, b, bi))
            codes.append(_codes_in(raw, a, own))
    return SegmentedBlocks(Segmentation(tuple(sentences)), tuple(codes))


def _codes_in(raw: str, a: int, own: list[InlineCode]) -> tuple[InlineCode, ...]:
    """The codes ``own`` at offsets of sentence ``raw`` (which starts at ``a`` of its block), whitespace
    collapsed, in order."""
    if not own:
        return ()
    _, where = collapse_whitespace(raw)
    if a == 0 and isinstance(where, range):  # the offsets stay: the codes as they are
        moved = [c if not c.by_rule else c.moved(c.start, c.end) for c in own]
    else:
        moved = [c.moved(where[c.start - a], where[c.end - a]) for c in own]
    if len(moved) > 1:
        moved.sort(key=_BY_START)
    return tuple(moved)


def _order(c: InlineCode) -> tuple[int, int]:
    return (c.start, c.id)


@dataclass(frozen=True)
class CodeSlot:
    """A code of a sentence and the placeholder numbers that stand for it (``close`` None: an isolated code)."""

    code: InlineCode
    open: int
    close: int | None


def protect_codes(text: str, codes: Sequence[InlineCode]) -> tuple[str, tuple[CodeSlot, ...]]:
    """``text`` (a sentence, whitespace collapsed) with each code's placeholders written in, space-separated."""
    if not codes:
        return text, ()
    numbers = iter(free_numbers(text, sum(1 if c.isolated else 2 for c in codes)))
    slots = tuple(CodeSlot(c, next(numbers), None if c.isolated else next(numbers)) for c in codes)
    marks: list[tuple[int, int, int]] = []  # (offset, order at that offset, number): closing first, then opening
    for s in slots:
        if s.close is None:
            marks.append((s.code.start, 1, s.open))
        else:
            marks.append((s.code.start, 2, s.open))
            marks.append((s.code.end, 0, s.close))
    out: list[str] = []
    pos = 0
    for offset, _, n in sorted(marks):
        out.append(text[pos:offset])
        after = text[offset : offset + 1]
        out.append(f" {PLACEHOLDER.format(n=n)}" + ("" if after and _PUNCT.match(after) else " "))
        pos = offset
    out.append(text[pos:])
    return _SPACE.sub(" ", "".join(out)).strip(), slots


def restore_codes(translation: str, slots: Sequence[CodeSlot], src_len: int) -> tuple[str, tuple[InlineCode, ...]]:
    """The translation without the placeholders, and each slot's code where the model put it (``by_rule``
    where it did not: see the module's docstring; ``src_len`` is the source sentence's length)."""
    if not slots:
        return translation, ()
    found: dict[int, tuple[int, int]] = {}
    for s in slots:
        for n in (s.open, s.close):
            if n is not None and (m := placeholder_pattern(n).search(translation)) is not None:
                found[n] = m.span()
    cuts = sorted((span, n) for n, span in found.items())
    at: dict[int, int] = {}
    pos = 0
    done = ""
    for (a, b), n in cuts:
        if a < pos:  # overlapping matches cannot happen with distinct numbers; keep the first
            continue
        done = _join(done, translation[pos:a])
        if done.endswith(" ") and _PUNCT.match(translation[b:].lstrip()[:1] or "x"):
            done = done.rstrip()  # the mark stands before punctuation: so does the code
        at[n] = len(done)
        pos = b
    done = _join(done, translation[pos:])
    text, where = collapse_whitespace(done)
    pos_of = {n: where[p] for n, p in at.items()}
    codes: list[InlineCode] = []
    for s in slots:
        codes.append(_place(s, pos_of, text, src_len))
    return text, tuple(sorted(codes, key=_order))


def _join(done: str, piece: str) -> str:
    """``done`` + ``piece`` where a placeholder was taken out between them: one space at most, none before
    punctuation."""
    if done.endswith(" ") or not done:
        piece = piece.lstrip()
    if _PUNCT.match(piece.lstrip()[:1] or "x") and done.endswith(" "):
        done, piece = done.rstrip(), piece.lstrip()
    return done + piece


def _place(s: CodeSlot, pos_of: dict[int, int], text: str, src_len: int) -> InlineCode:
    c = s.code
    edge = 0 if c.start + c.end < src_len else len(text)  # the edge nearer to where the code was
    if s.close is None:
        return c.moved(pos_of[s.open], pos_of[s.open]) if s.open in pos_of else c.moved(edge, edge, by_rule=True)
    start, end = pos_of.get(s.open), pos_of.get(s.close)
    by_rule = start is None or end is None or start > end
    if start is None and end is None:
        start = end = edge
    elif start is None or end is None:
        start, end = (0, end) if start is None else (start, len(text))
    elif start > end:  # the pair in the wrong order
        start, end = end, start
    assert start is not None and end is not None
    end = max(start, len(text[:end].rstrip()))  # not around the space before the closing mark
    return c.moved(start, end, by_rule=by_rule)


def translated_blocks(
    blocks: Sequence[Block], segmented: SegmentedBlocks, targets: Sequence[tuple[str, tuple[InlineCode, ...]]]
) -> list[Block]:
    """Every block with its sentences' translations (``targets[i]`` for sentence i: text and codes), joined by a
    space; a block without sentences is unchanged."""
    per_block: dict[int, list[int]] = {}
    for s in segmented.seg.sentences:
        per_block.setdefault(s.paragraph, []).append(s.idx)
    out: list[Block] = []
    for bi, block in enumerate(blocks):
        idx = per_block.get(bi)
        if not idx:
            out.append(block)
            continue
        text = ""
        codes: list[InlineCode] = []
        for i in idx:
            t, cs = targets[i]
            if text and t:
                text += " "
            codes += [c.moved(c.start + len(text), c.end + len(text), by_rule=c.by_rule) for c in cs]
            text += t
        out.append(Block(block.id, block.kind, text, tuple(codes)))
    return out
