"""Markdown (CommonMark, with GitHub tables): headings, paragraphs, list items, block quotes and table cells are
translated in place, everything else is written back as it was.

Reading. The document is parsed by markdown-it-py (``commonmark`` plus ``table``), not by patterns over the text.
A leading front matter block (``---`` ... ``---``/``...``, or ``+++`` ... ``+++``) is found first and left out of
the parse. Each ``inline`` token (a heading's, a paragraph's, a table cell's) becomes one :class:`Block`: its
source is located in the document from ``token.map`` (its lines) and the line prefixes: a paragraph's source
lines are the ends of its document lines (what a block quote's ``>``, a list item's marker or indentation left),
an ATX heading's text follows its ``#`` run, a table row is split at its unescaped pipes from where the parser
saw the row start (recorded by a thin wrapper of the table rule). :mod:`pipeline.read.markdown_inline` walks
that source alongside the token children and gives the block's text (markup removed, escapes and entities
resolved, a soft line break as one space) and its codes, each code's markup the document's own characters:
``italic``/``bold`` (the markers as written), ``link`` (``[`` and ``](url "title")``, ``][ref]`` or ``]``; an
autolink ``<...>`` is isolated), ``image`` (``![`` and ``](src)``: its alt text is in the block's text), and
isolated ``code`` (a code span), ``other`` (inline HTML) and ``br`` (a hard line break: its two spaces or
backslash, the newline and the next line's prefix; no character in the text).
Fenced and indented code, HTML blocks, reference definitions, front matter, thematic breaks, table delimiter
rows and pipes are no block: they are kept as they are. Link and image destinations *and titles* are inside
the link's closing code (``](url "title")``), so they are kept too (a title is not translated).

The skeleton is the decoded text and each block's region in it (its first to its last character, continuation
prefixes included). Writing puts each block back in its region: the region as it was when the block's text and
codes are unchanged (so ``write(doc, doc.blocks)`` returns the input bytes), else the block written by
:func:`pipeline.read.markdown_render.render`, on one line. An empty translation of a paragraph or a setext
heading (which would end it or unmake it) keeps the source's region, with a warning. The line ends (LF, CRLF,
CR), a byte-order mark and the encoding (UTF-8/16/32, or the legacy one :func:`pipeline.io.decode_bytes_encoding`
recognises; UTF-8 when the translation does not fit it) are kept.

Untrusted input: nothing is fetched (links and images are text); a document over :data:`MAX_BYTES`, binary
data (NUL characters) or bytes that decode as nothing is an :class:`InputError`. A document with nothing to
translate (empty, or only code) is a document with no blocks; what to do with it is the caller's business.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.errors import InputError
from pipeline.io import decode_document, encode_document
from pipeline.read.base import Block, SourceDocument
from pipeline.read.config import ReadConfig
from pipeline.read.markdown_inline import Mismatch, SourceMap, inline_text
from pipeline.read.markdown_render import render
from pipeline.records import Dropped

__all__ = ["MAX_BYTES", "MarkdownReader", "make_reader"]

log = logging.getLogger(__name__)

#: the largest Markdown document read (bytes): markdown-it-py holds about 130 bytes of tokens per byte of input
#: and parses about 1 MB a second, so 10 MB is about 1.3 GB and 20 s (a book is 1-2 MB of Markdown)
MAX_BYTES = 10 * 1024 * 1024

try:  # what markdown-it trims a block's content with (JavaScript's trim); older versions: str.strip()
    from markdown_it.common.utils import MD_TRIM_CHARS as _TRIM
except ImportError:  # pragma: no cover - markdown-it-py < 4
    _TRIM = None  # type: ignore[assignment]

_EOL = re.compile(r"\r\n?|\n")  # markdown-it's own line ends (its normalize rule)
_ROWS = "pipeline.read.markdown.rows"  # env key: table row line -> (start, end) columns of the row the parser saw
_FENCES: dict[str, tuple[str, ...]] = {"---": ("---", "..."), "+++": ("+++",)}


@dataclass(frozen=True)
class _Region:
    start: int
    end: int
    context: str  # para, setext, atx, cell
    refs: dict[int, str] = field(default_factory=dict)  # code id -> full-reference closing
    inside: dict[int, tuple[int, ...]] = field(default_factory=dict)  # isolated code id -> codes enclosing it


@dataclass(frozen=True)
class MarkdownSkeleton:
    """What writing needs: the decoded text, how it was encoded, and each block's region in it."""

    text: str
    codec: str
    bom: bytes
    regions: tuple[_Region, ...]
    env: dict[str, Any]  # the parser's: the document's reference definitions


class _Lines:
    """The document's lines: where each starts, and where its content ends (before its line end)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.ends: list[int] = []
        for m in _EOL.finditer(text):
            self.ends.append(m.start())
            self.starts.append(m.end())
        self.ends.append(len(text))

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, k: int) -> str:
        if not 0 <= k < len(self.starts):
            raise Mismatch(f"line {k} is not in the document")
        return self.text[self.starts[k] : self.ends[k]]


def _decode(data: bytes, where: str, lang: str) -> tuple[str, str, str, bytes]:
    """(text, encoding name, codec to write with, byte-order mark), the line ends left as they are."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"input file {where} is {len(data) / 2**20:.1f} MB, more than the {MAX_BYTES // 2**20} MB a Markdown "
            "document may have",
            "split it into smaller documents",
        )
    return decode_document(data, where, lang)


