"""TMX 1.4b writer: one bilingual translation memory per language pair.

The document is built with :mod:`lxml.etree` (so markup-like text such as ``<b>`` or ``&amp;`` is
escaped and round-trips exactly) and is valid against the TMX 1.4b DTD. Layout::

    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE tmx SYSTEM "tmx14.dtd">
    <tmx version="1.4">
      <header creationtool="pipeline" ... srclang="en" datatype="plaintext" creationdate="...">  (html, x-markdown)
        <prop type="x-signature">pipeline:0.1.0|seg:...</prop>
        <prop type="x-sig-model">...</prop> ...
      </header>
      <body>
        <tu tuid="0">
          <prop type="x-score">0.9123</prop> ... (x-mt-score, x-src-idx, x-tgt-idx, x-paragraph, x-flags,
                                                  x-repaired, x-risk)
          <tuv xml:lang="en"><seg>...</seg></tuv>
          <tuv xml:lang="ko"><seg>...</seg></tuv>
        </tu>
      </body>
    </tmx>

A pair with an empty side (a sentence without a counterpart, flagged ``no_target`` or ``no_source``, or
an empty translation) gets no ``<tu>``: CAT tools reject a unit with an empty ``<tuv>``. Such pairs are
listed instead (:func:`left_out`: in the run report of ``translate``, in a warning of ``pipeline align``);
JSONL and TSV keep them.

Index lists (``x-src-idx``, ``x-tgt-idx``) and flags (``x-flags``) are comma-joined; scores have four
decimals; ``x-risk`` is the pair's risk level (:mod:`pipeline.qa.risk`: ok, check, redo). ``x-mt-score``,
``x-paragraph``, ``x-flags`` and ``x-repaired`` (the repair ladder's step that gave the
target) are left out when unset/empty. Pairs of a
corpus (``translate-corpus``) also carry ``x-doc``, the input record's id, and their ``tuid`` is
``<doc>#<id>``.

Characters that XML 1.0 cannot carry, even as character references (NUL, C0 controls other than
TAB/LF/CR, U+FFFE, U+FFFF, lone surrogates), are never dropped:

* in segment text each one becomes a placeholder ``<ph type="x-char">U+0007</ph>`` (TMX's element for
  native codes inside a segment; the code point in hex, at least four digits), so the text is kept
  whole and a CAT tool shows a tag where the character was; :func:`seg_text` reads a ``<seg>`` back
  into the exact original string;
* in attribute values and ``<prop>`` texts (which cannot hold elements) each one is replaced by
  U+FFFD REPLACEMENT CHARACTER (see :func:`xml_safe`).

Every unit where either happened is reported with a warning on this module's logger naming the
``tuid`` and the counts (:func:`forbidden_counts` gives the same numbers for a run report). Every
other character, including CR (written as ``&#13;``), round-trips exactly.

Inline codes (a document with markup: the pair's ``src_codes`` on the source ``<seg>``, ``tgt_codes`` on the
target's) are TMX's native-code elements, the markup as the input wrote it in them (escaped, so
``<a href="/k">`` is ``&lt;a href="/k"&gt;``), ``x`` = the code's id (the same in both ``<tuv>``)::

    <seg>Press <bpt i="1" x="1" type="bold">&lt;b&gt;</bpt>Save<ept i="1">&lt;/b&gt;</ept> now.<ph x="2"
         type="lb">&lt;br&gt;</ph></seg>

A paired code is ``<bpt>``/``<ept>`` (``i`` pairs them: the code's id), an isolated one (a line break, an
image) a ``<ph>`` (with ``x``, which the ``x-char`` placeholders have not). ``type`` is TMX's name where it
has one (:data:`TMX_TYPES`: bold, italic, ulined, link; lb, image), else ``x-<kind>``. They are written in
offset order (:func:`code_events`): at one offset the codes that end there first (the inner one first), then
the isolated ones, then those that begin there (the outer one first); ``<bpt>``/``<ept>`` may overlap, so
codes a translation put across each other are written as they are. :func:`seg_codes` reads them back.
Characters XML cannot carry inside the markup become U+FFFD (counted as replaced).

The output is deterministic: the same pairs, signature and creation date give the same bytes.
``creationdate`` is the ``creation_date`` argument, else ``SOURCE_DATE_EPOCH`` from the environment,
else the current time, always in UTC as ``YYYYMMDDThhmmssZ``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from lxml import etree

from pipeline.qa.risk import risk_of
from pipeline.records import AlignedPair, InlineCode, Signature
from pipeline.write.output import document_format, resolve_creation_date
from pipeline.xmlsafe import NOT_XML_CHAR, xml_safe

__all__ = [
    "CHAR_PH_TYPE",
    "DOCTYPE",
    "TMX_TYPES",
    "XML_DECLARATION",
    "append_text",
    "build_tree",
    "code_events",
    "code_kind_name",
    "forbidden_counts",
    "left_out",
    "render",
    "Sanitiser",
    "seg_codes",
    "seg_text",
    "split_forbidden",
    "tmx_date",
    "xml_safe",
]

logger = logging.getLogger(__name__)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
DOCTYPE = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
CREATION_TOOL = "pipeline"
O_TMF = "pipeline-jsonl"
CHAR_PH_TYPE = "x-char"  # <ph type="x-char">U+0000</ph>: a character XML cannot carry

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


_CHAR_PH = re.compile(r"U\+([0-9A-F]{4,6})")

#: an inline code's kind -> TMX's ``type`` of its ``<bpt>`` (paired) or ``<ph>`` (isolated); others: ``x-<kind>``
TMX_TYPES = {
    "paired": {"bold": "bold", "italic": "italic", "underline": "ulined", "link": "link"},
    "isolated": {"br": "lb", "image": "image"},
}
_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def split_forbidden(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``text`` around the characters XML cannot carry: the text before the first, then (``U+XXXX`` of each
    such character, the text after it). The TMX and XLIFF writers make an inline placeholder of each."""
    chunks = NOT_XML_CHAR.split(text)
    codes = [f"U+{ord(m.group()):04X}" for m in NOT_XML_CHAR.finditer(text)]
    return chunks[0], list(zip(codes, chunks[1:], strict=True))


