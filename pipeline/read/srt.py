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

Untrusted input: a file over :data:`pipeline.read.subtitles.MAX_BYTES`, binary data, text that is not cues, a
broken timecode, a cue that ends before it starts or starts before the one before it ends is an
:class:`InputError` naming the file, the line and the fix; nothing is read from such a file.
"""

from __future__ import annotations

import re
from datetime import timedelta

import srt

from pipeline.errors import InputError
from pipeline.read.config import ReadConfig
from pipeline.read.subtitles import SRT_SYNTAX, Cue, SubtitleReader, leading_tags
from pipeline.read.subtitles_layout import Limits

__all__ = ["make_reader", "parse_cues"]

_TIME = re.compile(r"^(\d+)[,.:，．。：](\d+)[,.:，．。：](\d+)(?:[,.:，．。：](\d*))?$")


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


def make_reader(cfg: ReadConfig) -> SubtitleReader:
    s = cfg.srt
    return SubtitleReader(
        "srt", (".srt",), "x-srt", parse_cues, SRT_SYNTAX, Limits(s.max_line_length, s.max_lines, s.max_cps)
    )
