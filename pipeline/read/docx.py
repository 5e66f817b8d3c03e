"""Word documents (``.docx``, Office Open XML): every translatable text translated in place, everything else kept.

Blocks, in reading order (ids 1, 2, ...): the body's paragraphs (``heading``: a style named ``Heading N`` or with
an outline level, directly or through the styles it is based on; ``title``: the ``Title`` style; ``list_item``:
numbering, direct or by style; ``table_cell``: any paragraph in a table, nested tables too; else ``paragraph``),
block-level content controls and custom XML included; then each section's headers and footers (``header``,
``footer``: default, first-page and even-page ones, in the order the sections name them, each part once); the
footnotes and endnotes (``footnote``, ``endnote``; not the separators); a text box's paragraphs
(``text_box``) right after the paragraph that anchors it; last the document properties' title and subject
(``title``, ``subject``). A paragraph's runs become its block's text and stand-off codes
(:mod:`pipeline.read.docx_runs`). Comments, styles, numbering, images, section settings, settings, themes, fonts
and every other document property are not read and stay as they are.

The package is read as untrusted input (:mod:`pipeline.read.docx_package`): not a zip, a zip bomb, a DOCTYPE or
entity declaration in an XML part, an encrypted (OLE) file and a macro-enabled ``.docm`` are each one
:class:`~pipeline.errors.InputError` line; nothing is fetched. XML parts are parsed with lxml directly, keeping
their whitespace and namespace declarations (python-docx's own parser drops blank text, so its parts are not the
input's when written back); python-docx supplies the namespaces and relationship types, and opens the output in
the tests.

The skeleton is the package itself (every member's bytes) and where each part's blocks start. Writing parses
again only the parts where a block changed, finds the same paragraphs in them, rebuilds the changed paragraphs'
runs (:func:`pipeline.read.docx_runs.rewrite`), makes a text box's fallback copy follow it, and zips every member
back in its order, the untouched ones byte for byte: ``write(doc, doc.blocks)`` gives the input's members.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import nsmap
from lxml import etree

from pipeline.errors import InputError
from pipeline.read.base import Block, SourceDocument
from pipeline.read.config import ReadConfig
from pipeline.read.docx_package import Package, open_package, rels_name, resolve_target, write_package
from pipeline.read.docx_runs import ParagraphReader
from pipeline.read.docx_write import rewrite
from pipeline.read.docx_xml import PPR, TXBX, Paragraph, w
from pipeline.records import InlineCode

__all__ = ["DATATYPE", "DocxReader", "DocxSkeleton", "make_reader"]

#: XLIFF 1.2's ``datatype`` list has no value for Word documents; custom values take an ``x-`` prefix
DATATYPE = "x-docx"

_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DC, _CP, _DCTERMS = nsmap["dc"], nsmap["cp"], nsmap["dcterms"]
_STRUCTURE = {w("tbl"), w("tr"), w("tc"), w("sdtContent"), w("customXml"), w("ins"), w("moveTo")}
_NOTE_SKIP = {"separator", "continuationSeparator", "continuationNotice"}
_HEADING = re.compile(r"heading [1-9]")
_FIX = "open it in Word or LibreOffice and save it again as a .docx"


@dataclass(frozen=True)
class _Part:
    name: str
    kind: str  # document, header, footer, footnotes, endnotes, core
    first_block: int  # index of its first block in the document's blocks
    blocks: int
    first_code: int  # the id of its first code


@dataclass(frozen=True)
class Styles:
    """What a paragraph style makes of a paragraph: ``heading``, ``title``, ``list_item`` or ``paragraph``."""

    kinds: Mapping[str, str]  # style id -> kind
    default: str  # the kind of a paragraph without a style (the default paragraph style's)

    def kind(self, p: etree._Element) -> str:
        ppr = p.find(PPR)
        style = ppr.find(w("pStyle")) if ppr is not None else None
        kind = self.kinds.get(str(style.get(w("val")))) if style is not None else self.default
        kind = kind or "paragraph"
        if kind in ("heading", "title") or ppr is None:
            return kind
        level = ppr.find(w("outlineLvl"))
        if level is not None and str(level.get(w("val"))).isdigit() and int(str(level.get(w("val")))) < 9:
            return "heading"
        num = ppr.find(f"{w('numPr')}/{w('numId')}")
        if num is not None:
            return "paragraph" if num.get(w("val")) == "0" else "list_item"
        return kind


@dataclass(frozen=True)
class DocxSkeleton:
    """The package (every member as read) and where each part's blocks are (:meth:`DocxReader.write`)."""

    package: Package
    parts: tuple[_Part, ...]
    styles: Styles


