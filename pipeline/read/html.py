"""HTML pages, "document" mode: every translatable text of the page is a block, written back in place.

Blocks, in the order of the source (ids 1, 2, ...):

* the text of block-level elements, each a run of inline content between block boundaries: ``p`` (``paragraph``;
  ``quote`` in a ``blockquote``), ``h1``-``h6`` (``heading``), ``li``/``dt``/``dd`` (``list_item``), ``td``/``th``
  (``table_cell``), ``caption``/``figcaption``/``legend`` (``caption``), ``blockquote`` (``quote``), text directly
  in ``div``, ``section``, ``body``, ``option``, ``summary``, ... (``other``); ``label`` and ``button`` are blocks
  in ``div``/``form``-like containers and inline codes in text containers (``p``, ``li``, ``td``, ...); an unknown
  element is inline, as in a browser;
* ``<title>`` (``title``); the ``content`` of ``<meta>`` named (``name``/``property``) ``description``,
  ``og:title``, ``og:description``, ``twitter:title``, ``twitter:description`` (``meta``);
* the attributes ``alt``, ``title``, ``placeholder``, ``aria-label``, and ``value`` of ``<input>`` of type submit,
  button or reset (``attribute``).

The metadata: ``title`` (the first ``<title>``), ``description`` (``<meta name="description">``), and ``author``
and ``date`` where a ``<meta>`` declares them (``author``; ``date``, ``article:published_time``).

Inline markup is stand-off :class:`InlineCode` s on the block's text: a paired code for an inline element
(``My name <b>is</b> Michael.``: one block, a bold code at 8:10; opening and closing are the tags as written, a
closing the page left out is ``""`` and stays out); an isolated code for ``br``, ``img``, ``wbr``, ``input``, a
comment, a stray end tag, and a whole ``code``/``kbd``/``samp``/``var``/``svg``/``math``/``script``/``style``/
``textarea`` element or one marked ``translate="no"`` or ``class="notranslate"`` (its opening is all its markup).
Misnested inline tags give overlapping codes (an end tag closes the latest open element of its name). A ``<br>``
is an isolated code followed by a space in the text (none is added where whitespace is next to it), so words do
not glue and no sentence ends there; a changed block writes that space after the ``<br>``. Whitespace runs
(source line breaks too) are one space, the ends stripped; an opening in a run of whitespace goes after its
space, a closing before it. Character references are decoded as a browser does (``&amp`` without ``;`` too).

Left as they are, giving no blocks: ``script``, ``style``, ``pre``, ``listing``, ``xmp``, ``plaintext``,
``template``, ``textarea`` content, ``code``-like elements, comments, doctypes, processing instructions, CDATA,
and an element marked ``translate="no"`` or ``class="notranslate"`` with all of its content and attributes (the
own attributes of ``pre``, ``code``, ``textarea``, ... are read). Malformed pages get a browser's block structure:
the HTML5 tokenizer (:mod:`pipeline.read.html_tokens`) and tree construction (:mod:`pipeline.read.html_tree`): the
end tags that ``p``, ``li``, ``dt``/``dd``, ``td``/``th``/``tr``, ``option`` and headings imply, end tags looked
up in their scope (a stray one ignored, as is a table cell outside a table), a table in a paragraph of a page
without a doctype (quirks), svg and math content; inline formatting is not carried across blocks.

The skeleton is the decoded page and where each block lies in it. Writing puts back every character outside the
blocks; a block whose text and codes are unchanged as its original source, a changed one as its escaped text with
its codes' markup at their new offsets (a code the translation lost goes at the block's end: no markup is lost),
an attribute in its own quotes. So ``write(doc, doc.blocks)`` is the input, byte for byte, in the input's
encoding and byte-order mark; a character the encoding cannot carry is a numeric character reference.

Untrusted input: nothing is fetched or opened; a page over :data:`MAX_BYTES`, an empty file and binary data are
:class:`InputError` s; a page of markup only is a document without blocks. Reading is linear in the page's size.
"""

from __future__ import annotations

import bisect
import gc
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter

from pipeline.errors import InputError
from pipeline.read import html_tokens as tk
from pipeline.read.article import ArticleReader
from pipeline.read.base import Block, SourceDocument
from pipeline.read.config import ReadConfig
from pipeline.read.html_runs import Slot
from pipeline.read.html_tree import Builder

__all__ = ["MAX_BYTES", "HtmlReader", "HtmlSkeleton", "make_reader"]

#: the largest page read (bytes)
MAX_BYTES = 50 * 1024 * 1024
_NEW = 1 << 62  # the source offset of a code the translation added: after all others
_Mark = tuple[
    int, "tuple[int, int, int] | None", tuple[int, int], str
]  # source offset, order if nested, (id, end), markup


class HtmlReader:
    name = "html"
    extensions = (".html", ".htm")

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        if len(data) > MAX_BYTES:
            raise InputError(
                f"input file {where} is {len(data) / 2**20:.0f} MB, more than the {MAX_BYTES // 2**20} MB an HTML "
                "page may have",
                "split the page into smaller ones",
            )
        source, bom, codec = tk.decode_page(data, where, lang)
        collecting = gc.isenabled()
        gc.disable()  # a page's blocks are many small objects and no cycles: collecting while they grow is waste
        try:
            builder = Builder(source)
            builder.feed()
            found = sorted(builder.found, key=itemgetter(0))  # by where each block starts
            for i, f in enumerate(found):
                f[4].block = i
            blocks = tuple(Block(i + 1, kind, text, codes) for i, (_, kind, text, codes, _) in enumerate(found))
        finally:
            if collecting:
                gc.enable()
        spans, attrs = [f[4] for f in found if f[4].kind != "attr"], [f[4] for f in found if f[4].kind == "attr"]
        skeleton = HtmlSkeleton(source, bom, codec, spans, attrs)
        return SourceDocument("html", "html", blocks, encoding=codec, skeleton=skeleton, metadata=builder.metadata)

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes:
        if not isinstance(doc.skeleton, HtmlSkeleton):
            raise ValueError("not a document of the html reader")
        if [b.id for b in blocks] != [b.id for b in doc.blocks]:
            raise ValueError("the translated blocks are not the document's (same ids in the same order)")
        return write_page(doc.skeleton, doc.blocks, blocks)


