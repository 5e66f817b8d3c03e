"""One Word paragraph (``w:p``) as a block's text with stand-off codes, and the paragraph rewritten from a translation.

Reading (:meth:`ParagraphReader.read`). The paragraph's inline content is walked in order: runs (``w:r``) give
text (``w:t``; ``w:noBreakHyphen`` as U+2011), containers (``w:hyperlink``, ``w:ins``, ``w:moveTo``, ``w:smartTag``,
inline ``w:customXml``, ``w:sdt``, ``w:dir``, ``w:bdo``) enclose runs, and everything else is kept as it is:
tabs, breaks, symbols, drawings, objects, footnote/endnote/comment references, bookmarks, comment ranges, deleted
text (``w:del``, ``w:moveFrom``), math, simple fields, and every complex field from its ``begin`` to its ``end``
(instruction and result, over as many runs as it takes, across paragraphs too). Then:

* adjacent runs with the same formatting are one: the spell-check marks (``w:proofErr``) and revision ids
  (``w:rsid*`` attributes) between them are noise, and ``w:lang``/``w:noProof`` (proofing state) do not count as
  formatting; the formatting with the most characters of a container (the paragraph, a link, ...) is its base,
  and each run of other formatting is a paired code (``bold``, ``italic``, ``underline``, ``color``, ``font``,
  ``highlight``, ``strike``, ``superscript``/``subscript``, ``style``, else ``format``) whose markup is the run's
  ``<w:r><w:rPr>...</w:rPr>`` and ``</w:r>``;
* a container with text is a paired code (``link`` for a hyperlink, ``insert``, ``sdt``, ``span``), its markup
  its start and end tags;
* what is kept is an isolated code (``tab``, ``br``, ``break`` (page or column), ``field``, ``image``,
  ``footnote``, ``endnote``, ``comment``, ``bookmark``, ``symbol``, ``deleted``, ``math``, ``other``) whose markup
  is its XML; a tab or a line break is also a space in the text where words would otherwise touch, so that
  sentences and words stay apart; what is kept before the paragraph's first character or after its last, outside
  any container (a heading's bookmark, a footnote's number, a trailing page break), is no code at all: it stays at
  that edge.

Writing (:func:`rewrite`): the paragraph's properties (``w:pPr``) stay; its content is rebuilt from the new text and
codes: text outside codes in runs of the base formatting, a format code's text in runs of its formatting, a
container around its codes' span (split in two where the translation made it cross another container), each kept
element moved back in at its code's new offset, the edges' elements at the edges. Spell-check marks, soft hyphens
and ``w:lastRenderedPageBreak`` (a layout cache Word rebuilds) are not written back in a changed paragraph; an
unchanged paragraph is not touched at all.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from docx.oxml.ns import nsmap
from lxml import etree

from pipeline.records import InlineCode

__all__ = ["MC", "W", "Item", "Paragraph", "ParagraphReader", "Piece", "rewrite", "w"]

W = nsmap["w"]
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML element: ``w("p")`` -> ``{...main}p``."""
    return f"{{{W}}}{tag}"


R, T, RPR, PPR = w("r"), w("t"), w("rPr"), w("pPr")
FLDCHAR, INSTR = w("fldChar"), w("instrText")
NBH = w("noBreakHyphen")
TXBX = w("txbxContent")
ALT, CHOICE, FALLBACK = f"{{{MC}}}AlternateContent", f"{{{MC}}}Choice", f"{{{MC}}}Fallback"
SDT, SDTCONTENT = w("sdt"), w("sdtContent")
#: inline containers: element -> code kind
CONTAINERS = {w("hyperlink"): "link", w("ins"): "insert", w("moveTo"): "insert", w("smartTag"): "span",
              w("customXml"): "span", SDT: "sdt", w("dir"): "span", w("bdo"): "span"}  # fmt: skip