def _styles(root: etree._Element | None) -> Styles:
    """The paragraph styles of the styles part ``root``: what each makes of a paragraph, through the styles it is
    based on (a style named *Heading N*, *Subtitle* or with an outline level: a heading; *Title*: a title; with
    numbering: a list item)."""
    if root is None:
        return Styles({}, "paragraph")
    own: dict[str, tuple[str, str | None, bool | None, bool]] = {}  # id -> (name, based on, list?, outline)
    default = None
    for st in root.iter(w("style")):
        if st.get(w("type")) != "paragraph":
            continue
        sid = str(st.get(w("styleId")))
        name_el, based = st.find(w("name")), st.find(w("basedOn"))
        num = st.find(f"{w('pPr')}/{w('numPr')}/{w('numId')}")
        level = st.find(f"{w('pPr')}/{w('outlineLvl')}")
        outline = level is not None and str(level.get(w("val"))).isdigit() and int(str(level.get(w("val")))) < 9
        listed = None if num is None else num.get(w("val")) != "0"
        name = str(name_el.get(w("val"), "")) if name_el is not None else ""
        own[sid] = (name.lower(), str(based.get(w("val"))) if based is not None else None, listed, outline)
        if st.get(w("default")) in ("1", "true", "on"):
            default = sid
    kinds: dict[str, str] = {}
    for sid in own:
        chain, seen, at = [], set(), sid
        while at in own and at not in seen:  # the style and those it is based on, nearest first
            seen.add(at)
            chain.append(own[at])
            based_on = own[at][1]
            if based_on is None:
                break
            at = based_on
        names = [c[0] for c in chain]
        listed = next((c[2] for c in chain if c[2] is not None), False)
        if names[0] != "subtitle" and "title" in names:
            kinds[sid] = "title"
        elif any(_HEADING.fullmatch(n) or n == "subtitle" for n in names) or any(c[3] for c in chain):
            kinds[sid] = "heading"
        else:
            kinds[sid] = "list_item" if listed else "paragraph"
    return Styles(kinds, kinds.get(default or "", "paragraph"))


class _Walker:
    """Reads stories into blocks, counting block and code ids on from where it is told to start."""

    def __init__(self, styles: Styles, block_id: int = 1, code_id: int = 1) -> None:
        self.styles = styles
        self.block_id = block_id
        self.code_id = code_id
        self.blocks: list[Block] = []
        self.paragraphs: list[Paragraph] = []
        self.mirrors: list[tuple[etree._Element, etree._Element]] = []
        self.title = ""

    def part(self, root: etree._Element, kind: str) -> None:
        if kind == "document":
            body = root.find(w("body"))
            if body is not None:
                self.story(body, None)
        elif kind in ("header", "footer"):
            self.story(root, kind)
        elif kind in ("footnotes", "endnotes"):
            for note in root:
                if note.tag in (w("footnote"), w("endnote")) and note.get(w("type")) not in _NOTE_SKIP:
                    self.story(note, kind[:-1])

    def story(self, root: etree._Element, kind: str | None) -> None:
        self._walk(root, kind, ParagraphReader(), in_table=False)

    def _walk(self, parent: etree._Element, kind: str | None, reader: ParagraphReader, in_table: bool) -> None:
        for el in parent:
            tag = el.tag
            if tag == w("p"):
                self._paragraph(el, kind, reader, in_table)
            elif tag == w("sdt"):
                inner = el.find(w("sdtContent"))
                if inner is not None:
                    self._walk(inner, kind, reader, in_table)
            elif tag in _STRUCTURE:
                self._walk(el, kind, reader, in_table or tag == w("tbl"))

    def _paragraph(self, p: etree._Element, kind: str | None, reader: ParagraphReader, in_table: bool) -> None:
        par = reader.read(p, self.code_id)
        if par.text.strip():
            bkind = kind or ("table_cell" if in_table else self.styles.kind(p))
            self.blocks.append(Block(self.block_id, bkind, par.text, tuple(par.codes)))
            self.paragraphs.append(par)
            self.block_id += 1
            self.code_id += len(par.codes)
            if bkind == "title" and not self.title:
                self.title = par.text.strip()
        self.mirrors += par.mirrors
        for box in par.stories:
            self.story(box, "text_box")