def _fill_seg(seg: etree._Element, text: str) -> int:
    """Put ``text`` into ``seg``, each forbidden character as a ``<ph type="x-char">``; return their count."""
    seg.text, rest = split_forbidden(text)
    for code, tail in rest:
        ph = etree.SubElement(seg, "ph")
        ph.set("type", CHAR_PH_TYPE)
        ph.text = code
        ph.tail = tail
    return len(rest)


def code_kind_name(kind: str) -> str:
    """``kind`` as a user-defined value of TMX's ``type`` and XLIFF's ``ctype``: ``x-<kind>``, no space in it
    (never ``x-char``, the forbidden characters' placeholders)."""
    name = _NOT_NAME.sub("-", kind).strip("-") or "other"
    return "x-other" if name == "char" else f"x-{name}"


def _clamped(codes: Sequence[InlineCode], size: int) -> list[InlineCode]:
    """The codes with their offsets inside ``0..size`` (a code of another text must not break the output)."""
    if all(c.end <= size for c in codes):
        return list(codes)
    logger.warning("inline code(s) beyond the end of their text (%d characters): put at its end", size)
    return [c if c.end <= size else c.moved(min(c.start, size), size, by_rule=c.by_rule) for c in codes]


def code_events(text: str, codes: Sequence[InlineCode]) -> list[tuple[int, str, InlineCode]]:
    """Where each code's markup stands in ``text``, in writing order: ``(offset, what, code)`` with ``what``
    ``"open"``/``"close"`` (a paired code around some text), ``"empty"`` (a paired code around no text: its
    opening and closing together) or ``"isolated"``.

    At one offset: the codes that end there (the one opened last first), then the empty and isolated ones (in
    id order), then those that begin there (the one that ends last first, then in id order), so properly nested
    codes come out nested. Offsets beyond the text are put at its end (with a warning)."""
    keyed: list[tuple[tuple[int, int, int, int], str, InlineCode]] = []
    for c in _clamped(codes, len(text)):
        if c.isolated or c.start == c.end:
            keyed.append(((c.start, 1, c.id, 0), "isolated" if c.isolated else "empty", c))
        else:
            keyed.append(((c.start, 2, -c.end, c.id), "open", c))
            keyed.append(((c.end, 0, -c.start, -c.id), "close", c))
    keyed.sort(key=lambda k: k[0])
    return [(key[0], what, c) for key, what, c in keyed]