#: noise dropped from a changed paragraph (inside runs, or between them)
DROPPED = {w("proofErr"), w("lastRenderedPageBreak"), w("softHyphen"), w("rsid")}
#: kept elements between runs: element -> code kind
MARKERS = {w("bookmarkStart"): "bookmark", w("bookmarkEnd"): "bookmark", w("commentRangeStart"): "comment",
           w("commentRangeEnd"): "comment", w("del"): "deleted", w("moveFrom"): "deleted",
           w("fldSimple"): "field", f"{{{nsmap['m']}}}oMath": "math", f"{{{nsmap['m']}}}oMathPara": "math",
           w("permStart"): "other", w("permEnd"): "other", w("moveFromRangeStart"): "other",
           w("moveFromRangeEnd"): "other", w("moveToRangeStart"): "other", w("moveToRangeEnd"): "other"}  # fmt: skip
#: kept elements inside runs: element -> code kind
IN_RUN = {w("tab"): "tab", w("ptab"): "tab", w("br"): "br", w("cr"): "br", w("sym"): "symbol",
          w("drawing"): "image", w("pict"): "image", w("object"): "image", ALT: "image",
          w("footnoteReference"): "footnote", w("endnoteReference"): "endnote", w("commentReference"): "comment",
          w("footnoteRef"): "footnote", w("endnoteRef"): "endnote", w("annotationRef"): "comment",
          w("delText"): "deleted", w("separator"): "other", w("continuationSeparator"): "other",
          w("pgNum"): "field"}  # fmt: skip
_SPACED = {"tab", "br", "break"}  # kinds that stand between words: a space in the text keeps them apart
_NOT_FORMATTING = {w("lang"), w("noProof")}
_KINDS = (({"b", "bCs"}, "bold"), ({"i", "iCs"}, "italic"), ({"u"}, "underline"), ({"color"}, "color"),
          ({"rFonts", "sz", "szCs"}, "font"), ({"highlight", "shd"}, "highlight"), ({"strike", "dstrike"}, "strike"),
          ({"rStyle"}, "style"))  # fmt: skip
_NS_DECL = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_MAX_MARKUP = 2000  # longer kept XML (a drawing) is shown cut in the code's markup: writing uses the elements


@dataclass
class Item:
    """A kept element: moved back as it is, or (``wrap``) inside a new run with the run properties it had."""

    el: etree._Element
    rpr: etree._Element | None = None
    wrap: bool = False


@dataclass
class Piece:
    """What a code stands for in the paragraph's XML."""

    role: str  # format, container, isolated
    rpr: etree._Element | None = None  # format: its runs' properties; container: those of its text outside codes
    items: list[Item] = field(default_factory=list)  # isolated: what it writes
    shell: etree._Element | None = None  # container: the element
    ancestors: tuple[int, ...] = ()  # the ids of the container codes around it, outermost first
    space: bool = False  # isolated: a space in the text stands beside it (a tab between words)


@dataclass
class Paragraph:
    """A paragraph as read: its block's text and codes, and what writing it needs."""

    p: etree._Element
    text: str
    codes: list[InlineCode]
    pieces: dict[int, Piece]
    base: etree._Element | None  # the run properties of text outside codes
    prefix: list[Item]
    suffix: list[Item]
    stories: list[etree._Element]  # text boxes inside it (w:txbxContent), read after it as blocks of their own
    mirrors: list[tuple[etree._Element, etree._Element]]  # (text box, its fallback copy): the copy follows it


# ----------------------------------------------------------------------------------------------------- reading


@dataclass
class _Text:
    path: tuple[int, ...]
    key: bytes
    rpr: etree._Element | None
    text: str


@dataclass
class _Iso:
    path: tuple[int, ...]
    kind: str
    items: list[Item]


@dataclass
class _Open:
    path: tuple[int, ...]  # the container's own path (its index last)


@dataclass
class _Close:
    path: tuple[int, ...]


_Atom = _Text | _Iso | _Open | _Close


def _key(rpr: etree._Element | None) -> bytes:
    """What a run's formatting is, for merging: its properties without proofing state."""
    if rpr is None:
        return b""
    return b"".join(etree.tostring(c) for c in rpr if c.tag not in _NOT_FORMATTING and isinstance(c.tag, str))


