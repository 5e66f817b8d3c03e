"""The Markdown reader's inline half: where a block's inline source lies in the document, and its text and codes.

markdown-it-py's inline tokens carry no source offsets, only the inline source they were parsed from (the
``inline`` token's ``content``: the block's lines without their container prefixes, joined with newlines; a table
cell's text with ``\\|`` unescaped). :class:`SourceMap` says where each character of that source lies in the
document (built by the reader from ``token.map`` and the line prefixes); :func:`inline_text` walks the source
alongside the token children, character by character, and returns the text the reader sees (markup removed,
escapes and entities resolved, a soft line break as a space) with the markup as stand-off :class:`InlineCode` s
whose ``opening``/``closing`` are the document's own characters (prefixes of continuation lines included), so
that writing them back changes nothing. A token stream the walk cannot follow raises :class:`Mismatch`.
"""

from __future__ import annotations

import bisect
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from pipeline.read.base import InlineCode

__all__ = ["InlineText", "Mismatch", "SourceMap", "inline_text"]


class Mismatch(Exception):
    """The tokens and the inline source disagree: a case this reader does not know (the block is left as it is)."""


class SourceMap:
    """Where the characters of an inline source lie in the document: runs ``(s, o, n)``, ``src[s:s+n]`` at
    ``doc[o:o+n]``, in order. A character no run holds (a newline between lines, a space a tab expanded into, a
    backslash the table dropped before ``|``) is not in the document as itself."""

    def __init__(self, runs: Sequence[tuple[int, int, int]]) -> None:
        if not runs:
            raise Mismatch("an inline source with no characters in the document")
        self.s = [r[0] for r in runs]
        self.o = [r[1] for r in runs]
        self.n = [r[2] for r in runs]
        self.one = runs[0] if len(runs) == 1 else None  # the common case: one run (a one-line block)

    def _at(self, k: int, i: int) -> int:
        k = max(k, 0)
        return self.o[k] + max(0, min(i - self.s[k], self.n[k]))

    def at(self, i: int) -> int:
        """The document offset of source character ``i`` (where it starts)."""
        if self.one is not None:
            s, o, n = self.one
            return o + max(0, min(i - s, n))
        return self._at(bisect.bisect_right(self.s, i) - 1, i)

    def after(self, i: int) -> int:
        """The document offset just after source character ``i - 1`` (where a span ending at ``i`` ends)."""
        if self.one is not None:
            s, o, n = self.one
            return o + max(0, min(i - s, n))
        return self._at(bisect.bisect_right(self.s, i - 1) - 1, i)


@dataclass
class InlineText:
    """A block's text and codes, the full-reference closing of each shortcut/collapsed reference link (written
    instead of ``]`` / ``][]`` when the text changes: the link text is its own reference label there), and the
    codes each isolated code was inside (where a translation puts it at their edge, it is written inside)."""

    text: str
    codes: list[InlineCode]
    refs: dict[int, str] = field(default_factory=dict)
    inside: dict[int, tuple[int, ...]] = field(default_factory=dict)  # isolated code id -> the codes enclosing it


_SPACE = " \t"
_EMPHASIS = {"em_open": "italic", "em_close": "italic", "strong_open": "bold", "strong_close": "bold"}


@dataclass
class _Open:
    kind: str
    start: int  # text offset
    seq: int
    opening: str
    label: int = 0  # source offset where a link's label starts