@dataclass
class HtmlSkeleton:
    """The page as decoded and where its blocks lie in it (:meth:`HtmlReader.write`)."""

    source: str
    bom: bytes
    codec: str
    spans: list[Slot]  # runs and titles, in order, not overlapping
    attrs: list[Slot]  # attribute values, in order (some inside runs: an image's alt)


def _same(a: Block, b: Block) -> bool:
    return a.text == b.text and [(c.id, c.start, c.end, c.opening, c.closing, c.isolated) for c in a.codes] == [
        (c.id, c.start, c.end, c.opening, c.closing, c.isolated) for c in b.codes
    ]


def write_page(sk: HtmlSkeleton, before: Sequence[Block], blocks: Sequence[Block]) -> bytes:
    """The page with ``blocks`` in place of ``before`` (the blocks it was read into), in its own encoding."""
    src = sk.source
    subs = {}  # attribute values changed: slot index -> their markup
    for k, slot in enumerate(sk.attrs):
        if not _same(blocks[slot.block], before[slot.block]):
            subs[k] = tk.escape(blocks[slot.block].text, slot.quote)
    starts = [slot.start for slot in sk.attrs]

    def raw(s: int, e: int) -> str:
        """``src[s:e]`` with the changed attribute values in it."""
        k = bisect.bisect_left(starts, s)
        parts, pos = [], s
        while k < len(starts) and starts[k] < e:
            if k in subs:
                parts += [src[pos : sk.attrs[k].start], subs[k]]
                pos = sk.attrs[k].end
            k += 1
        parts.append(src[pos:e])
        return "".join(parts)

    out, pos = [], 0
    for slot in sk.spans:
        out.append(raw(pos, slot.start))
        new, old = blocks[slot.block], before[slot.block]
        if _same(new, old):
            out.append(raw(slot.start, slot.end))
        elif slot.kind == "text":
            out.append(tk.escape(new.text))
        else:
            out.append(_write_run(new, old, slot, raw))
        pos = slot.end
    out.append(raw(pos, len(src)))
    return sk.bom + "".join(out).encode(sk.codec, tk.ERRORS)


def _write_run(new: Block, old: Block, slot: Slot, raw: Callable[[int, int], str]) -> str:
    """A changed block: its escaped text with each code's markup at its offsets. Markup that was together at one
    offset of the source comes in its order there; else the closings of codes that enclose text come first (the
    later opened closed first), then the openings of such codes (in id order), and isolated codes and codes that
    enclose nothing go among them where the source had them."""
    text, given, orig = new.text, {c.id for c in new.codes}, {c.id: c for c in old.codes}
    was = {(c.id, end): c.end if end else c.start for c in old.codes for end in (0, 1)}  # (id, closing) -> offset
    lost = [c.moved(len(text), len(text)) for c in old.codes if c.id not in given]  # never lose markup
    marks: dict[int, list[_Mark]] = {}
    for c in (*new.codes, *lost):  # offset -> (source offset, order when nested, (id, closing), markup)
        op, oe, cp = slot.codes.get(c.id, (_NEW, _NEW, _NEW))
        opening = raw(op, oe) if c.id in orig and orig[c.id].opening == c.opening else c.opening
        start, end = min(c.start, len(text)), min(c.end, len(text))
        loose = c.isolated or start >= end
        marks.setdefault(start, []).append((op, None if loose else (1, c.id, 0), (c.id, 0), opening))
        if not c.isolated:
            marks.setdefault(end, []).append((cp, None if loose else (0, -start, -c.id), (c.id, 1), c.closing))
    out, pos = [], 0
    for at in sorted(marks):
        out += [tk.escape(text[pos:at]), *_ordered(marks[at], was)]
        pos = at
    out.append(tk.escape(text[pos:]))
    return "".join(out)


def _ordered(group: list[_Mark], was: dict[tuple[int, int], int]) -> list[str]:
    """The markup of one offset in its order (:func:`_write_run`)."""
    if len({was.get(w, -1 - i) for i, (_, _, w, _) in enumerate(group)}) == 1:
        return [m for _, _, _, m in sorted(group, key=lambda g: g[0])]  # together in the source: as it was
    nested = [(p, m) for p, _, _, m in sorted((g for g in group if g[1] is not None), key=lambda g: g[1] or (0,))]
    by_source = sorted((q, i) for i, (q, _) in enumerate(nested))
    last = list(itertools.accumulate((i for _, i in by_source), max))  # the last nested one before each offset
    before: list[list[str]] = [[] for _ in range(len(nested) + 1)]
    for p, _, _, m in sorted((g for g in group if g[1] is None), key=lambda g: g[0]):
        k = bisect.bisect_left(by_source, (p, -1))
        before[last[k - 1] + 1 if k else 0].append(m)  # after the last nested markup the source had before it
    return [m for k in range(len(nested) + 1) for m in (*before[k], *(nested[k][1:] if k < len(nested) else ()))]


def make_reader(cfg: ReadConfig) -> HtmlReader | ArticleReader:
    """The page in document mode, or its article alone (``read.html.extract``, :mod:`pipeline.read.article`)."""
    if cfg.html.extract == "article":
        return ArticleReader(HtmlReader())
    return HtmlReader()
