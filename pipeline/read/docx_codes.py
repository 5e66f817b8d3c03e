"""A paragraph's atoms (:mod:`pipeline.read.docx_runs`) -> its block's text and codes (see that module's docstring
for what becomes what): the edges, the base formatting of each container, format runs, containers and kept
elements as :class:`~pipeline.records.InlineCode` s with the :class:`~pipeline.read.docx_xml.Piece` each stands
for."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from pipeline.read.docx_xml import (
    CONTAINERS,
    NOT_FORMATTING,
    SDT,
    Atom,
    Close,
    Iso,
    Item,
    Open,
    Paragraph,
    Piece,
    Text,
    end_tag,
    markup,
    start_tag,
    w,
)
from pipeline.records import InlineCode

__all__ = ["assemble"]

_SPACED = {"tab", "br", "break"}  # kinds that stand between words: a space in the text keeps them apart
_KINDS = (({"b", "bCs"}, "bold"), ({"i", "iCs"}, "italic"), ({"u"}, "underline"), ({"color"}, "color"),
          ({"rFonts", "sz", "szCs"}, "font"), ({"highlight", "shd"}, "highlight"), ({"strike", "dstrike"}, "strike"),
          ({"rStyle"}, "style"))  # fmt: skip


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


def _edges(atoms: list[Atom], containers: list[etree._Element]) -> tuple[list[Item], list[Item], set[int]]:
    """What stands outside any container before the first text and after the last: kept elements and whole
    containers without text. Returns (prefix, suffix, the indices of their atoms)."""
    texts = [i for i, a in enumerate(atoms) if isinstance(a, Text)]
    first, last = texts[0], texts[-1]
    opens = {a.path: i for i, a in enumerate(atoms) if isinstance(a, Open)}
    closes = {a.path: i for i, a in enumerate(atoms) if isinstance(a, Close)}
    prefix: list[Item] = []
    suffix: list[Item] = []
    skip: set[int] = set()
    i = 0
    while i < first:
        a = atoms[i]
        if isinstance(a, Iso) and not a.path:
            prefix.extend(a.items)
            skip.add(i)
        elif isinstance(a, Open) and len(a.path) == 1 and closes[a.path] < first:
            prefix.append(Item(containers[a.path[0]]))
            skip.update(range(i, closes[a.path] + 1))
            i = closes[a.path]
        else:
            break
        i += 1
    i = len(atoms) - 1
    while i > last:
        a = atoms[i]
        if isinstance(a, Iso) and not a.path:
            suffix[:0] = a.items
            skip.add(i)
        elif isinstance(a, Close) and len(a.path) == 1 and opens[a.path] > last:
            suffix.insert(0, Item(containers[a.path[0]]))
            skip.update(range(opens[a.path], i + 1))
            i = opens[a.path]
        else:
            break
        i -= 1
    return prefix, suffix, skip


def assemble(p: etree._Element, atoms: list[Atom], containers: list[etree._Element],
              stories: list[etree._Element], mirrors: list[tuple[etree._Element, etree._Element]],
              next_id: int) -> Paragraph:  # fmt: skip
    if not any(isinstance(a, Text) for a in atoms):
        return Paragraph(p, "", [], {}, None, [], [], stories, mirrors)
    prefix, suffix, skip = _edges(atoms, containers)

    # the text, where each atom lands in it, and the base formatting of every container (most characters)
    text: list[str] = []
    pos = 0
    at: dict[int, int] = {}
    chars: dict[tuple[int, ...], dict[bytes, int]] = {}
    pending: Iso | None = None
    spaced: set[int] = set()
    for i, a in enumerate(atoms):
        if i in skip:
            continue
        at[i] = pos
        if isinstance(a, Text):
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
        elif isinstance(a, Iso) and a.kind in _SPACED:
            pending = a
    base_key = {path: max(counts, key=lambda k: counts[k]) for path, counts in chars.items()}
    base_rpr: dict[tuple[int, ...], etree._Element | None] = {}
    for a in atoms:
        if isinstance(a, Text) and a.path not in base_rpr and a.key == base_key[a.path]:
            base_rpr[a.path] = a.rpr

    found: list[_Found] = []
    open_at: dict[tuple[int, ...], int] = {}
    group: dict[tuple[int, ...], list[Text]] = {}  # container path -> the atoms of its current format run
    first_of: dict[int, int] = {}  # id(first atom of a run) -> its index

    def close_group(path: tuple[int, ...]) -> None:
        g = group.pop(path, None)
        if not g or g[0].key == base_key.get(path):
            return
        head = g[0]
        start = at[first_of[id(head)]]
        end = at[first_of[id(g[-1])]] + len(g[-1].text)
        opening = "<w:r>" + (markup(head.rpr) if head.rpr is not None and len(head.rpr) else "")
        kind = _KIND_OF.get((head.key, base_key[path]))
        if kind is None:  # a pure function of the two formattings' keys: remembered
            if len(_KIND_OF) > 4096:
                _KIND_OF.clear()
            kind = _KIND_OF[(head.key, base_key[path])] = _format_kind(head.rpr, base_rpr.get(path))
        found.append(_Found(start, end, first_of[id(head)], path, Piece("format", rpr=head.rpr), kind, opening,
                            "</w:r>"))  # fmt: skip

    for i, a in enumerate(atoms):
        if i in skip:
            continue
        if isinstance(a, Text):
            first_of[id(a)] = i
            g = group.get(a.path)
            if g and g[0].key != a.key:
                close_group(a.path)
            group.setdefault(a.path, []).append(a)
        elif isinstance(a, Open):
            close_group(a.path[:-1])
            open_at[a.path] = i
        elif isinstance(a, Close):
            close_group(a.path)
            el = containers[a.path[-1]]
            opening, closing = start_tag(el), end_tag(el)
            if el.tag == SDT:
                pr = el.find(w("sdtPr"))
                opening += (markup(pr) if pr is not None else "") + "<w:sdtContent>"
                closing = "</w:sdtContent>" + closing
            piece = Piece("container", rpr=base_rpr.get(a.path), shell=el)
            o = open_at[a.path]
            found.append(_Found(at[o], at[i], o, a.path[:-1], piece, CONTAINERS[el.tag], opening, closing, a.path))
        elif isinstance(a, Iso):
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
    return {etree.QName(c).localname: etree.tostring(c) for c in rpr if c.tag not in NOT_FORMATTING}


_KIND_OF: dict[tuple[bytes, bytes], str] = {}


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