def markup(el: etree._Element) -> str:
    """An element's XML as a code's markup (namespace declarations left out, long XML cut)."""
    s = _NS_DECL.sub("", etree.tostring(el, encoding="unicode", with_tail=False))
    return s if len(s) <= _MAX_MARKUP else s[: _MAX_MARKUP - 1] + "…"


def _start_tag(el: etree._Element) -> str:
    shallow = etree.Element(el.tag, attrib=dict(el.attrib), nsmap=el.nsmap)
    s = _NS_DECL.sub("", etree.tostring(shallow, encoding="unicode"))
    return s[:-2] + ">" if s.endswith("/>") else s.split(">", 1)[0] + ">"


def _end_tag(el: etree._Element) -> str:
    return f"</{_start_tag(el)[1:].split()[0].rstrip('>')}>"


def _top_boxes(el: etree._Element) -> list[etree._Element]:
    """The text boxes (``w:txbxContent``) inside ``el``, not those inside another text box."""
    out: list[etree._Element] = []
    stack = [el]
    while stack:
        e = stack.pop()
        for c in reversed(e):
            if c.tag == TXBX:
                out.append(c)
            elif isinstance(c.tag, str):
                stack.append(c)
    return out


def box_text(box: etree._Element) -> str:
    return "".join(t.text or "" for t in box.iter(T))


class ParagraphReader:
    """Reads the paragraphs of one story (the body, a header, a note, a text box) in order: a complex field may
    begin in one paragraph and end in a later one."""

    def __init__(self) -> None:
        self.depth = 0  # complex fields open (nested ones count)
        self.field: _Iso | None = None  # the current paragraph's code for the open field

    def read(self, p: etree._Element, next_id: int) -> Paragraph:
        """The paragraph ``p``; its code ids start at ``next_id``."""
        atoms: list[_Atom] = []
        containers: list[etree._Element] = []
        stories: list[etree._Element] = []
        mirrors: list[tuple[etree._Element, etree._Element]] = []
        self.field = None
        if self.depth:  # a field that began in an earlier paragraph goes on here
            self.field = _Iso((), "field", [])
            atoms.append(self.field)
        self._content(p, (), atoms, containers, stories, mirrors, top=True)
        return _assemble(p, atoms, containers, stories, mirrors, next_id)

    def _keep(self, atoms: list[_Atom], path: tuple[int, ...], kind: str, item: Item) -> None:
        if self.depth:
            assert self.field is not None
            self.field.items.append(item)
        else:
            atoms.append(_Iso(path, kind, [item]))

    def _content(self, parent: etree._Element, path: tuple[int, ...], atoms: list[_Atom],
                 containers: list[etree._Element], stories: list[etree._Element],
                 mirrors: list[tuple[etree._Element, etree._Element]], top: bool = False) -> None:  # fmt: skip
        for el in parent:
            tag = el.tag
            if top and tag == PPR:
                continue
            if tag == R:
                self._run(el, path, atoms, stories, mirrors)
            elif tag in DROPPED or not isinstance(tag, str):  # noise, comments, processing instructions
                continue
            elif tag in CONTAINERS and not self.depth:
                k = len(containers)
                containers.append(el)
                me = (*path, k)
                atoms.append(_Open(me))
                inner = el.find(SDTCONTENT) if tag == SDT else el
                if inner is not None:
                    self._content(inner, me, atoms, containers, stories, mirrors)
                atoms.append(_Close(me))
            elif tag.endswith("Pr") and tag != PPR:  # a container's properties (smartTagPr, customXmlPr)
                continue
            else:
                stories.extend(_top_boxes(el))
                self._keep(atoms, path, MARKERS.get(tag, "other"), Item(el))

    def _run(self, r: etree._Element, path: tuple[int, ...], atoms: list[_Atom], stories: list[etree._Element],
             mirrors: list[tuple[etree._Element, etree._Element]]) -> None:  # fmt: skip
        rpr = r.find(RPR)
        key: bytes | None = None
        for c in r:
            tag = c.tag
            if tag == RPR or not isinstance(tag, str):
                continue
            if tag == FLDCHAR:
                kind = c.get(w("fldCharType"))
                if kind == "begin" and not self.depth:
                    self.field = _Iso(path, "field", [])
                    atoms.append(self.field)
                if kind == "begin":
                    self.depth += 1
                if self.depth and self.field is not None:
                    self.field.items.append(Item(c, rpr, wrap=True))
                if kind == "end" and self.depth:
                    self.depth -= 1
                    if not self.depth:
                        self.field = None
                continue
            if self.depth:
                if self.field is not None:
                    self.field.items.append(Item(c, rpr, wrap=True))
                stories.extend(_top_boxes(c))
                continue
            if tag == T or tag == NBH:
                text = (c.text or "") if tag == T else "\u2011"
                if text:
                    key = _key(rpr) if key is None else key
                    last = atoms[-1] if atoms else None
                    if isinstance(last, _Text) and last.path == path and last.key == key:
                        last.text += text
                    else:
                        atoms.append(_Text(path, key, rpr, text))
                continue
            if tag in DROPPED or not isinstance(tag, str):
                continue
            kind = IN_RUN.get(tag, "other")
            if tag == w("br") and c.get(w("type")) in ("page", "column"):
                kind = "break"
            if tag == ALT:
                self._alternate(c, stories, mirrors)
            else:
                stories.extend(_top_boxes(c))
            self._keep(atoms, path, kind, Item(c, rpr, wrap=True))

    @staticmethod
    def _alternate(alt: etree._Element, stories: list[etree._Element],
                   mirrors: list[tuple[etree._Element, etree._Element]]) -> None:  # fmt: skip
        """A drawing with a fallback: the text boxes of its first choice are read; the fallback's, when they hold
        the same text, follow them (else they are read too)."""
        choice = alt.find(CHOICE)
        fallback = alt.find(FALLBACK)
        boxes = _top_boxes(choice) if choice is not None else []
        copies = _top_boxes(fallback) if fallback is not None else []
        if len(boxes) == len(copies) and all(box_text(a) == box_text(b) for a, b in zip(boxes, copies, strict=True)):
            stories.extend(boxes)
            mirrors.extend(zip(boxes, copies, strict=True))
        else:
            stories.extend(boxes + copies)