def _front_matter(lines: _Lines) -> int:
    """How many lines a leading front matter block has (0: none, or no closing fence)."""
    ends = _FENCES.get(lines.line(0).rstrip(" \t"), ()) if len(lines) > 1 else ()
    for k in range(1, len(lines)) if ends else ():
        if lines.line(k).rstrip(" \t") in ends:
            return k + 1
    return 0


def _recording_table(rule: Callable[..., bool]) -> Callable[..., bool]:
    """The table rule, recording in ``env`` where each row it reads starts and ends in its line."""

    def table(state: Any, start: int, end: int, silent: bool) -> bool:
        ok = rule(state, start, end, silent)
        if ok and not silent:
            rows = state.env.setdefault(_ROWS, {})
            for line in range(start, state.line):
                begin = state.src.rfind("\n", 0, state.bMarks[line]) + 1
                rows[line] = (state.bMarks[line] + state.tShift[line] - begin, state.eMarks[line] - begin)
        return bool(ok)

    return table


def parser() -> MarkdownIt:
    """markdown-it-py as the reader uses it: CommonMark, GitHub tables, escapes and entities left as their own
    tokens (no ``text_join``), table rows recorded."""
    md = MarkdownIt("commonmark").enable("table").disable("text_join")
    rule = next(r for r in md.block.ruler.__rules__ if r.name == "table")
    md.block.ruler.at("table", _recording_table(rule.fn), {"alt": list(rule.alt)})
    return md


def _runs(positions: Sequence[int], s0: int = 0) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    for i, o in enumerate(positions):
        if runs and runs[-1][1] + runs[-1][2] == o:
            runs[-1] = (runs[-1][0], runs[-1][1], runs[-1][2] + 1)
        else:
            runs.append((s0 + i, o, 1))
    return runs


def _lines_map(content: str, lines: _Lines, first: int) -> SourceMap:
    """A paragraph's or setext heading's source: each of its lines is the end of a document line."""
    parts = content.split("\n")
    runs: list[tuple[int, int, int]] = []
    s = 0
    for k, part in enumerate(parts):
        line = lines.line(first + k)
        real = part.lstrip(" \t") if k else part  # leading blanks: tab expansion, and never markup
        if k == len(parts) - 1:
            line = line.rstrip(_TRIM)
        if not line.endswith(real):
            raise Mismatch(f"line {first + k} does not end with {real!r}")
        if real:
            runs.append((s + len(part) - len(real), lines.starts[first + k] + len(line) - len(real), len(real)))
        s += len(part) + 1
    return SourceMap(runs)


def _atx_map(content: str, lines: _Lines, line: int) -> SourceMap:
    text = lines.line(line)
    j = text.find("#")
    while 0 <= j < len(text) and text[j] == "#":
        j += 1
    k = text.find(content, j) if j > 0 else -1
    if k < 0:
        raise Mismatch(f"heading text {content!r} not on line {line}")
    return SourceMap([(0, lines.starts[line] + k, len(content))])


def _row_cells(lines: _Lines, line: int, span: tuple[int, int]) -> list[tuple[str, SourceMap | None]]:
    """A table row's cells as the table rule splits them (trimmed, at pipes not after a backslash, which it drops)."""
    base = lines.starts[line] + span[0]
    row = lines.text[base : lines.starts[line] + span[1]]
    lead = len(row) - len(row.lstrip(_TRIM))
    row = row.strip(_TRIM)
    cols: list[tuple[list[str], list[int]]] = [([], [])]
    escaped = False
    for i, ch in enumerate(row):
        if ch == "|" and not escaped:
            cols.append(([], []))
        else:
            if ch == "|":  # an escaped pipe: the backslash before it is dropped
                cols[-1][0].pop()
                cols[-1][1].pop()
            cols[-1][0].append(ch)
            cols[-1][1].append(base + lead + i)
        escaped = ch == "\\"
    if cols and not cols[0][0]:
        cols.pop(0)
    if cols and not cols[-1][0]:
        cols.pop()
    out: list[tuple[str, SourceMap | None]] = []
    for chars, pos in cols:
        text = "".join(chars)
        a = len(text) - len(text.lstrip(_TRIM))
        b = len(text.rstrip(_TRIM))
        out.append((text[a:b], SourceMap(_runs(pos[a:b])) if b > a else None))
    return out


