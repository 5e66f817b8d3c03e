"""One Word paragraph written again from its translation: the paragraph's properties (``w:pPr``) stay; its content is
rebuilt from the new text and codes: text outside codes in runs of the base formatting, a format code's text in runs
of its formatting, a container around its codes' span (split in two where the translation made it cross another
container), each kept element moved back in at its code's new offset, the edges' elements at the edges. Spell-check
marks, soft hyphens and ``w:lastRenderedPageBreak`` (a layout cache Word rebuilds) are not written back in a changed
paragraph; an unchanged paragraph is not touched at all.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence

from lxml import etree

from pipeline.read.docx_xml import NBH, PPR, SDT, SDTCONTENT, Item, Paragraph, R, T
from pipeline.records import InlineCode

__all__ = ["rewrite"]

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def _new_run(rpr: etree._Element | None, text: str) -> etree._Element:
    r = etree.Element(R)
    if rpr is not None:
        r.append(copy.deepcopy(rpr))
    for k, part in enumerate(text.split("\u2011")):
        if k:
            etree.SubElement(r, NBH)
        if part:
            t = etree.SubElement(r, T)
            t.text = part
            if part != part.strip() or "  " in part:
                t.set(_XML_SPACE, "preserve")
    return r


def _items(parent: etree._Element, items: Sequence[Item]) -> None:
    for it in items:
        if it.wrap:
            r = etree.SubElement(parent, R)
            if it.rpr is not None:
                r.append(copy.deepcopy(it.rpr))
            r.append(it.el)
        else:
            parent.append(it.el)


def _content_parent(el: etree._Element) -> etree._Element:
    if el.tag == SDT:
        inner = el.find(SDTCONTENT)
        if inner is None:
            inner = etree.SubElement(el, SDTCONTENT)
        return inner
    return el


def _clear(el: etree._Element) -> None:
    inner = _content_parent(el)
    for c in list(inner):
        if inner is el and isinstance(c.tag, str) and c.tag.endswith("Pr"):
            continue
        inner.remove(c)


def rewrite(par: Paragraph, codes: Sequence[InlineCode], text: str) -> None:
    """Rebuild ``par``'s content in place from ``text`` and its ``codes`` (ids of ``par``'s codes; a code whose id
    ``par`` does not know is left out, a code of ``par`` missing from ``codes`` is put at the end: nothing kept is
    lost)."""
    text = _clean(text)
    p = par.p
    for c in list(p):
        if c.tag != PPR:
            p.remove(c)
    known = [c for c in codes if c.id in par.pieces]
    given = {c.id for c in known}
    known += [c.moved(len(text), len(text)) for c in par.codes if c.id not in given]
    for c in known:
        piece = par.pieces[c.id]
        if piece.role == "container" and piece.shell is not None:
            _clear(piece.shell)
    templates = {c.id: copy.deepcopy(par.pieces[c.id].shell) for c in known if par.pieces[c.id].role == "container"}
    _items(p, par.prefix)
    _Writer(par, known, text, templates).write(p)
    _items(p, par.suffix)


class _Writer:
    def __init__(self, par: Paragraph, codes: list[InlineCode], text: str,
                 templates: dict[int, etree._Element | None]) -> None:  # fmt: skip
        self.par = par
        self.text = text
        self.codes = codes
        self.templates = templates
        self.used: set[int] = set()
        self.stack: list[tuple[int, etree._Element]] = []  # open containers: (code id, where their content goes)
        n = len(text)
        self.spans = {c.id: (min(c.start, n), min(max(c.end, c.start), n)) for c in codes}
        self.depth = {c.id: len(par.pieces[c.id].ancestors) for c in codes}
        self.containers = [c.id for c in codes if par.pieces[c.id].role == "container"]

    def _parent(self, p: etree._Element) -> etree._Element:
        return self.stack[-1][1] if self.stack else p

    def _sync(self, p: etree._Element, target: list[int]) -> None:
        keep = 0
        while keep < min(len(self.stack), len(target)) and self.stack[keep][0] == target[keep]:
            keep += 1
        del self.stack[keep:]
        for cid in target[keep:]:
            shell = self.par.pieces[cid].shell
            template = self.templates.get(cid)
            if shell is None or template is None:
                continue
            el = shell if cid not in self.used else copy.deepcopy(template)
            self.used.add(cid)
            self._parent(p).append(el)
            self.stack.append((cid, _content_parent(el)))

    def _containers_at(self, a: int, b: int) -> list[int]:
        """The container codes around the text ``a:b`` (``a == b``: those whose span touches ``a``), outer first."""
        out = []
        for cid in self.containers:
            s, e = self.spans[cid]
            if (s <= a and b <= e and s < e) if a < b else (s <= a <= e):
                out.append(cid)
        return sorted(out, key=lambda cid: (self.depth[cid], self.spans[cid][0], cid))

    def write(self, p: etree._Element) -> None:
        """Append the paragraph's new content to ``p``: a sweep over the offsets where a code starts or ends."""
        text = self.text
        isolated: dict[int, list[InlineCode]] = {}
        formats: list[InlineCode] = []
        empty: dict[int, list[InlineCode]] = {}  # containers around no text, by offset
        points = {0, len(text)}
        for c in self.codes:
            role = self.par.pieces[c.id].role
            s, e = self.spans[c.id]
            points.update((s, e))
            if role == "isolated":
                isolated.setdefault(s, []).append(c)
            elif role == "format":
                formats.append(c)
            elif s == e:
                empty.setdefault(s, []).append(c)
        formats.sort(key=lambda c: (self.spans[c.id][0], c.id))
        active: list[InlineCode] = []  # the format codes around the current offset
        nxt = 0
        skip = self._spaces(isolated)
        cuts = sorted(points)
        for k, a in enumerate(cuts):
            for c in sorted(isolated.get(a, ()), key=lambda c: c.id):
                piece = self.par.pieces[c.id]
                self._sync(p, [x for x in self._containers_at(a, a) if x in piece.ancestors])
                _items(self._parent(p), piece.items)
            for c in empty.get(a, ()):  # a container around no text at all: its empty element, where it was put
                if c.id not in self.used:
                    self._sync(p, [x for x in self._containers_at(a, a) if x != c.id and self.spans[x] != (a, a)]
                               + [c.id])  # fmt: skip
            if k + 1 == len(cuts):
                break
            b = cuts[k + 1]
            self._sync(p, self._containers_at(a, b))
            while nxt < len(formats) and self.spans[formats[nxt].id][0] <= a:
                active.append(formats[nxt])
                nxt += 1
            active = [c for c in active if self.spans[c.id][1] >= b]
            if active:  # the innermost: the one that starts last
                rpr = self.par.pieces[max(active, key=lambda c: (self.spans[c.id][0], c.id)).id].rpr
            elif self.stack:
                rpr = self.par.pieces[self.stack[-1][0]].rpr
            else:
                rpr = self.par.base
            chunk = "".join(ch for i, ch in enumerate(text[a:b], a) if i not in skip) if skip else text[a:b]
            if chunk:
                self._parent(p).append(_new_run(rpr, chunk))
        self._sync(p, [])

    def _spaces(self, isolated: dict[int, list[InlineCode]]) -> set[int]:
        """The offsets of the spaces that stand for tabs and breaks in the text: not written."""
        skip: set[int] = set()
        for at, cs in isolated.items():
            if any(self.par.pieces[c.id].space for c in cs):
                if self.text[at : at + 1] == " ":
                    skip.add(at)
                elif at and self.text[at - 1 : at] == " ":
                    skip.add(at - 1)
        return skip
