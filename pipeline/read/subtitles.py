"""Subtitle cues as translatable blocks: which consecutive cues are read as one text, and each cue's text and
formatting tags as the block's text and inline codes (shared by the subtitle readers).

A block is a run of consecutive cues that ends after a cue whose text ends a sentence (``.``, ``!``, ``?``, ``…``,
``♪``, closing quotes and brackets aside), before a pause of more than :data:`MAX_GAP`, before a cue that starts
with a speaker's dash, after a cue with two speakers, or after :data:`MAX_CUES` cues. In the block's text each
cue starts with an isolated code of kind ``cue`` (its markup: the cue's header, and a leading position tag such
as ``{\\an8}``, which stays with the cue), and the cues' texts are joined by a space; a cue's own line breaks are
spaces, except one before a speaker's dash (an isolated ``br`` code). ``<i>``, ``<b>``, ``<u>``, ``<s>`` and
``<font ...>`` with their closing tags are paired codes (across cues too); a tag without its partner, and an
``{\\...}`` override inside the text, are isolated codes of kind ``other`` (a format's tags: its :class:`Syntax`).

Also here, shared by the subtitle readers: decoding a file (:func:`decode`, with its size limit
:data:`MAX_BYTES`) and writing one back (:func:`write_cues`: each changed block laid out over its cues by
:func:`pipeline.read.subtitles_layout.lay_out`, everything else as it was).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from pipeline.errors import InputError
from pipeline.io import decode_document, encode_document
from pipeline.read.base import Block, SourceDocument
from pipeline.read.subtitles_layout import BR, CUE, Limits, cue_codes, lay_out, weights
from pipeline.records import InlineCode

__all__ = [
    "MAX_BYTES",
    "MAX_CUES",
    "MAX_GAP",
    "SRT_SYNTAX",
    "Cue",
    "SubtitleReader",
    "SubtitleSkeleton",
    "Syntax",
    "cue_blocks",
    "decode",
    "leading_tags",
    "write_cues",
]

log = logging.getLogger(__name__)

#: the largest subtitle file read (bytes): a feature film's subtitles are 50-150 KB
MAX_BYTES = 5 * 1024 * 1024

#: a pause longer than this between two cues ends a block
MAX_GAP = timedelta(seconds=2)
#: the most cues one block (one text for the segmenter, a sentence at most) runs over
MAX_CUES = 6

_LEADING = re.compile(r"(?:\{\\[^{}]*\}\s*)+")
_EOL = re.compile(r"\r\n|\n|\r")


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Syntax:
    """A subtitle format's inline markup: its tags (a match with a name in group 2 is an opening tag, or a closing
    one when group 1 is ``/``; a match without one is an isolated code), the kinds of the paired ones, and how
    text is unescaped when read and escaped when written (``&amp;`` in WebVTT; nothing in SRT)."""

    tags: re.Pattern[str]
    kinds: Mapping[str, str]
    unescape: Callable[[str], str] = _same
    escape: Callable[[str], str] = _same


#: SRT: ``<i>``, ``<b>``, ``<u>``, ``<s>``, ``<font ...>`` and ``{\\...}`` overrides (SubStation tags)
SRT_SYNTAX = Syntax(
    re.compile(r"<\s*(/?)\s*(i|b|u|s|font)\b[^<>]*>|\{\\[^{}]*\}", re.IGNORECASE),
    {"i": "italic", "b": "bold", "u": "underline", "s": "strike", "font": "span"},
)
_DASHES = ("-", "–", "—")
_ENDS = ".!?…♪。！？"
_CLOSERS = "\"'”’»)]」』 "


@dataclass(frozen=True)
class Cue:
    """One cue of a subtitle file, with its places in the decoded text."""

    index: int  # 0-based, in the file
    number: str  # as written ("(unnumbered)" when the file gives none)
    start: timedelta
    end: timedelta
    header_start: int
    header: str  # the number and timecode lines as written (cue settings included)
    text_start: int  # the cue's text: text[text_start:text_end]
    text_end: int
    prefix: str = ""  # leading position tags ({\an8}), kept at the start of the cue's text


def leading_tags(content: str) -> str:
    """The position/override tags (``{\\an8}``) a cue's text starts with, and the spaces after them."""
    m = _LEADING.match(content)
    return m.group(0) if m else ""