def append_text(parent: etree._Element, text: str, char_ph: Any) -> int:
    """Append ``text`` at the end of ``parent``'s content, each character XML cannot carry as the placeholder
    element ``char_ph(parent, "U+XXXX")`` makes (a new last child); return their number."""
    first, rest = split_forbidden(text)
    if first:
        if len(parent):
            last = parent[-1]
            last.tail = (last.tail or "") + first
        else:
            parent.text = (parent.text or "") + first
    for code, tail in rest:
        ph = char_ph(parent, code)
        ph.tail = tail or None
    return len(rest)


def _char_ph(parent: etree._Element, code: str) -> etree._Element:
    ph = etree.SubElement(parent, "ph")
    ph.set("type", CHAR_PH_TYPE)
    ph.text = code
    return ph


def _fill_seg_codes(seg: etree._Element, text: str, codes: Sequence[InlineCode], safe: Sanitiser) -> int:
    """Put ``text`` with its inline ``codes`` into ``seg`` (see the module docstring); return the number of
    ``x-char`` placeholders."""
    escaped = 0
    pos = 0
    for offset, what, c in code_events(text, codes):
        escaped += append_text(seg, text[pos:offset], _char_ph)
        pos = offset
        ident = str(c.id)
        if what == "isolated":
            el = etree.SubElement(seg, "ph")
            el.set("x", ident)
            el.set("type", TMX_TYPES["isolated"].get(c.kind) or code_kind_name(c.kind))
            el.text = safe(c.opening)
            continue
        if what in ("open", "empty"):
            el = etree.SubElement(seg, "bpt")
            el.set("i", ident)
            el.set("x", ident)
            el.set("type", TMX_TYPES["paired"].get(c.kind) or code_kind_name(c.kind))
            el.text = safe(c.opening)
        if what in ("close", "empty"):
            el = etree.SubElement(seg, "ept")
            el.set("i", ident)
            el.text = safe(c.closing)
    escaped += append_text(seg, text[pos:], _char_ph)
    return escaped


def seg_codes(seg: etree._Element) -> tuple[str, list[InlineCode]]:
    """A ``<seg>`` as written by :func:`build_tree`, read back: its text (as :func:`seg_text`) and its inline
    codes at offsets into it (id from ``x``, the markup from the elements' text; ``kind`` is the ``type`` as
    written: TMX's name or ``x-<kind>``). Codes without a numeric ``x`` and a ``<bpt>`` without its ``<ept>``
    are left out."""
    text = [seg.text or ""]
    size = len(text[0])
    opened: dict[str, tuple[int, etree._Element]] = {}
    codes: list[InlineCode] = []
    for child in seg:
        piece = ""
        ident = child.get("x") or ""
        if child.tag == "ph" and not ident and child.get("type") == CHAR_PH_TYPE:
            m = _CHAR_PH.fullmatch(child.text or "")
            if m is None:
                raise ValueError(f"malformed <ph type={CHAR_PH_TYPE!r}> content {child.text!r}")
            piece = chr(int(m.group(1), 16))
        elif child.tag == "ph" and ident.isdigit():
            codes.append(InlineCode(int(ident), child.get("type") or "", size, size, child.text or "", "", True))
        elif child.tag == "bpt" and ident.isdigit():
            opened[child.get("i", "")] = (size, child)
        elif child.tag == "ept" and child.get("i", "") in opened:
            start, bpt = opened.pop(child.get("i", ""))
            kind = bpt.get("type") or ""
            codes.append(InlineCode(int(bpt.get("x", "")), kind, start, size, bpt.text or "", child.text or ""))
        text.append(piece + (child.tail or ""))
        size += len(text[-1])
    return "".join(text), sorted(codes, key=lambda c: (c.start, c.id))


