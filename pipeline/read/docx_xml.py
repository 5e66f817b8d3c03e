"""The WordprocessingML the DOCX reader works with, and the records passed between reading a paragraph
(:mod:`pipeline.read.docx_runs`), finding its codes (:mod:`pipeline.read.docx_codes`) and rewriting it
(:mod:`pipeline.read.docx_write`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from docx.oxml.ns import nsmap
from lxml import etree

from pipeline.records import InlineCode

__all__ = [
    "MC",
    "W",
    "Atom",
    "Close",
    "Item",
    "Iso",
    "Open",
    "Paragraph",
    "Piece",
    "Text",
    "end_tag",
    "key",
    "markup",
    "start_tag",
    "w",
]

W = nsmap["w"]
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def w(tag: str) -> str:
    """The Clark name of a WordprocessingML element: ``w("p")`` -> ``{...main}p``."""
    return f"{{{W}}}{tag}"


R, T, RPR, PPR = w("r"), w("t"), w("rPr"), w("pPr")
FLDCHAR = w("fldChar")
NBH = w("noBreakHyphen")
TXBX = w("txbxContent")
ALT, CHOICE, FALLBACK = f"{{{MC}}}AlternateContent", f"{{{MC}}}Choice", f"{{{MC}}}Fallback"
SDT, SDTCONTENT = w("sdt"), w("sdtContent")
#: inline containers: element -> code kind
CONTAINERS = {w("hyperlink"): "link", w("ins"): "insert", w("moveTo"): "insert", w("smartTag"): "span",
              w("customXml"): "span", SDT: "sdt", w("dir"): "span", w("bdo"): "span"}  # fmt: skip
#: noise dropped from a changed paragraph (inside runs, or between them)
DROPPED = {w("proofErr"), w("lastRenderedPageBreak"), w("softHyphen")}
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
NOT_FORMATTING = {w("lang"), w("noProof")}
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


@dataclass
class Text:
    """Atoms: what walking a paragraph finds, in order. Text of runs (those side by side with one formatting
    already one); ``path`` is the containers it is in (indices into the paragraph's containers, outermost first)."""

    path: tuple[int, ...]
    key: bytes
    rpr: etree._Element | None
    text: str


@dataclass
class Iso:
    """Kept elements: one isolated code (a field's whole begin ... end is one)."""

    path: tuple[int, ...]
    kind: str
    items: list[Item]


@dataclass
class Open:
    """A container (a hyperlink, ...) starts."""

    path: tuple[int, ...]  # the container's own path (its index last)


@dataclass
class Close:
    """A container ends."""

    path: tuple[int, ...]


Atom = Text | Iso | Open | Close


def key(rpr: etree._Element | None) -> bytes:
    """What a run's formatting is, for merging: its properties without proofing state."""
    if rpr is None:
        return b""
    return b"".join(etree.tostring(c) for c in rpr if c.tag not in NOT_FORMATTING and isinstance(c.tag, str))


def markup(el: etree._Element) -> str:
    """An element's XML as a code's markup (namespace declarations left out, long XML cut)."""
    s = _NS_DECL.sub("", etree.tostring(el, encoding="unicode", with_tail=False))
    return s if len(s) <= _MAX_MARKUP else s[: _MAX_MARKUP - 1] + "…"


def start_tag(el: etree._Element) -> str:
    """An element's start tag as a code's markup: ``<w:hyperlink r:id="rId4">``."""
    shallow = etree.Element(el.tag, attrib=dict(el.attrib), nsmap=el.nsmap)
    s = _NS_DECL.sub("", etree.tostring(shallow, encoding="unicode"))
    return s[:-2] + ">" if s.endswith("/>") else s.split(">", 1)[0] + ">"


def end_tag(el: etree._Element) -> str:
    """An element's end tag: ``</w:hyperlink>``."""
    return f"</{start_tag(el)[1:].split()[0].rstrip('>')}>"
