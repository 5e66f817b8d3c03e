"""One Word paragraph (``w:p``) read into a block's text with stand-off codes.

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
"""

from __future__ import annotations

from lxml import etree

from pipeline.read.docx_codes import assemble
from pipeline.read.docx_xml import (
    ALT,
    CHOICE,
    CONTAINERS,
    DROPPED,
    FALLBACK,
    FLDCHAR,
    IN_RUN,
    MARKERS,
    NBH,
    PPR,
    RPR,
    SDT,
    SDTCONTENT,
    TXBX,
    Atom,
    Close,
    Iso,
    Item,
    Open,
    Paragraph,
    R,
    T,
    Text,
    key,
    w,
)

__all__ = ["ParagraphReader", "box_text"]

_MARKS = {"bookmark", "comment"}  # invisible marks


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
        self.field: Iso | None = None  # the current paragraph's code for the open field

    def read(self, p: etree._Element, next_id: int) -> Paragraph:
        """The paragraph ``p``; its code ids start at ``next_id``."""
        atoms: list[Atom] = []
        containers: list[etree._Element] = []
        stories: list[etree._Element] = []
        mirrors: list[tuple[etree._Element, etree._Element]] = []
        self.field = None
        if self.depth:  # a field that began in an earlier paragraph goes on here
            self.field = Iso((), "field", [])
            atoms.append(self.field)
        self._content(p, (), atoms, containers, stories, mirrors, top=True)
        return assemble(p, atoms, containers, stories, mirrors, next_id)

    def _keep(self, atoms: list[Atom], path: tuple[int, ...], kind: str, item: Item) -> None:
        if self.depth:
            assert self.field is not None
            self.field.items.append(item)
        elif kind in _MARKS and atoms and isinstance(atoms[-1], Iso) and atoms[-1].kind in _MARKS \
                and atoms[-1].path == path:  # fmt: skip
            # marks side by side (a bookmark's start and end, a comment's end and its reference) are one code:
            # fewer placeholders through the model
            atoms[-1].items.append(item)
            if kind == "comment":
                atoms[-1].kind = kind
        else:
            atoms.append(Iso(path, kind, [item]))

    def _content(self, parent: etree._Element, path: tuple[int, ...], atoms: list[Atom],
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
                atoms.append(Open(me))
                inner = el.find(SDTCONTENT) if tag == SDT else el
                if inner is not None:
                    self._content(inner, me, atoms, containers, stories, mirrors)
                atoms.append(Close(me))
            elif tag.endswith("Pr") and tag != PPR:  # a container's properties (smartTagPr, customXmlPr)
                continue
            else:
                stories.extend(_top_boxes(el))
                self._keep(atoms, path, MARKERS.get(tag, "other"), Item(el))

    def _run(self, r: etree._Element, path: tuple[int, ...], atoms: list[Atom], stories: list[etree._Element],
             mirrors: list[tuple[etree._Element, etree._Element]]) -> None:  # fmt: skip
        rpr = r.find(RPR)
        fmt: bytes | None = None  # the run's formatting, once its first text needs it
        for c in r:
            tag = c.tag
            if tag == RPR or not isinstance(tag, str):
                continue
            if tag == FLDCHAR:
                kind = c.get(w("fldCharType"))
                if kind == "begin" and not self.depth:
                    self.field = Iso(path, "field", [])
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
                    fmt = key(rpr) if fmt is None else fmt
                    last = atoms[-1] if atoms else None
                    if isinstance(last, Text) and last.path == path and last.key == fmt:
                        last.text += text
                    else:
                        atoms.append(Text(path, fmt, rpr, text))
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
