"""The Markdown reader's writing half: a changed block's text and codes as Markdown, on one line.

The text is escaped where Markdown would read it as markup (``\\`` ````` ``*`` ``_`` ``[`` ``]`` ``<`` everywhere,
``|`` as ``\\|`` in a table cell and ``&#124;`` elsewhere, ``&`` before what would be an entity, ``!`` before a
code, and at a line start ``#`` ``>`` ``-`` ``+`` ``=`` ``~`` and a list number's ``.``/``)``); the codes are
written at their offsets (closing codes first, then isolated ones, then opening ones, outer before inner), their
markup as the input wrote it. What keeps the structure when a translation moves codes: emphasis does not begin or
end on a space (the markers move inward, an empty one is left out); markers that would not be read as emphasis
where they now stand (``_`` inside a word, ``*`` between a letter and a quote mark) are written as ``*``, or else
as ``<em>``/``<strong>``, and when the block written does not read back with the emphasis meant (a rule-of-three
match), all of its emphasis is written as HTML; a shortcut/collapsed reference link is written as a full
reference (its text was its label); a hard line break is not written at the start or end of the text nor twice
in a row (it would end the paragraph). A soft line break was a space in the text: the paragraph is written on
one line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.token import Token

from pipeline.read.base import InlineCode

__all__ = ["escape", "render"]

_ALWAYS = str.maketrans({c: "\\" + c for c in "\\`*_[]<"})
# a line with a pipe, even an escaped one, followed by a line of dashes is a table (a setext heading's text, a
# paragraph's last line): outside a table cell a pipe is written as a character reference
_PIPE = {True: "\\|", False: "&#124;"}
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
_LINE_START = re.compile(r"[#>+=~-]|[0-9]{1,9}(?=[.)])")
_NEWLINES = re.compile(r"\r\n?|\n")
_NONBLANK = re.compile(r"\S")
_EMPHASIS = ("italic", "bold")
_EMPHASIS_TOKENS = {"em_open": "italic+", "em_close": "italic-", "strong_open": "bold+", "strong_close": "bold-"}


def escape(seg: str, *, line_start: bool = False, before_code: bool = False, cell: bool = False) -> str:
    """``seg`` (plain text) as Markdown that reads back as ``seg`` wherever it stands in a line (at a line
    start: its leading blanks dropped, as a reader would drop them)."""
    if line_start:
        seg = seg.lstrip(" \t")
    s = _ENTITY.sub(r"\\&", seg.translate(_ALWAYS)).replace("|", _PIPE[cell])
    if line_start and (m := _LINE_START.match(s)):
        s = "\\" + s if not m.group().isdigit() else s[: m.end()] + "\\" + s[m.end() :]
    if before_code and s.endswith("!"):
        s = s[:-1] + "\\!"
    return s


@dataclass
class _Code:
    id: int
    kind: str
    start: int
    end: int
    opening: str
    closing: str
    isolated: bool


def _codes(
    text: str, codes: Sequence[InlineCode], refs: Mapping[int, str], inside: Mapping[int, Sequence[int]]
) -> list[_Code]:
    n = len(text)
    out: list[_Code] = []
    held: dict[int, set[int]] = {}  # code id -> where isolated codes it encloses are (they are written inside it)
    for c in codes:
        for o in inside.get(c.id, ()) if c.isolated else ():
            held.setdefault(o, set()).add(min(c.start, n))
    last_br = -1
    first, last = n - len(text.lstrip()), len(text.rstrip())  # where the text's first blank / last blank run is
    for c in sorted(codes, key=lambda c: (min(c.start, n), c.id)):
        s, e = min(c.start, n), min(c.end, n)
        if c.kind in _EMPHASIS and not c.isolated:
            edge = held.get(c.id, set())
            while s < e and text[s].isspace() and s not in edge:
                s += 1
            while e > s and text[e - 1].isspace() and e not in edge:
                e -= 1
            if s == e and s not in edge:
                continue  # emphasis of nothing is not emphasis
        if c.kind == "br":
            if s <= first or s >= last or (last_br >= 0 and not _NONBLANK.search(text, last_br, s)):
                continue  # a break at the start or end, or a second one: an empty line, the paragraph would end
            last_br = s
        out.append(_Code(c.id, c.kind, s, e, c.opening, refs.get(c.id, c.closing), c.isolated))
    return out


def _is_punct(ch: str) -> bool:
    return isMdAsciiPunct(ord(ch)) or isPunctChar(ch)


def _delimits(out: list[str], i: int, opening: bool) -> bool:
    """Whether the emphasis markers ``out[i]`` open (``opening``) or close emphasis where they stand: the run
    they are part of, and the characters either side of it, as markdown-it's ``scanDelims`` sees them."""
    ch = out[i][0]
    j, k = i - 1, i + 1
    while j >= 0 and (not out[j] or not out[j].strip(ch)):
        j -= 1
    while k < len(out) and (not out[k] or not out[k].strip(ch)):
        k += 1
    last = out[j][-1] if j >= 0 else " "
    nxt = out[k][0] if k < len(out) else " "
    last_ws, next_ws = isWhiteSpace(ord(last)), isWhiteSpace(ord(nxt))
    last_p, next_p = _is_punct(last), _is_punct(nxt)
    left = not (next_ws or (next_p and not (last_ws or last_p)))
    right = not (last_ws or (last_p and not (next_ws or next_p)))
    if opening:
        return left and (ch == "*" or not right or last_p)
    return right and (ch == "*" or not left or next_p)


