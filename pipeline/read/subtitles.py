"""Subtitle cues as translatable blocks: which consecutive cues are read as one text, and each cue's text and
formatting tags as the block's text and inline codes (shared by the subtitle readers).

A block is a run of consecutive cues that ends after a cue whose text ends a sentence (``.``, ``!``, ``?``, ``…``,
``♪``, closing quotes and brackets aside), before a pause of more than :data:`MAX_GAP`, before a cue that starts
with a speaker's dash, after a cue with two speakers, or after :data:`MAX_CUES` cues. In the block's text each
cue starts with an isolated code of kind ``cue`` (its markup: the cue's header, and a leading position tag such
as ``{\\an8}``, which stays with the cue), and the cues' texts are joined by a space; a cue's own line breaks are
spaces, except one before a speaker's dash (an isolated ``br`` code). ``<i>``, ``<b>``, ``<u>``, ``<s>`` and
``<font ...>`` with their closing tags are paired codes (across cues too); a tag without its partner, and an
``{\\...}`` override inside the text, are isolated codes of kind ``other``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from pipeline.read.base import Block
from pipeline.read.subtitles_layout import BR, CUE
from pipeline.records import InlineCode

__all__ = ["MAX_CUES", "MAX_GAP", "Cue", "cue_blocks", "leading_tags"]

#: a pause longer than this between two cues ends a block
MAX_GAP = timedelta(seconds=2)
#: the most cues one block (one text for the segmenter, a sentence at most) runs over
MAX_CUES = 6

_TAG = re.compile(r"<\s*(/?)\s*(i|b|u|s|font)\b[^<>]*>|\{\\[^{}]*\}", re.IGNORECASE)
_LEADING = re.compile(r"(?:\{\\[^{}]*\}\s*)+")
_EOL = re.compile(r"\r\n|\n|\r")
_KINDS = {"i": "italic", "b": "bold", "u": "underline", "s": "strike", "font": "span"}
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

    def __init__(self, next_id: int) -> None:
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
        for k, line in enumerate(_EOL.split(body)):
            visible = _TAG.sub("", line).strip()
            if not visible and not _TAG.search(line):
                continue
            if k and self.text and not self.text.endswith(" "):
                self.text += " "
                if visible.startswith(_DASHES):
                    self.dialogue = True
                    self.codes.append(InlineCode(self._id(), BR, len(self.text), len(self.text), eol, isolated=True))
            self._line(line.strip())

    def _line(self, line: str) -> None:
        at = 0
        for m in _TAG.finditer(line):
            self.text += line[at : m.start()]
            at = m.end()
            tag = m.group(0)
            if tag.startswith("{"):
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
            self.codes.append(InlineCode(o.id, _KINDS[name], o.start, len(self.text), o.markup, tag))
        self.text += line[at:]

    def block(self, bid: int) -> Block:
        for o in self.open:  # opened and never closed in the block
            self.codes.append(InlineCode(o.id, "other", o.start, o.start, o.markup, isolated=True))
        text = self.text.rstrip()
        codes = [c.moved(min(c.start, len(text)), min(c.end, len(text))) for c in self.codes]
        return Block(bid, "subtitle", text, tuple(sorted(codes, key=lambda c: (c.start, c.id))))


def _ends_sentence(visible: str) -> bool:
    tail = visible.rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _ENDS


def _speakers(body: str) -> bool:
    """Whether the cue's text has a line that starts with a speaker's dash."""
    return any(_TAG.sub("", line).strip().startswith(_DASHES) for line in _EOL.split(body))


def cue_blocks(text: str, cues: Sequence[Cue]) -> tuple[list[Block], list[tuple[int, ...]]]:
    """The blocks of a subtitle text (see the module) and, per block, the indices of its cues; a cue without
    visible text (empty, or tags only) is in no block and is written back as it was."""
    eol_m = _EOL.search(text)
    eol = eol_m.group(0) if eol_m else "\n"
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
        visible = " ".join(_TAG.sub("", body).split())
        if not visible:
            close()
            previous = None
            continue
        if current is not None and (
            (previous is not None and cue.start - previous.end > MAX_GAP) or _speakers(body) or len(mine) >= MAX_CUES
        ):
            close()
        if current is None:
            current = _BlockText(next_id)
        current.add_cue(cue, body, eol)
        mine.append(cue.index)
        previous = cue
        if _ends_sentence(visible) or current.dialogue:
            close()
    close()
    return blocks, members
