"""WebVTT subtitles (``.vtt``): each cue's text is translated as in SRT (:mod:`pipeline.read.srt`: blocks of cues,
the layout over the cues, the flags), everything else is kept byte for byte: the ``WEBVTT`` header and the lines
after it, ``NOTE``, ``STYLE`` and ``REGION`` blocks, cue identifiers, timing lines with their cue settings
(``align:start line:10%``).

Reading follows the WebVTT file structure: blocks of lines separated by blank lines, the first the header; a
cue's timing line is its first line, or its second after an identifier. Its tags are inline codes: ``<i>``,
``<b>``, ``<u>``, ``<c.class>``, ``<v Speaker>``, ``<lang xx>``, ``<ruby>``/``<rt>`` with their closing tags
(paired; an unclosed ``<v Speaker>`` is isolated), timestamp tags (isolated). Character references are text
(``&amp;`` is ``&`` for the model) and are escaped again when written (``&``, ``<``, ``>``).

Untrusted input as in SRT, plus: a file that does not start with ``WEBVTT``, a block that is neither a cue nor a
note, style or region; each is an :class:`InputError` naming the file, the line and the fix.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from pipeline.errors import InputError
from pipeline.read.config import ReadConfig
from pipeline.read.subtitles import Cue, SubtitleReader, Syntax
from pipeline.read.subtitles_layout import Limits

__all__ = ["VTT_SYNTAX", "make_reader", "parse_cues"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")
_TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?$")
_STAMP = re.compile(r"^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$")
_KEPT = ("NOTE", "STYLE", "REGION")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: WebVTT's cue text tags and character references
VTT_SYNTAX = Syntax(
    re.compile(r"<\s*(/?)\s*(i|b|u|c|v|lang|ruby|rt)\b[^<>]*>|<\d[\d:.]*>", re.IGNORECASE),
    {"i": "italic", "b": "bold", "u": "underline", "c": "span", "v": "voice", "lang": "span"},
    unescape=html.unescape,
    escape=_escape,
)


def _lines(text: str) -> list[tuple[int, int]]:
    """Each line's start and end (before its line end)."""
    out: list[tuple[int, int]] = []
    for m in _LINE.finditer(text):
        if m.start() == len(text) and out:
            break
        out.append((m.start(), m.start() + len(m.group(0).rstrip("\r\n"))))
    return out


def _stamp(raw: str, where: str, what: str) -> timedelta:
    m = _STAMP.match(raw)
    if m is None or int(m.group(2)) >= 60 or int(m.group(3)) >= 60:
        raise InputError(
            f"input file {where}, {what}: {raw!r} is not a timestamp",
            "write it as HH:MM:SS.mmm or MM:SS.mmm (minutes and seconds under 60)",
        )
    hours, minutes, seconds, millis = (int(g or 0) for g in m.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds, milliseconds=millis)


def parse_cues(text: str, where: str) -> list[Cue]:
    """The cues of a WebVTT text, with their places in it (see the module for what is refused)."""
    lines = _lines(text)
    first = text[lines[0][0] : lines[0][1]] if lines else ""
    if not (first.startswith("WEBVTT") and first[6:7] in ("", " ", "\t")):
        raise InputError(
            f"input file {where}, line 1: a WebVTT file starts with 'WEBVTT', this one with {first[:40]!r}",
            "give a WebVTT file (or an SRT file named .srt)",
        )
    chunks: list[list[int]] = []
    run: list[int] = []
    for k, (a, b) in enumerate(lines):
        if text[a:b].strip():
            run.append(k)
        elif run:
            chunks.append(run)
            run = []
    if run:
        chunks.append(run)
    cues: list[Cue] = []
    for chunk in chunks[1:]:  # the first is the header
        head = text[lines[chunk[0]][0] : lines[chunk[0]][1]]
        if head.startswith(_KEPT) and head.split(None, 1)[0] in _KEPT:
            continue
        at = next((j for j in range(min(2, len(chunk))) if "-->" in text[slice(*lines[chunk[j]])]), None)
        line_no = chunk[0] + 1
        if at is None:
            raise InputError(
                f"input file {where}, line {line_no}: {head[:60]!r} is not part of a cue (an optional identifier, "
                "a timing line 'HH:MM:SS.mmm --> HH:MM:SS.mmm' and its text) nor a NOTE, STYLE or REGION block",
                "fix or remove that line; give a WebVTT file",
            )
        timing_line = chunk[at]
        timing = text[slice(*lines[timing_line])]
        name = head.strip() if at else str(len(cues) + 1)
        what = f"cue {name} (line {timing_line + 1})"
        m = _TIMING.match(timing.strip())
        if m is None:
            raise InputError(
                f"input file {where}, {what}: {timing.strip()[:60]!r} is not a timing line",
                "write it as HH:MM:SS.mmm --> HH:MM:SS.mmm, then any cue settings",
            )
        start, end = _stamp(m.group(1), where, what), _stamp(m.group(2), where, what)
        if end <= start:
            raise InputError(
                f"input file {where}, {what}: it ends at {m.group(2)} before or when it starts ({m.group(1)})",
                "fix the cue's timing line so that it ends after it starts",
            )
        if cues and start < cues[-1].end:
            raise InputError(
                f"input file {where}, {what}: it starts at {m.group(1)}, before cue {cues[-1].number} ends",
                "fix the timings so that each cue starts after the one before it ends (or merge the two cues)",
            )
        header_start = lines[chunk[0]][0]
        header_end = lines[timing_line][1]
        body = chunk[at + 1 :]
        text_start, text_end = (lines[body[0]][0], lines[body[-1]][1]) if body else (header_end, header_end)
        cues.append(Cue(len(cues), name, start, end, header_start, text[header_start:header_end], text_start, text_end))
    if not cues:
        raise InputError(f"input file {where} has no subtitle cues", "give a WebVTT file with at least one cue")
    return cues


def make_reader(cfg: ReadConfig) -> SubtitleReader:
    s = cfg.srt
    return SubtitleReader(
        "vtt", (".vtt",), "x-vtt", parse_cues, VTT_SYNTAX, Limits(s.max_line_length, s.max_lines, s.max_cps)
    )