def _fix_emphasis(out: list[str], pairs: list[tuple[int, int, _Code]]) -> None:
    """Emphasis markers that would not be read as emphasis where the translation put them (``_`` inside a word,
    ``*`` between a letter and a quote mark): ``_`` becomes ``*`` where that is enough, else ``<em>``/``<strong>``."""
    for _ in range(3):
        changed = False
        for a, b, c in pairs:
            if not out[a].startswith(("*", "_")) or (_delimits(out, a, True) and _delimits(out, b, False)):
                continue
            changed = True
            if out[a][0] == "_":
                out[a], out[b] = "*" * len(out[a]), "*" * len(out[b])
                if _delimits(out, a, True) and _delimits(out, b, False):
                    continue
            _to_html(out, [(a, b, c)])
        if not changed:
            return


def _isolated(out: list[str], codes: list[_Code], left: list[_Code], line_start: bool, ctx: _Ctx) -> bool:
    """Write ``codes`` (taking them from ``left``, the isolated codes not yet written at this offset; a code
    around no text with the isolated codes it encloses); whether the next character is at a line start."""
    for c in codes:
        if c not in left:
            continue
        left.remove(c)
        if c.isolated:
            out.append(c.opening)
            line_start = c.kind == "br" or (line_start and not c.opening)
            continue
        at = len(out)
        out.append(c.opening)
        inner = [i for i in left if c.id in ctx.within.get(i.id, ())]
        line_start = _isolated(out, inner, left, line_start and not c.opening, ctx)
        if c.kind in _EMPHASIS:
            ctx.pairs.append((at, len(out), c))
        out.append(c.closing)
        line_start = line_start and not c.closing
    return line_start


@dataclass
class _Ctx:
    within: Mapping[int, Sequence[int]]
    pairs: list[tuple[int, int, _Code]]


def _to_html(out: list[str], pairs: list[tuple[int, int, _Code]]) -> None:
    for a, b, c in pairs:
        if out[a].startswith(("*", "_")):
            tag = "em" if c.kind == "italic" else "strong"
            out[a], out[b] = f"<{tag}>", f"</{tag}>"


def _emphasis_read(tokens: Sequence[Token]) -> list[str]:
    seq: list[str] = []
    for t in tokens:
        if t.type in _EMPHASIS_TOKENS:
            seq.append(_EMPHASIS_TOKENS[t.type])
        seq += _emphasis_read(t.children or ())
    return seq