def _relations(pkg: Package, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of each internal relationship of ``part``."""
    data = pkg.get(rels_name(part))
    if data is None:
        return []
    root = pkg.parse(rels_name(part))
    out = []
    for rel in root.iter(f"{{{_REL}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        out.append((str(rel.get("Id")), str(rel.get("Type")), resolve_target(part, str(rel.get("Target", "")))))
    return out


def _main_part(pkg: Package) -> str:
    for _, rtype, target in _relations(pkg, ""):
        if rtype == RT.OFFICE_DOCUMENT or rtype.endswith("/officeDocument"):
            if pkg.get(target) is None:
                raise InputError(f"input file {pkg.where}: its main part {target} is missing", _FIX)
            return target
    raise InputError(f"input file {pkg.where} is a zip but not a Word document (no main document part)",
                     "give a Word .docx file")  # fmt: skip


def _parts(pkg: Package, main: str, root: etree._Element) -> list[tuple[str, str]]:
    """The parts with translatable text, in reading order: (name, kind)."""
    rels = _relations(pkg, main)
    by_id = {rid: target for rid, _, target in rels}
    out: list[tuple[str, str]] = [(main, "document")]
    seen = {main}
    for sect in root.iter(w("sectPr")):
        for ref in sect:
            if ref.tag in (w("headerReference"), w("footerReference")):
                target = by_id.get(str(ref.get(f"{{{nsmap['r']}}}id")))
                if target and target not in seen and pkg.get(target) is not None:
                    seen.add(target)
                    out.append((target, "header" if ref.tag == w("headerReference") else "footer"))
    for rtype, kind in ((RT.FOOTNOTES, "footnotes"), (RT.ENDNOTES, "endnotes")):
        for _, t, target in rels:
            if t == rtype and target not in seen and pkg.get(target) is not None:
                seen.add(target)
                out.append((target, kind))
    for _, t, target in _relations(pkg, ""):
        if t == RT.CORE_PROPERTIES and pkg.get(target) is not None:
            out.append((target, "core"))
    return out


def _core_fields(root: etree._Element) -> list[tuple[etree._Element, str]]:
    return [(el, kind) for tag, kind in ((f"{{{_DC}}}title", "title"), (f"{{{_DC}}}subject", "subject"))
            for el in root.findall(tag) if (el.text or "").strip()]  # fmt: skip


class DocxReader:
    name = "docx"
    extensions = (".docx", ".docm")  # a .docm is claimed to be refused with its own message

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        pkg = open_package(data, where)
        main = _main_part(pkg)
        root = pkg.parse(main)
        if root.tag != w("document"):
            raise InputError(
                f"input file {where}: its main part {main} is not a WordprocessingML document (a spreadsheet or a "
                "presentation, or Strict Open XML)",
                "give a Word .docx file (Strict Open XML: save it as a Word Document)",
            )
        styles = _styles(next((pkg.parse(t) for _, rt, t in _relations(pkg, main) if rt == RT.STYLES), None))
        walker = _Walker(styles)
        parts: list[_Part] = []
        metadata: dict[str, str] = {}
        for name, kind in _parts(pkg, main, root):
            first, code = len(walker.blocks), walker.code_id
            part_root = root if name == main else pkg.parse(name)
            if kind == "core":
                for el, bkind in _core_fields(part_root):
                    walker.blocks.append(Block(walker.block_id, bkind, str(el.text)))
                    walker.block_id += 1
                metadata.update(_core_metadata(part_root))
            else:
                walker.part(part_root, kind)
            parts.append(_Part(name, kind, first, len(walker.blocks) - first, code))
        if walker.title and "title" not in metadata:
            metadata["title"] = walker.title
        skeleton = DocxSkeleton(pkg, tuple(parts), styles)
        return SourceDocument("docx", DATATYPE, tuple(walker.blocks), skeleton=skeleton, metadata=metadata)

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes:
        sk = doc.skeleton
        if not isinstance(sk, DocxSkeleton):
            raise ValueError("not a document of the docx reader")
        if [b.id for b in blocks] != [b.id for b in doc.blocks]:
            raise ValueError("the translated blocks are not the document's (same ids in the same order)")
        replaced: dict[str, bytes] = {}
        for part in sk.parts:
            span = slice(part.first_block, part.first_block + part.blocks)
            old, new = doc.blocks[span], blocks[span]
            if all(_same(a, b) for a, b in zip(old, new, strict=True)):
                continue
            root = sk.package.parse(part.name)
            if part.kind == "core":
                for (el, _), b in zip(_core_fields(root), new, strict=True):
                    el.text = b.text
            else:
                self._rewrite(sk, part, root, old, new)
            replaced[part.name] = _serialize(root, sk.package.get(part.name) or b"")
        return write_package(sk.package, replaced)

    @staticmethod
    def _rewrite(sk: DocxSkeleton, part: _Part, root: etree._Element, old: Sequence[Block],
                 new: Sequence[Block]) -> None:  # fmt: skip
        walker = _Walker(sk.styles, old[0].id if old else 1, part.first_code)
        walker.part(root, part.kind)
        if [(b.text, b.codes) for b in walker.blocks] != [(b.text, b.codes) for b in old]:
            raise ValueError(f"{part.name}: the part does not read as it did")
        changed: list[etree._Element] = []
        for par, a, b in zip(walker.paragraphs, old, new, strict=True):
            if not _same(a, b):
                text, codes = _edges_kept(a.text, b.text, b.codes)
                rewrite(par, codes, text)
                changed.append(par.p)
        boxes = {id(box) for p in changed for box in p.iterancestors(TXBX)}
        for box, fallback in walker.mirrors:  # a text box's fallback copy (VML) follows it
            if id(box) in boxes:
                for c in list(fallback):
                    fallback.remove(c)
                for c in box:
                    fallback.append(copy.deepcopy(c))


def _same(a: Block, b: Block) -> bool:
    return a.text == b.text and [(c.id, c.start, c.end, c.isolated) for c in a.codes] == [
        (c.id, c.start, c.end, c.isolated) for c in b.codes
    ]


def _edges_kept(old: str, text: str, codes: Sequence[InlineCode]) -> tuple[str, Sequence[InlineCode]]:
    """``text`` with the whitespace ``old`` had at its start and end (the space after a footnote's number), which
    a translation joined from sentences does not have."""
    lead = old[: len(old) - len(old.lstrip())] if text[:1] != old[:1] else ""
    trail = old[len(old.rstrip()) :] if text[-1:] != old[-1:] else ""
    if lead:
        codes = [c.moved(c.start + len(lead), c.end + len(lead), by_rule=c.by_rule) for c in codes]
    return lead + text + trail, codes


def _core_metadata(root: etree._Element) -> dict[str, str]:
    out = {}
    for tag, key in ((f"{{{_DC}}}title", "title"), (f"{{{_DC}}}creator", "author"),
                     (f"{{{_DCTERMS}}}modified", "date"), (f"{{{_DCTERMS}}}created", "date")):  # fmt: skip
        el = root.find(tag)
        if el is not None and (el.text or "").strip() and key not in out:
            out[key] = str(el.text).strip()
    return out


def _serialize(root: etree._Element, original: bytes) -> bytes:
    """The part's XML after changes, with the original's XML declaration (and what followed it) as it was."""
    tree = root.getroottree()
    encoding = (tree.docinfo.encoding or "UTF-8").upper()
    head = original[:64]
    if encoding in ("UTF-8", "UTF8") and b"<?xml" in head:
        end = original.index(b"?>") + 2
        while end < len(original) and original[end] in b"\r\n \t":
            end += 1
        return original[:end] + etree.tostring(tree, encoding="UTF-8", xml_declaration=False)
    return etree.tostring(tree, encoding=encoding, xml_declaration=True, standalone=tree.docinfo.standalone)


def make_reader(cfg: ReadConfig) -> DocxReader:
    return DocxReader()