@dataclass
class _Open:
    name: str
    id: int
    start: int
    markup: str


class _BlockText:
    """A block's text and codes as its cues are added."""

    def __init__(self, next_id: int, syntax: Syntax) -> None:
        self.syntax = syntax
        self.text = ""
        self.codes: list[InlineCode] = []
        self.open: list[_Open] = []
        self.next_id = next_id
        self.dialogue = False

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add_cue(self, cue: Cue, body: str, eol: str) -> None:
        if self.text:
            self.text += " "
        markup = cue.header + (eol + cue.prefix.rstrip() if cue.prefix.strip() else "")
        self.codes.append(InlineCode(self._id(), CUE, len(self.text), len(self.text), markup, isolated=True))
        tags = self.syntax.tags
        for k, line in enumerate(_EOL.split(body)):
            visible = tags.sub("", line).strip()
            if not visible and not tags.search(line):
                continue
            if k and self.text and not self.text.endswith(" "):
                self.text += " "
                if visible.startswith(_DASHES):
                    self.dialogue = True
                    self.codes.append(InlineCode(self._id(), BR, len(self.text), len(self.text), eol, isolated=True))
            self._line(line.strip())

    def _line(self, line: str) -> None:
        at = 0
        for m in self.syntax.tags.finditer(line):
            self.text += self.syntax.unescape(line[at : m.start()])
            at = m.end()
            tag = m.group(0)
            if m.group(2) is None:
                self.codes.append(InlineCode(self._id(), "other", len(self.text), len(self.text), tag, isolated=True))
                continue
            name = m.group(2).lower()
            if not m.group(1):
                self.open.append(_Open(name, self._id(), len(self.text), tag))
                continue
            k = next((j for j in range(len(self.open) - 1, -1, -1) if self.open[j].name == name), None)
            if k is None:
                self.codes.append(InlineCode(self._id(), "other", len(self.text), len(self.text), tag, isolated=True))
                continue
            o = self.open.pop(k)
            kind = self.syntax.kinds.get(name, "span")
            self.codes.append(InlineCode(o.id, kind, o.start, len(self.text), o.markup, tag))
        self.text += self.syntax.unescape(line[at:])

    def block(self, bid: int) -> Block:
        for o in self.open:  # opened and never closed in the block
            self.codes.append(InlineCode(o.id, "other", o.start, o.start, o.markup, isolated=True))
        text = self.text.rstrip()
        codes = [c.moved(min(c.start, len(text)), min(c.end, len(text))) for c in self.codes]
        return Block(bid, "subtitle", text, tuple(sorted(codes, key=lambda c: (c.start, c.id))))


def _ends_sentence(visible: str) -> bool:
    tail = visible.rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _ENDS


def _speakers(body: str, syntax: Syntax) -> bool:
    """Whether the cue's text has a line that starts with a speaker's dash."""
    return any(syntax.tags.sub("", line).strip().startswith(_DASHES) for line in _EOL.split(body))


def cue_blocks(
    text: str, cues: Sequence[Cue], syntax: Syntax = SRT_SYNTAX
) -> tuple[list[Block], list[tuple[int, ...]]]:
    """The blocks of a subtitle text (see the module) and, per block, the indices of its cues; a cue without
    visible text (empty, or tags only) is in no block and is written back as it was."""
    eol = line_end(text)
    blocks: list[Block] = []
    members: list[tuple[int, ...]] = []
    current: _BlockText | None = None
    mine: list[int] = []
    next_id = 1

    def close() -> None:
        nonlocal current, mine, next_id
        if current is not None and mine:
            blocks.append(current.block(len(blocks) + 1))
            members.append(tuple(mine))
            next_id = current.next_id
        current, mine = None, []

    previous: Cue | None = None
    for cue in cues:
        body = text[cue.text_start + len(cue.prefix) : cue.text_end]
        visible = " ".join(syntax.unescape(syntax.tags.sub("", body)).split())
        if not visible:
            close()
            previous = None
            continue
        if current is not None and (
            (previous is not None and cue.start - previous.end > MAX_GAP)
            or _speakers(body, syntax)
            or len(mine) >= MAX_CUES
        ):
            close()
        if current is None:
            current = _BlockText(next_id, syntax)
        current.add_cue(cue, body, eol)
        mine.append(cue.index)
        previous = cue
        if _ends_sentence(visible) or current.dialogue:
            close()
    close()
    return blocks, members