def _emphasis_written(out: list[str], pairs: list[tuple[int, int, _Code]]) -> list[str]:
    marks = [(i, c.kind + suffix) for a, b, c in pairs if out[a][:1] in "*_" for i, suffix in ((a, "+"), (b, "-"))]
    return [m for _, m in sorted(marks)]


def render(
    text: str,
    codes: Sequence[InlineCode],
    *,
    refs: Mapping[int, str] | None = None,
    inside: Mapping[int, Sequence[int]] | None = None,
    heading: bool = False,
    cell: bool = False,
    md: MarkdownIt | None = None,
    env: Mapping[str, Any] | None = None,
) -> str:
    """The Markdown of a block whose text is ``text`` with ``codes``; ``refs``: the full-reference closing of
    each shortcut/collapsed reference link (by code id); ``inside``: the codes each isolated code was inside
    (at the edge of one of them, it is written inside); ``heading``: an ATX heading (a closing ``#`` run is
    escaped); ``cell``: a table cell (``|`` is escaped as ``\\|``, and it does not end with a backslash, which
    would escape the next ``|``); ``md``/``env``: the parser and the document's references, to check that the
    emphasis written is read as the emphasis meant (when not, all of the block's is written as HTML)."""
    text = _NEWLINES.sub(" ", text).replace("\x00", "\ufffd")
    n = len(text)
    opens: dict[int, list[_Code]] = {}
    closes: dict[int, list[_Code]] = {}
    isos: dict[int, list[_Code]] = {}
    within = inside or {}
    for c in _codes(text, codes, refs or {}, within):
        if c.isolated or c.start == c.end:
            isos.setdefault(c.start, []).append(c)
        else:
            opens.setdefault(c.start, []).append(c)
            closes.setdefault(c.end, []).append(c)
    out: list[str] = []
    where: dict[int, int] = {}  # emphasis code id -> index of its opening in out
    pairs: list[tuple[int, int, _Code]] = []
    ctx = _Ctx(within, pairs)
    line_start = True
    prev = 0
    for pos in sorted({*opens, *closes, *isos, n}):
        last = pos == n and not (pos in opens or pos in closes or pos in isos)
        seg = escape(text[prev:pos], line_start=line_start, before_code=not last, cell=cell)
        if last:
            seg = seg.rstrip(" \t")
            if heading and (m := re.search(r"#+$", seg)):
                seg = seg[: m.start()] + "\\" + seg[m.start() :]
        if seg:
            out.append(seg)
            line_start = False
        here = isos.get(pos, [])
        for c in sorted(closes.get(pos, ()), key=lambda c: (-c.start, -c.id)):
            line_start = _isolated(out, [i for i in here if c.id in within.get(i.id, ())], here, line_start, ctx)
            if c.id in where:
                pairs.append((where[c.id], len(out), c))
            out.append(c.closing)
            line_start = line_start and not c.closing
        starting = sorted(opens.get(pos, ()), key=lambda c: (-c.end, c.id))
        ids = {c.id for c in starting}
        line_start = _isolated(out, [i for i in here if not ids & set(within.get(i.id, ()))], here, line_start, ctx)
        for k, c in enumerate(starting):
            if c.kind in _EMPHASIS:
                where[c.id] = len(out)
            out.append(c.opening)
            line_start = line_start and not c.opening
            inner = {o.id for o in starting[k + 1 :]}
            mine = [i for i in here if c.id in within.get(i.id, ()) and not inner & set(within.get(i.id, ()))]
            line_start = _isolated(out, mine, here, line_start, ctx)
        line_start = _isolated(out, list(here), here, line_start, ctx)
        prev = pos
    _fix_emphasis(out, pairs)
    result = "".join(out)
    if md is not None and pairs:
        read = _emphasis_read(md.parseInline(result, dict(env or {})))
        if read != _emphasis_written(out, pairs):
            _to_html(out, pairs)
            result = "".join(out)
    if cell and result.endswith("\\"):
        result += " "
    return result