@dataclass
class _Found:
    start: int
    end: int
    source: int  # the index of its first atom: codes at one offset keep their source order
    path: tuple[int, ...]  # the container it is in
    piece: Piece
    kind: str
    opening: str
    closing: str = ""
    own: tuple[int, ...] | None = None  # a container's own path


def _edges(atoms: list[_Atom], containers: list[etree._Element]) -> tuple[list[Item], list[Item], set[int]]:
    """What stands outside any container before the first text and after the last: kept elements and whole
    containers without text. Returns (prefix, suffix, the indices of their atoms)."""
    texts = [i for i, a in enumerate(atoms) if isinstance(a, _Text)]
    first, last = texts[0], texts[-1]
    opens = {a.path: i for i, a in enumerate(atoms) if isinstance(a, _Open)}
    closes = {a.path: i for i, a in enumerate(atoms) if isinstance(a, _Close)}
    prefix: list[Item] = []
    suffix: list[Item] = []
    skip: set[int] = set()
    i = 0
    while i < first:
        a = atoms[i]
        if isinstance(a, _Iso) and not a.path:
            prefix.extend(a.items)
            skip.add(i)
        elif isinstance(a, _Open) and len(a.path) == 1 and closes[a.path] < first:
            prefix.append(Item(containers[a.path[0]]))
            skip.update(range(i, closes[a.path] + 1))
            i = closes[a.path]
        else:
            break
        i += 1
    i = len(atoms) - 1
    while i > last:
        a = atoms[i]
        if isinstance(a, _Iso) and not a.path:
            suffix[:0] = a.items
            skip.add(i)
        elif isinstance(a, _Close) and len(a.path) == 1 and opens[a.path] > last:
            suffix.insert(0, Item(containers[a.path[0]]))
            skip.update(range(opens[a.path], i + 1))
            i = opens[a.path]
        else:
            break
        i -= 1
    return prefix, suffix, skip


