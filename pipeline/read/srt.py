"""SubRip subtitles (``.srt``): each cue's text is translated, its number and timecode line are kept byte for
byte, and a sentence that runs over several cues is translated as one sentence.

Reading. The cues are found with the grammar of the ``srt`` library (:data:`srt.SRT_REGEX`, its timestamps
parsed by :func:`srt.srt_timestamp_to_timedelta`), with their places in the text, so everything but the cues'
text is written back as it was. Consecutive cues form one :class:`Block` (:mod:`pipeline.read.subtitles`) up to
a cue that ends a sentence, a pause, a speaker's dash or :data:`MAX_CUES` cues; each cue starts with an isolated
code of kind ``cue`` whose markup is its header (and a leading position tag such as ``{\\an8}``), so no sentence
is cut at a cue and every cue is known after translation. Formatting tags (``<i>``, ``<b>``, ``<u>``, ``<s>``,
``<font ...>``, ``{\\...}``) are inline codes; a cue's line breaks are spaces, but one before a speaker's dash
is kept (an isolated ``br`` code).

Writing. Each block's translation is laid out over its cues by
:func:`pipeline.read.subtitles_layout.lay_out` (``read.srt``'s limits), the function the ``cue_too_long`` and
``cue_too_fast`` checks measure with; an unchanged block keeps its cues' text as it was. The line ends, a
byte-order mark and the encoding are kept (UTF-8 when the translation does not fit a legacy encoding).

Untrusted input: a file over :data:`MAX_BYTES`, binary data, text that is not cues, a broken timecode, a cue
that ends before it starts or starts before the one before it ends is an :class:`InputError` naming the file,
the line and the fix; nothing is read from such a file.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import srt

from pipeline.errors import InputError
from pipeline.io import decode_bytes_encoding
from pipeline.read.base import Block, SourceDocument
from pipeline.read.config import ReadConfig
from pipeline.read.subtitles import Cue, cue_blocks, leading_tags
from pipeline.read.subtitles_layout import Limits, lay_out, weights

__all__ = ["MAX_BYTES", "SrtReader", "make_reader"]

log = logging.getLogger(__name__)

#: the largest subtitle file read (bytes): a feature film's SRT is 50-150 KB
MAX_BYTES = 5 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
_TIME = re.compile(r"^(\d+)[,.:，．。：](\d+)[,.:，．。：](\d+)(?:[,.:，．。：](\d*))?$")
_EOL = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True)
class SrtSkeleton:
    """What writing needs: the decoded text, how it was encoded, each cue's text span, and each block's cues."""

    text: str
    codec: str
    bom: bytes
    eol: str
    cues: tuple[Cue, ...]
    blocks: tuple[tuple[int, ...], ...]  # per block, the indices of its cues


def _decode(data: bytes, where: str, lang: str) -> tuple[str, str, str, bytes]:
    """(text, encoding name, codec to write with, byte-order mark)."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"input file {where} has {len(data):,} bytes, more than the {MAX_BYTES:,} a subtitle file may have",
            "split it into smaller files",
        )
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), name, codec, bom
            except UnicodeDecodeError:
                raise InputError(
                    f"input file {where} starts with a {name.upper()} byte-order mark but does not decode as "
                    f"{name.upper()}",
                    "re-save it as UTF-8",
                ) from None
    try:
        return data.decode("utf-8"), "utf-8", "utf-8", b""
    except UnicodeDecodeError:
        _, encoding = decode_bytes_encoding(data, Path(where), what="input file", lang=lang)  # or its InputError
        return data.decode(encoding), encoding, encoding, b""


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _timestamp(raw: str, where: str, line: int, number: str) -> timedelta:
    m = _TIME.match(raw)
    if m is None or int(m.group(2)) >= 60 or int(m.group(3)) >= 60:
        raise InputError(
            f"input file {where}, cue {number} (line {line}): {raw!r} is not a timecode",
            "write it as HH:MM:SS,mmm (minutes and seconds under 60)",
        )
    return srt.srt_timestamp_to_timedelta(raw)