# --------------------------------------------------------------------------- files


def decode(data: bytes, where: str, lang: str) -> tuple[str, str, str, bytes]:
    """A subtitle file's text, the encoding it was in, the codec to write with and its byte-order mark; too
    large a file, binary data and undecodable bytes are an :class:`InputError`."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"input file {where} has {len(data):,} bytes, more than the {MAX_BYTES:,} a subtitle file may have",
            "split it into smaller files",
        )
    text, encoding, codec, bom = decode_document(data, where, lang)
    return _text(text, where), encoding, codec, bom


def _text(text: str, where: str) -> str:
    if "\x00" in text:
        raise InputError(
            f"input file {where} contains NUL characters: it is binary data, not a subtitle file",
            "give a subtitle text file (SRT or WebVTT)",
        )
    return text


@dataclass(frozen=True)
class SubtitleSkeleton:
    """What writing needs: the decoded text, how it was encoded, its cues, and each block's cues."""

    text: str
    codec: str
    bom: bytes
    cues: tuple[Cue, ...]
    blocks: tuple[tuple[int, ...], ...]  # per block, the indices of its cues
    eol: str = "\n"
    syntax: Syntax = field(default=SRT_SYNTAX, compare=False)


def line_end(text: str) -> str:
    """The first line end of ``text`` (a cue's new lines are joined with it)."""
    m = _EOL.search(text)
    return m.group(0) if m else "\n"


def write_cues(doc: SourceDocument, blocks: Sequence[Block], limits: Limits) -> bytes:
    """``doc`` with each changed block laid out over its cues; everything else (and an unchanged block) as it was."""
    sk = doc.skeleton
    if not isinstance(sk, SubtitleSkeleton):
        raise ValueError("not a document a subtitle reader read")
    if len(blocks) != len(doc.blocks) or any(a.id != b.id for a, b in zip(blocks, doc.blocks, strict=False)):
        raise ValueError("the blocks to write are not the document's (same ids, same order)")
    content: dict[int, str] = {}
    for old, new, members in zip(doc.blocks, blocks, sk.blocks, strict=True):
        if (old.text, old.codes) == (new.text, new.codes):
            continue
        ids = [c.id for c in cue_codes(old.codes)]
        laid = lay_out(new.text, new.codes, weights(old.text, old.codes), limits, ids=ids, escape=sk.syntax.escape)
        for k, layout in zip(members, laid, strict=True):
            content[k] = sk.cues[k].prefix + sk.eol.join(layout.markup)
    out: list[str] = []
    at = 0
    for cue in sk.cues:
        if cue.index in content:
            out += [sk.text[at : cue.text_start], content[cue.index]]
            at = cue.text_end
    out.append(sk.text[at:])
    text = "".join(out)
    return encode_document(text, sk.codec, sk.bom, "the translated subtitle file")


class SubtitleReader:
    """A subtitle format (SRT, WebVTT): its cue parser and syntax; blocks, layout and writing are shared."""

    def __init__(
        self,
        name: str,
        extensions: tuple[str, ...],
        datatype: str,
        parse: Callable[[str, str], list[Cue]],
        syntax: Syntax,
        limits: Limits,
    ) -> None:
        self.name, self.extensions, self.datatype = name, extensions, datatype
        self.parse, self.syntax, self.limits = parse, syntax, limits

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        text, encoding, codec, bom = decode(data, where, lang)
        cues = self.parse(text, where)
        blocks, members = cue_blocks(text, cues, self.syntax)
        skeleton = SubtitleSkeleton(text, codec, bom, tuple(cues), tuple(members), line_end(text), self.syntax)
        return SourceDocument(self.name, self.datatype, blocks=tuple(blocks), encoding=encoding, skeleton=skeleton)

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes:
        return write_cues(doc, blocks, self.limits)