class MarkdownReader:
    name = "markdown"
    extensions = (".md", ".markdown")

    def __init__(self) -> None:
        self.md = parser()

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        text, encoding, codec, bom = _decode(data, where, lang)
        if "\x00" in text:
            raise InputError(
                f"input file {where} contains NUL characters: it is binary data, not a Markdown document",
                "give a UTF-8 Markdown text file",
            )
        lines = _Lines(text)
        skip = _front_matter(lines)
        env: MutableMapping[str, Any] = {}
        body = text[lines.starts[skip] :] if skip < len(lines) else ""
        collecting = gc.isenabled()
        gc.disable()  # the parse makes about 130 bytes of small objects per input byte and no cycles to collect
        try:
            tokens = self.md.parse(body, env)
            blocks, regions, dropped, title = self._blocks(tokens, env, lines, skip)
        finally:
            if collecting:
                gc.enable()
        return SourceDocument(
            "markdown",
            "x-markdown",
            blocks=tuple(blocks),
            encoding=encoding,
            skeleton=MarkdownSkeleton(text, codec, bom, tuple(regions), {"references": env.get("references", {})}),
            metadata={"title": title} if title else {},
            dropped=tuple(dropped),
        )

    def _blocks(
        self, tokens: Sequence[Token], env: MutableMapping[str, Any], lines: _Lines, skip: int
    ) -> tuple[list[Block], list[_Region], list[Dropped], str]:
        blocks: list[Block] = []
        regions: list[_Region] = []
        dropped: list[Dropped] = []
        title = ""
        containers: list[str] = []
        cells: list[tuple[str, SourceMap | None]] = []
        next_id = 1
        for i, t in enumerate(tokens):
            if t.type in ("blockquote_open", "list_item_open"):
                containers.append(t.type)
            elif t.type in ("blockquote_close", "list_item_close"):
                containers.pop()
            elif t.type == "tr_open" and t.map:
                span = env.get(_ROWS, {}).get(t.map[0])
                cells = _row_cells(lines, skip + t.map[0], span) if span else []
            if t.type != "inline" or not t.map:
                continue
            parent = tokens[i - 1]
            try:
                if parent.type in ("th_open", "td_open"):
                    content, smap = cells.pop(0) if cells else ("", None)
                    if content != t.content:
                        raise Mismatch(f"table cell {t.content!r} read as {content!r}")
                    kind, context = "table_cell", "cell"
                elif not t.content:
                    continue
                elif parent.type == "heading_open":
                    setext = parent.markup in ("=", "-")
                    kind, context = "heading", "setext" if setext else "atx"
                    at = skip + t.map[0]
                    smap = _lines_map(t.content, lines, at) if setext else _atx_map(t.content, lines, at)
                else:
                    inner = containers[-1] if containers else ""
                    kind = {"list_item_open": "list_item", "blockquote_open": "quote"}.get(inner, "paragraph")
                    context, smap = "para", _lines_map(t.content, lines, skip + t.map[0])
                if smap is None:
                    continue
                inline = inline_text(self.md, env, t, smap, lines.text, next_id)
            except Mismatch as e:
                start = lines.starts[skip + t.map[0]]
                dropped.append(Dropped(t.content, start, start, len(blocks), f"markdown: left as it is ({e})"))
                log.warning("Markdown: a block on line %d is left untranslated: %s", skip + t.map[0] + 1, e)
                continue
            if not inline.text.strip():
                continue
            blocks.append(Block(len(blocks) + 1, kind, inline.text, tuple(inline.codes)))
            regions.append(_Region(smap.at(0), smap.after(len(t.content)), context, inline.refs, inline.inside))
            next_id += len(inline.codes)
            if not title and parent.tag == "h1":
                title = inline.text.strip()
        return blocks, regions, dropped, title

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes:
        sk = doc.skeleton
        if not isinstance(sk, MarkdownSkeleton):
            raise ValueError("not a document the Markdown reader read")
        if len(blocks) != len(doc.blocks) or any(a.id != b.id for a, b in zip(blocks, doc.blocks, strict=False)):
            raise ValueError("the blocks to write are not the document's (same ids, same order)")
        out: list[str] = []
        at = 0
        for old, new, region in zip(doc.blocks, blocks, sk.regions, strict=True):
            out.append(sk.text[at : region.start])
            out.append(self._block(sk, old, new, region))
            at = region.end
        out.append(sk.text[at:])
        text = "".join(out)
        return encode_document(text, sk.codec, sk.bom, "the translated Markdown document")

    def _block(self, sk: MarkdownSkeleton, old: Block, new: Block, region: _Region) -> str:
        """The Markdown of block ``new`` in ``region`` (which holds ``old`` as the source wrote it)."""
        source = sk.text[region.start : region.end]
        if _key(old) == _key(new):
            return source
        context = region.context
        out = render(new.text, new.codes, refs=region.refs, inside=region.inside, heading=context == "atx",
                     cell=context == "cell", md=self.md, env=sk.env)  # fmt: skip
        if not out.strip() and context in ("para", "setext"):
            log.warning("block %d: its translation is empty; the source is kept (an empty one would end it)", new.id)
            return source
        return out


def _key(b: Block) -> tuple[Any, ...]:
    return b.text, tuple((c.id, c.kind, c.start, c.end, c.opening, c.closing, c.isolated) for c in b.codes)


def make_reader(cfg: ReadConfig) -> MarkdownReader:
    return MarkdownReader()