def _assemble(p: etree._Element, atoms: list[_Atom], containers: list[etree._Element],
              stories: list[etree._Element], mirrors: list[tuple[etree._Element, etree._Element]],
              next_id: int) -> Paragraph:  # fmt: skip
    if not any(isinstance(a, _Text) for a in atoms):
        return Paragraph(p, "", [], {}, None, [], [], stories, mirrors)
    prefix, suffix, skip = _edges(atoms, containers)

    # the text, where each atom lands in it, and the base formatting of every container (most characters)
    text: list[str] = []
    pos = 0
    at: dict[int, int] = {}
    chars: dict[tuple[int, ...], dict[bytes, int]] = {}
    pending: _Iso | None = None
    spaced: set[int] = set()
    for i, a in enumerate(atoms):
        if i in skip:
            continue
        at[i] = pos
        if isinstance(a, _Text):
            if pending is not None and text and not text[-1][-1:].isspace() and not a.text[:1].isspace():
                text.append(" ")
                pos += 1
                at[i] = pos
                spaced.add(id(pending))
            pending = None
            text.append(a.text)
            pos += len(a.text)
            counts = chars.setdefault(a.path, {})
            counts[a.key] = counts.get(a.key, 0) + len(a.text)
        elif isinstance(a, _Iso) and a.kind in _SPACED:
            pending = a
    base_key = {path: max(counts, key=lambda k: counts[k]) for path, counts in chars.items()}
    base_rpr: dict[tuple[int, ...], etree._Element | None] = {}
    for a in atoms:
        if isinstance(a, _Text) and a.path not in base_rpr and a.key == base_key[a.path]:
            base_rpr[a.path] = a.rpr

    found: list[_Found] = []
    open_at: dict[tuple[int, ...], int] = {}
    group: dict[tuple[int, ...], list[_Text]] = {}  # container path -> the atoms of its current format run
    first_of: dict[int, int] = {}  # id(first atom of a run) -> its index

    def close_group(path: tuple[int, ...]) -> None:
        g = group.pop(path, None)
        if not g or g[0].key == base_key.get(path):
            return
        head = g[0]
        start = at[first_of[id(head)]]
        end = at[first_of[id(g[-1])]] + len(g[-1].text)
        opening = "<w:r>" + (markup(head.rpr) if head.rpr is not None and len(head.rpr) else "")
        kind = _format_kind(head.rpr, base_rpr.get(path))
        found.append(_Found(start, end, first_of[id(head)], path, Piece("format", rpr=head.rpr), kind, opening,
                            "</w:r>"))  # fmt: skip

    for i, a in enumerate(atoms):
        if i in skip:
            continue
        if isinstance(a, _Text):
            first_of[id(a)] = i
            g = group.get(a.path)
            if g and g[0].key != a.key:
                close_group(a.path)
            group.setdefault(a.path, []).append(a)
        elif isinstance(a, _Open):
            close_group(a.path[:-1])
            open_at[a.path] = i
        elif isinstance(a, _Close):
            close_group(a.path)
            el = containers[a.path[-1]]
            opening, closing = _start_tag(el), _end_tag(el)
            if el.tag == SDT:
                pr = el.find(w("sdtPr"))
                opening += (markup(pr) if pr is not None else "") + "<w:sdtContent>"
                closing = "</w:sdtContent>" + closing
            piece = Piece("container", rpr=base_rpr.get(a.path), shell=el)
            o = open_at[a.path]
            found.append(_Found(at[o], at[i], o, a.path[:-1], piece, CONTAINERS[el.tag], opening, closing, a.path))
        elif isinstance(a, _Iso):
            opening = "".join(_item_markup(it) for it in a.items)
            piece = Piece("isolated", items=a.items, space=id(a) in spaced)
            found.append(_Found(at[i], at[i], i, a.path, piece, a.kind, opening))
    for path in list(group):
        close_group(path)

    found.sort(key=lambda f: (f.start, f.source))
    ids = {f.own: next_id + n for n, f in enumerate(found) if f.own is not None}
    codes: list[InlineCode] = []
    pieces: dict[int, Piece] = {}
    for n, f in enumerate(found):
        cid = next_id + n
        f.piece.ancestors = tuple(ids[f.path[:j]] for j in range(1, len(f.path) + 1) if f.path[:j] in ids)
        pieces[cid] = f.piece
        codes.append(InlineCode(cid, f.kind, f.start, f.end, f.opening, f.closing, f.piece.role == "isolated"))
    return Paragraph(p, "".join(text), codes, pieces, base_rpr.get(()), prefix, suffix, stories, mirrors)