class _Walker:
    def __init__(self, md: MarkdownIt, env: MutableMapping[str, Any], src: str, smap: SourceMap, doc: str) -> None:
        self.md, self.env, self.src, self.smap, self.doc = md, env, src, smap, doc
        self.parts: list[str] = []
        self.length = 0
        self.codes: list[tuple[int, str, int, int, str, str, bool]] = []  # seq, kind, start, end, open, close, iso
        self.seq = 0  # codes in reading order: by where they open
        self.refs: dict[int, str] = {}
        self.inside: dict[int, tuple[int, ...]] = {}
        self.stack: list[_Open] = []

    # -- the source ------------------------------------------------------------------------------------------
    def raw(self, a: int, b: int, *, to_next: bool = False) -> str:
        """The document's characters of source ``[a, b)`` (``to_next``: up to where source character ``b`` is,
        the next line's prefix included)."""
        one = self.smap.one
        if one is not None:  # one run: at and after are the same
            s, o, n = one
            return self.doc[o + max(0, min(a - s, n)) : o + max(0, min(b - s, n))]
        return self.doc[self.smap.at(a) : self.smap.at(b) if to_next else self.smap.after(b)]

    def expect(self, p: int, s: str) -> int:
        if not self.src.startswith(s, p):
            raise Mismatch(f"expected {s!r} at {p} of {self.src[p : p + 40]!r}")
        return p + len(s)

    def skip(self, p: int, chars: str) -> int:
        while p < len(self.src) and self.src[p] in chars:
            p += 1
        return p

    def newline(self, p: int, hard: bool) -> int:
        p = self.skip(p, " ")
        if hard and self.src.startswith("\\\n", p):
            p += 1
        return self.skip(self.expect(p, "\n"), _SPACE)

    # -- the text and codes ----------------------------------------------------------------------------------
    def add(self, s: str) -> None:
        self.parts.append(s)
        self.length += len(s)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def isolated(self, kind: str, opening: str) -> None:
        seq = self.next_seq()
        self.codes.append((seq, kind, self.length, self.length, opening, "", True))
        if self.stack:
            self.inside[seq] = tuple(o.seq for o in self.stack)

    def open(self, kind: str, p: int, markup: str, label: int = 0) -> int:
        q = self.expect(p, markup)
        self.stack.append(_Open(kind, self.length, self.next_seq(), self.raw(p, q), label))
        return q

    def close(self, kind: str, p: int, q: int) -> int:
        """Close the innermost open code (``kind``), its closing ``src[p:q]``; its sequence number."""
        if not self.stack or self.stack[-1].kind != kind:
            raise Mismatch(f"{kind} closes what it did not open")
        o = self.stack.pop()
        self.codes.append((o.seq, kind, o.start, self.length, o.opening, self.raw(p, q), False))
        return o.seq

    def link_end(self, label_end: int, image: bool) -> int:
        """Where the link whose label ends at ``label_end`` (its ``]``) ends: markdown-it's own link/image rule,
        followed (inline ``(destination "title")``, full ``[ref]``, collapsed ``[]``, or shortcut)."""
        src, mx, md = self.src, len(self.src), self.md
        pos = label_end + 1
        if pos < mx and src[pos] == "(":
            pos = self.skip(pos + 1, " \t\n")
            if pos >= mx:
                raise Mismatch("a link's destination is missing")
            res = md.helpers.parseLinkDestination(src, pos, mx)
            if res.ok:
                if md.validateLink(md.normalizeLink(res.str)):
                    pos = res.pos
                if not image:
                    pos = self.title(pos)
            if image:
                pos = self.title(pos)
            if pos < mx and src[pos] == ")":
                return pos + 1
            if image:
                raise Mismatch("an image's destination does not close")
            pos += 1
        if pos < mx and src[pos] == "[":
            state = StateInline(src, md, self.env, [])
            end = md.helpers.parseLinkLabel(state, pos)
            if end >= 0:
                return int(end) + 1
        return label_end + 1

    def title(self, pos: int) -> int:
        start, pos = pos, self.skip(pos, " \t\n")
        res = self.md.helpers.parseLinkTitle(self.src, pos, len(self.src))
        if pos < len(self.src) and start != pos and res.ok:
            pos = self.skip(res.pos, " \t\n")
        return int(pos)

    def link_close(self, kind: str, p: int, image: bool) -> int:
        if not self.src.startswith("]", p):
            raise Mismatch(f"a {kind}'s label does not end with ']' at {p}")
        q = self.link_end(p, image)
        label = self.stack[-1].label if self.stack else 0
        seq = self.close(kind, p, q)
        if q == p + 1 or (q == p + 3 and self.src.startswith("[]", p + 1)):  # shortcut or collapsed reference
            self.refs[seq] = "][" + self.raw(label, p) + "]"
        return q

    def walk(self, tokens: Sequence[Token], p: int) -> int:
        src, parts = self.src, self.parts
        i = 0
        while i < len(tokens):
            t = tokens[i]
            kind = t.type
            if kind == "text":  # the most common token: expect and add, inline
                c = t.content
                if not src.startswith(c, p):
                    self.expect(p, c)
                p += len(c)
                parts.append(c)
                self.length += len(c)
            elif kind in _EMPHASIS:
                if kind.endswith("_open"):
                    p = self.open(_EMPHASIS[kind], p, t.markup)
                else:
                    q = self.expect(p, t.markup)
                    self.close(_EMPHASIS[kind], p, q)
                    p = q
            elif kind == "text_special":
                p = self.expect(p, t.markup)
                self.add(t.content)
            elif kind == "softbreak":
                p = self.newline(p, False)
                self.add(" ")
            elif kind == "hardbreak":
                q = self.newline(p, True)
                self.isolated("br", self.raw(p, q, to_next=True))
                p = q
            elif kind == "link_open" and t.markup == "autolink":
                q = self.src.find(">", p) + 1
                if not self.src.startswith("<", p) or q <= p:
                    raise Mismatch("an autolink without <...>")
                self.isolated("link", self.raw(p, q))
                while i < len(tokens) and tokens[i].type != "link_close":
                    i += 1
                p = q
            elif kind == "link_open":
                p = self.open("link", p, "[", label=p + 1)
            elif kind == "link_close":
                p = self.link_close("link", p, image=False)
            elif kind == "image":
                p = self.open("image", p, "![", label=p + 2)
                p = self.walk(t.children or [], p)
                p = self.link_close("image", p, image=True)
            elif kind == "code_inline":
                p = self.code_span(p, t.markup)
            elif kind == "html_inline":
                q = self.expect(p, t.content)
                self.isolated("other", self.raw(p, q))
                p = q
            else:
                raise Mismatch(f"unknown inline token {kind}")
            i += 1
        return p

    def code_span(self, p: int, ticks: str) -> int:
        k = self.expect(p, ticks)
        while True:
            j = self.src.find("`", k)
            if j < 0:
                raise Mismatch("a code span does not close")
            k = self.skip(j, "`")
            if k - j == len(ticks):
                self.isolated("code", self.raw(p, k))
                return k


def inline_text(
    md: MarkdownIt, env: MutableMapping[str, Any], token: Token, smap: SourceMap, doc: str, first_id: int
) -> InlineText:
    """The text and codes of ``token`` (an ``inline`` token) whose source lies in ``doc`` where ``smap`` says;
    code ids from ``first_id`` in reading order (by where each code starts)."""
    w = _Walker(md, env, token.content, smap, doc)
    if w.walk(token.children or [], 0) != len(token.content) or w.stack:
        raise Mismatch("the tokens do not cover the inline source")
    order = sorted(w.codes)
    ids = {c[0]: first_id + k for k, c in enumerate(order)}
    codes = [InlineCode(ids[c[0]], c[1], c[2], c[3], c[4], c[5], c[6], False) for c in order]
    refs = {ids[i]: r for i, r in w.refs.items()}
    return InlineText("".join(w.parts), codes, refs, {ids[i]: tuple(ids[o] for o in s) for i, s in w.inside.items()})