def seg_text(seg: etree._Element) -> str:
    """The text of a ``<seg>`` as written by :func:`build_tree`: ``<ph type="x-char">`` become their characters.

    Other inline elements (``bpt``, ``ph`` of other types, ...: native codes of other tools) are left
    out; text after them is kept.
    """
    out = [seg.text or ""]
    for child in seg:
        if child.tag == "ph" and child.get("type") == CHAR_PH_TYPE:
            m = _CHAR_PH.fullmatch(child.text or "")
            if m is None:
                raise ValueError(f"malformed <ph type={CHAR_PH_TYPE!r}> content {child.text!r}")
            out.append(chr(int(m.group(1), 16)))
        out.append(child.tail or "")
    return "".join(out)


def forbidden_counts(pairs: Sequence[AlignedPair]) -> dict[int, int]:
    """Pair id -> number of characters in its source and target that TMX writes as ``<ph type="x-char">``."""
    counts = {p.id: len(NOT_XML_CHAR.findall(p.src)) + len(NOT_XML_CHAR.findall(p.tgt)) for p in pairs}
    return {k: v for k, v in counts.items() if v}


def has_empty_side(pair: AlignedPair) -> bool:
    """Whether a pair has nothing on one side (TMX writes no ``<tu>`` for it)."""
    return not pair.src.strip() or not pair.tgt.strip()


def left_out(pairs: Sequence[AlignedPair]) -> list[dict[str, Any]]:
    """The pairs TMX leaves out (an empty side), for a report: id, indices, flags and the side that is empty."""
    return [
        {
            "pair": p.id,
            **({"doc": p.doc} if p.doc is not None else {}),
            "empty": "target" if not p.tgt.strip() else "source",
            "src_idx": list(p.src_idx),
            "tgt_idx": list(p.tgt_idx),
            "flags": list(p.flags),
        }
        for p in pairs
        if has_empty_side(p)
    ]