def _item_markup(it: Item) -> str:
    return markup(it.el) if not it.wrap else "<w:r>" + markup(it.el) + "</w:r>"


def _children(rpr: etree._Element | None) -> dict[str, bytes]:
    if rpr is None:
        return {}
    return {etree.QName(c).localname: etree.tostring(c) for c in rpr if c.tag not in _NOT_FORMATTING}


def _format_kind(rpr: etree._Element | None, base: etree._Element | None) -> str:
    a, b = _children(rpr), _children(base)
    diff = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    if diff == {"vertAlign"} and rpr is not None:
        v = rpr.find(w("vertAlign"))
        return {"superscript": "superscript", "subscript": "subscript"}.get(str(v.get(w("val"))) if v is not None
                                                                             else "", "format")  # fmt: skip
    for names, kind in _KINDS:
        if diff and diff <= names:
            return kind
    return "format"


# ----------------------------------------------------------------------------------------------------- writing


def _clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return "".join(ch for ch in text if ch in "\t\n\r" or (ch >= " " and ch not in "\ufffe\uffff"))


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
        for c in self.codes:
            if self.par.pieces[c.id].role != "container":
                continue
            s, e = self.spans[c.id]
            if (s <= a and b <= e and s < e) if a < b else (s <= a <= e):
                out.append(c.id)
        return sorted(out, key=lambda cid: (self.depth[cid], self.spans[cid][0], cid))

    def write(self, p: etree._Element) -> None:
        text = self.text
        isolated: dict[int, list[InlineCode]] = {}
        formats: list[InlineCode] = []
        points = {0, len(text)}
        for c in self.codes:
            role = self.par.pieces[c.id].role
            s, e = self.spans[c.id]
            points.update((s, e))
            if role == "isolated":
                isolated.setdefault(s, []).append(c)
            elif role == "format":
                formats.append(c)
        skip = self._spaces(isolated)
        cuts = sorted(points)
        for k, a in enumerate(cuts):
            for c in sorted(isolated.get(a, ()), key=lambda c: c.id):
                piece = self.par.pieces[c.id]
                self._sync(p, [x for x in self._containers_at(a, a) if x in piece.ancestors])
                _items(self._parent(p), piece.items)
            for c in self.codes:  # a container around no text at all: its empty element, where it was put
                if self.par.pieces[c.id].role == "container" and self.spans[c.id] == (a, a) and c.id not in self.used:
                    self._sync(p, [x for x in self._containers_at(a, a) if x != c.id and self.spans[x] != (a, a)]
                               + [c.id])  # fmt: skip
            if k + 1 == len(cuts):
                break
            b = cuts[k + 1]
            self._sync(p, self._containers_at(a, b))
            inner = [c for c in formats if self.spans[c.id][0] <= a and b <= self.spans[c.id][1]]
            if inner:
                rpr = self.par.pieces[max(inner, key=lambda c: (self.spans[c.id][0], c.id)).id].rpr
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


def iter_paragraph_texts(root: etree._Element) -> Iterator[str]:
    """Every paragraph's visible text under ``root`` (``w:t`` joined), for checks."""
    for p in root.iter(w("p")):
        yield "".join(t.text or "" for t in p.iter(T))