def parse_cues(text: str, where: str) -> list[Cue]:
    """The cues of an SRT text, with their places in it (see the module for what is refused)."""
    cues: list[Cue] = []
    expected = 0
    for m in srt.SRT_REGEX.finditer(text):
        gap = text[expected : m.start()]
        if gap.strip():
            at = expected + len(gap) - len(gap.lstrip())
            raise InputError(
                f"input file {where}, line {_line(text, at)}: {gap.strip().splitlines()[0][:60]!r} is not part of "
                "a subtitle cue (a cue is a number, a timecode line 'HH:MM:SS,mmm --> HH:MM:SS,mmm' and its text, "
                "then a blank line)",
                "fix or remove that line; give an SRT (SubRip) file",
            )
        raw_index, raw_start, raw_end, _, _ = m.groups()
        number = raw_index.strip() if raw_index else "(unnumbered)"
        line = _line(text, m.start(2))
        if m.group(4) and not text[m.start(4) - 1].isspace():  # 00:00:0x,000: the timestamp ends early
            raw_end += m.group(4).split()[0]
        start, end = _timestamp(raw_start, where, line, number), _timestamp(raw_end, where, line, number)
        if end <= start:
            raise InputError(
                f"input file {where}, cue {number} (line {line}): it ends at {raw_end} before or when it starts "
                f"({raw_start})",
                "fix the cue's timecode line so that it ends after it starts",
            )
        if cues and start < cues[-1].end:
            raise InputError(
                f"input file {where}, cue {number} (line {line}): it starts at {raw_start}, before cue "
                f"{cues[-1].number} ends",
                "fix the timecodes so that each cue starts after the one before it ends (or merge the two cues)",
            )
        header_start = m.start(1) if raw_index else m.start(2)
        cs, ce = m.span(5)
        header = text[header_start : m.end(4)]
        cues.append(Cue(len(cues), number, start, end, header_start, header, cs, ce, leading_tags(text[cs:ce])))
        expected = m.end()
    rest = text[expected:]
    if rest.strip():
        at = expected + len(rest) - len(rest.lstrip())
        raise InputError(
            f"input file {where}, line {_line(text, at)}: {rest.strip().splitlines()[0][:60]!r} is not part of a "
            "subtitle cue (a cue is a number, a timecode line 'HH:MM:SS,mmm --> HH:MM:SS,mmm' and its text)",
            "fix or remove that line; give an SRT (SubRip) file",
        )
    if not cues:
        raise InputError(f"input file {where} has no subtitle cues", "give an SRT (SubRip) file with at least one cue")
    return cues


class SrtReader:
    name = "srt"
    extensions = (".srt",)

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        text, encoding, codec, bom = _decode(data, where, lang)
        if "\x00" in text:
            raise InputError(
                f"input file {where} contains NUL characters: it is binary data, not a subtitle file",
                "give an SRT (SubRip) text file",
            )
        cues = parse_cues(text, where)
        m = _EOL.search(text)
        eol = m.group(0) if m else "\n"
        blocks, members = cue_blocks(text, cues)
        return SourceDocument(
            "srt",
            "x-srt",
            blocks=tuple(blocks),
            encoding=encoding,
            skeleton=SrtSkeleton(text, codec, bom, eol, tuple(cues), tuple(members)),
        )

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes:
        sk = doc.skeleton
        if not isinstance(sk, SrtSkeleton):
            raise ValueError("not a document the SRT reader read")
        if len(blocks) != len(doc.blocks) or any(a.id != b.id for a, b in zip(blocks, doc.blocks, strict=False)):
            raise ValueError("the blocks to write are not the document's (same ids, same order)")
        content: dict[int, str] = {}
        for old, new, members in zip(doc.blocks, blocks, sk.blocks, strict=True):
            if (old.text, old.codes) == (new.text, new.codes):
                continue
            cues = lay_out(new.text, new.codes, weights(old.text, old.codes), self.limits)
            for k, laid in zip(members, cues, strict=True):
                content[k] = sk.cues[k].prefix + sk.eol.join(laid.markup)
        out: list[str] = []
        at = 0
        for cue in sk.cues:
            if cue.index in content:
                out += [sk.text[at : cue.text_start], content[cue.index]]
                at = cue.text_end
        out.append(sk.text[at:])
        text = "".join(out)
        try:
            return sk.bom + text.encode(sk.codec)
        except UnicodeEncodeError:
            log.warning("the translated subtitles do not fit %s: written as UTF-8", doc.encoding)
            return text.encode("utf-8")


def make_reader(cfg: ReadConfig) -> SrtReader:
    s = cfg.srt
    return SrtReader(Limits(s.max_line_length, s.max_lines, s.max_cps))