def tmx_date(when: datetime) -> str:
    """Format a datetime as a TMX date (``YYYYMMDDThhmmssZ``, UTC). A naive datetime is taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _fmt_score(x: float) -> str:
    return f"{x:.4f}"


def _fmt_idx(idx: Sequence[int]) -> str:
    return ",".join(str(i) for i in idx)


def _header_props(signature: Signature) -> list[tuple[str, str]]:
    props = [
        ("x-signature", signature.as_string()),
        ("x-sig-package-version", signature.package_version),
        ("x-sig-segmenter", signature.segmenter),
        ("x-sig-model", signature.model),
        ("x-sig-model-revision", signature.model_revision),
        ("x-sig-backend", signature.backend),
        ("x-sig-decoding", signature.decoding),
        ("x-sig-aligner", signature.aligner),
    ]
    props += [(f"x-sig-extra-{k}", v) for k, v in signature.extra]
    return props


def _tu_props(pair: AlignedPair) -> list[tuple[str, str]]:
    props = [("x-doc", pair.doc)] if pair.doc is not None else []
    props.append(("x-score", _fmt_score(pair.score)))
    if pair.mt_score is not None:
        props.append(("x-mt-score", _fmt_score(pair.mt_score)))
    props.append(("x-src-idx", _fmt_idx(pair.src_idx)))
    props.append(("x-tgt-idx", _fmt_idx(pair.tgt_idx)))
    if pair.paragraph is not None:
        props.append(("x-paragraph", str(pair.paragraph)))
    if pair.flags:
        props.append(("x-flags", ",".join(pair.flags)))
    if pair.repaired is not None:
        props.append(("x-repaired", pair.repaired))
    props.append(("x-risk", risk_of(pair.flags, repaired=pair.repaired is not None)))
    return props


class Sanitiser:
    """Applies :func:`xml_safe` and counts what it replaced (also used by the XLIFF writer)."""

    def __init__(self) -> None:
        self.replaced = 0

    def __call__(self, text: str) -> str:
        clean, n = xml_safe(text)
        self.replaced += n
        return clean


def _add_props(parent: etree._Element, props: list[tuple[str, str]], safe: Sanitiser) -> None:
    for ptype, value in props:
        prop = etree.SubElement(parent, "prop")
        prop.set("type", safe(ptype))
        prop.text = safe(value)


def build_tree(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
    datatype: str = "plaintext",
) -> etree._Element:
    """Build the ``<tmx>`` element (no doctype). Forbidden characters are escaped or replaced, and logged.

    ``datatype``: the header's, the kind of the source document (``plaintext``; ``html``, ``x-markdown``: the
    markup in the inline codes)."""
    safe = Sanitiser()
    root = etree.Element("tmx")
    root.set("version", "1.4")
    header = etree.SubElement(root, "header")
    for name, value in (
        ("creationtool", CREATION_TOOL),
        ("creationtoolversion", signature.package_version),
        ("segtype", "sentence"),
        ("o-tmf", O_TMF),
        ("adminlang", "en"),
        ("srclang", src_lang),
        ("datatype", datatype),
        ("creationdate", tmx_date(resolve_creation_date(creation_date))),
    ):
        header.set(name, safe(value))
    _add_props(header, _header_props(signature), safe)
    if safe.replaced:
        logger.warning("TMX header: replaced %d character(s) not allowed in XML by U+FFFD", safe.replaced)

    body = etree.SubElement(root, "body")
    for pair in pairs:
        if has_empty_side(pair):  # listed by left_out() instead: CAT tools reject an empty <tuv>
            continue
        safe.replaced = 0
        escaped = 0
        tuid = safe(str(pair.id) if pair.doc is None else f"{pair.doc}#{pair.id}")
        tu = etree.SubElement(body, "tu")
        tu.set("tuid", tuid)
        _add_props(tu, _tu_props(pair), safe)
        for lang, text, codes in ((src_lang, pair.src, pair.src_codes), (tgt_lang, pair.tgt, pair.tgt_codes)):
            tuv = etree.SubElement(tu, "tuv")
            tuv.set(_XML_LANG, safe(lang))
            seg = etree.SubElement(tuv, "seg")
            escaped += _fill_seg_codes(seg, text, codes, safe) if codes else _fill_seg(seg, text)
        if escaped:
            logger.warning(
                'TMX tu %s: wrote %d character(s) not allowed in XML as <ph type="%s">U+XXXX</ph>',
                tuid,
                escaped,
                CHAR_PH_TYPE,
            )
        if safe.replaced:
            logger.warning("TMX tu %s: replaced %d character(s) not allowed in XML by U+FFFD", tuid, safe.replaced)
    return root


def render(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
    datatype: str = "plaintext",
) -> str:
    """The whole TMX document as a string (declaration, doctype, pretty-printed, final LF)."""
    root = build_tree(
        pairs,
        signature=signature,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        creation_date=creation_date,
        datatype=datatype,
    )
    body = etree.tostring(root, encoding="unicode", pretty_print=True, doctype=DOCTYPE)
    return f"{XML_DECLARATION}\n{body}"


def _report(pairs: Sequence[AlignedPair]) -> dict[str, Any]:
    """For the run report: characters XML cannot carry, written as ``<ph type="x-char">`` (pair id -> count),
    and the pairs with an empty side, which have no ``<tu>`` (:func:`left_out`)."""
    return {
        "tmx_char_placeholders": [{"pair": k, "chars": v} for k, v in forbidden_counts(pairs).items()],
        "tmx_left_out": left_out(pairs),
    }


#: the ``tmx`` output format (registered in :data:`pipeline.write.config.FORMATS`)
FORMAT = document_format(
    "tmx",
    ".tmx",
    lambda pairs, ctx: render(pairs, **ctx.kwargs(), datatype=ctx.datatype),
    description=".tmx: TMX 1.4b for CAT tools",
    report=_report,
)
