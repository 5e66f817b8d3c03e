"""A post-edited XLIFF back in: the reviewer's work as review decisions (what the review page exports).

The XLIFF is one written by :mod:`pipeline.write.xliff` and edited in a CAT tool. Each
``<trans-unit>`` (id = pair id) becomes at most one decision, as a translator expects of the states
(``<target state>``) their tool sets:

=============================================  ============================================
the unit                                       decision
=============================================  ============================================
``state="needs-translation"``                  ``reject`` (leave the pair out)
an empty ``<target>``                          ``reject``; none where it was empty as written
                                               (a ``no_target`` pair: the sentence stays flagged)
``translated``/``final``/``signed-off``        ``edit`` if the target text changed, else
(or ``approved="yes"``)                        ``accept`` (keep the pair, clear its flags)
any other state (``needs-review-translation``  ``edit`` if the target text changed, else
as written, ``new``, none, ...)                none: the pair stays as it is, flags and all
no ``<target>`` at all                         none
=============================================  ============================================

"Changed" compares whitespace-normalised text with the pair's target: the run's JSONL pairs when
given, else the pipeline's ``<alt-trans tool-id="pipeline">`` of the unit (what the writer put in).
Merges and splits cannot be expressed in XLIFF; use the review page for those.

Inline codes (a document with markup): the text of a ``<source>``/``<target>`` is its plain text, the tags
left out (:func:`unit_content` also gives where each ``<g>``/``<x>``/``<bx>``...``<ex>`` stands in it). A target
whose tags the reviewer moved (or removed) is changed too. An ``edit`` decision of a unit with codes carries
``tgt_codes``: the target's codes as the run's records (``pipeline.records.InlineCode`` JSON) at offsets of the
whitespace-normalised target, each tag's id mapped back to the run's markup (the pair's ``src_codes`` in the
JSONL; without the JSONL, the unit's ``<context-group name="pipeline-codes-<id>">``). A tag whose id the run has
no code for is left out (and moving it is no change).

The run is identified by the header's run hash and signature notes. :func:`load_xliff_decisions`
returns the same :class:`pipeline.review.apply.Decisions` that :func:`load_decisions` returns for a
decisions file (it builds the same ``pipeline-review/1`` document and validates it with
:func:`parse_decisions`), so ``apply-review FILE.xlf`` is that one call followed by the usual
:func:`apply_decisions`, which refuses a file made for another run. Given the run's pairs and
signature, it refuses such a file itself, with the same one-line error.

The file is untrusted input: it is parsed by :mod:`pipeline.xmlsafe` (no DTD, no entities, no
network, a size limit). Every problem is one :class:`InputError` line naming the file and, where
there is one, the unit and its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.errors import InputError
from pipeline.read.codes import collapse_whitespace
from pipeline.records import AlignedPair, InlineCode, run_hash
from pipeline.review.apply import Decisions, parse_decisions
from pipeline.review.common import DECISIONS_FORMAT
from pipeline.write.xliff import CHAR_CTYPE, CODES_CONTEXT, CTYPES, NOTE_JSONL, NOTE_RUN, NOTE_SIGNATURE, NS, TOOL_ID
from pipeline.xmlsafe import MAX_XML_BYTES, parse_xml_file

__all__ = [
    "ACCEPTED_STATES",
    "REJECTED_STATES",
    "XLIFF_SUFFIXES",
    "UnitCode",
    "XliffReview",
    "XliffUnit",
    "is_xliff",
    "load_xliff_decisions",
    "read_xliff",
    "unit_content",
    "unit_text",
    "xliff_decisions",
    "xliff_decisions_document",
]

XLIFF_SUFFIXES = (".xlf", ".xliff")
ACCEPTED_STATES = frozenset({"translated", "final", "signed-off"})
REJECTED_STATES = frozenset({"needs-translation"})
_FIX = "give the XLIFF written by the run (<name>.xlf), post-edited in a CAT tool"
_CHAR = re.compile(r"U\+([0-9A-Fa-f]{4,6})")


def is_xliff(path: str | Path) -> bool:
    """Whether ``path`` names an XLIFF file (by extension)."""
    return Path(path).suffix.lower() in XLIFF_SUFFIXES


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass(frozen=True)
class UnitCode:
    """An inline code of a ``<source>``/``<target>`` as read back: its tag's ``id`` (``<bx>``/``<ex>``: their
    ``rid``), where it stands in the element's text (code points; ``start == end`` for an ``<x>``) and its
    ``ctype``."""

    id: str
    start: int
    end: int
    isolated: bool = False
    ctype: str | None = None


def unit_content(el: etree._Element) -> tuple[str, tuple[UnitCode, ...]]:
    """The text of a ``<source>``/``<target>`` (see :func:`unit_text`) and its inline codes: each ``<g>`` around
    the text it holds, each ``<x>`` where it stands, each ``<bx>`` to its ``<ex>`` (paired by ``rid``, else
    ``id``; one without the other is left out). Raises :class:`ValueError` for a malformed ``x-char``
    placeholder."""
    out: list[str] = []
    size = 0
    codes: list[UnitCode] = []
    opened: dict[str, tuple[int, str | None]] = {}

    def add(piece: str | None) -> None:
        nonlocal size
        if piece:
            out.append(piece)
            size += len(piece)

    def walk(node: etree._Element) -> None:
        add(node.text)
        for child in node:
            tag = _local(child.tag)
            ident = child.get("id") or ""
            if tag == "ph" and child.get("ctype") == CHAR_CTYPE:
                m = _CHAR.fullmatch((child.text or "").strip())
                if m is None:
                    raise ValueError(f'malformed <ph ctype="{CHAR_CTYPE}"> content {child.text!r}')
                add(chr(int(m.group(1), 16)))
            elif tag == "g":
                start = size
                walk(child)
                codes.append(UnitCode(ident, start, size, False, child.get("ctype")))
            elif tag == "mrk":
                walk(child)
            elif tag == "x":
                codes.append(UnitCode(ident, size, size, True, child.get("ctype")))
            elif tag == "bx":
                opened[child.get("rid") or ident] = (size, child.get("ctype"))
            elif tag == "ex" and (child.get("rid") or ident) in opened:
                key = child.get("rid") or ident
                start, ctype = opened.pop(key)
                codes.append(UnitCode(key, start, size, False, ctype))
            add(child.tail)

    walk(el)
    return "".join(out), tuple(sorted(codes, key=lambda c: (c.start, c.end)))


def unit_text(el: etree._Element) -> str:
    """The text of a ``<source>``/``<target>``: ``<ph ctype="x-char">U+0007</ph>`` become their characters.

    ``<g>`` and ``<mrk>`` (markup around text) are read through; other inline codes (``bpt``, ``ept``,
    ``it``, ``x``, ``bx``, ``ex``, other ``ph``: native codes of other tools, or the run's inline codes) are
    left out, the text after them kept. Raises :class:`ValueError` for a malformed ``x-char`` placeholder.
    """
    return unit_content(el)[0]


@dataclass(frozen=True)
class XliffUnit:
    """One ``<trans-unit>`` as read back."""

    file: str  # its <file original>
    id: str
    line: int | None
    source: str
    target: str | None  # None: no <target> element
    state: str | None
    approved: bool
    original: str | None  # the pipeline's target (<alt-trans tool-id="pipeline">), if the file kept it
    source_codes: tuple[UnitCode, ...] = ()
    target_codes: tuple[UnitCode, ...] = ()
    original_codes: tuple[UnitCode, ...] = ()  # those of the <alt-trans tool-id="pipeline"> target
    markup: tuple[tuple[str, str, str], ...] = ()  # (id, opening, closing) per code, from its <context-group>


@dataclass(frozen=True)
class XliffReview:
    """A post-edited XLIFF: the run it names and its units."""

    path: str
    run: dict[str, Any]  # hash, signature, src_lang, tgt_lang, jsonl, title
    units: tuple[XliffUnit, ...]


def _find(el: etree._Element, tag: str) -> etree._Element | None:
    found = el.find(f"{{{NS}}}{tag}")
    if found is None:
        found = el.find(tag)  # a tool that dropped the namespace
    return found


def _children(el: etree._Element, tag: str) -> list[etree._Element]:
    return [c for c in el if _local(c.tag) == tag]


def _header_notes(f: etree._Element) -> dict[str, str]:
    header = _find(f, "header")
    notes: dict[str, str] = {}
    if header is not None:
        for note in _children(header, "note"):
            source = note.get("from")
            if source in (NOTE_RUN, NOTE_SIGNATURE, NOTE_JSONL) and source not in notes:
                notes[source] = (note.text or "").strip()
    return notes


def read_xliff(path: str | Path, *, max_bytes: int = MAX_XML_BYTES) -> XliffReview:
    """Parse a post-edited XLIFF safely into its run and units (no decision yet)."""
    p = Path(path)
    tree = parse_xml_file(p, what="XLIFF file", max_bytes=max_bytes, fix=_FIX)
    root = tree.getroot()
    if _local(root.tag) != "xliff":
        raise InputError(f"{p} is not an XLIFF file (its root element is <{_local(root.tag)}>)", _FIX)
    if root.get("version") not in ("1.2", None):
        raise InputError(f"{p} is XLIFF {root.get('version')}, not 1.2", _FIX)
    files = _children(root, "file")
    if not files:
        raise InputError(f"{p} has no <file> element", _FIX)
    run: dict[str, Any] | None = None
    units: list[XliffUnit] = []
    for f in files:
        notes = _header_notes(f)
        if NOTE_RUN not in notes or NOTE_SIGNATURE not in notes:
            raise InputError(
                f"{p}: <file original={f.get('original')!r}> names no pipeline run (no run hash in its <header>)",
                _FIX,
            )
        this = {
            "hash": notes[NOTE_RUN],
            "signature": notes[NOTE_SIGNATURE],
            "src_lang": f.get("source-language"),
            "tgt_lang": f.get("target-language"),
        }
        if run is None:
            run = {**this, "title": f.get("original"), "jsonl": notes.get(NOTE_JSONL)}
        elif {k: run[k] for k in this} != this:
            raise InputError(f"{p}: its <file> elements come from different runs", "review one run's XLIFF at a time")
        units += _units(p, f)
    assert run is not None
    if not run["jsonl"] and len(files) == 1 and run["title"]:
        run["jsonl"] = f"{run['title']}.jsonl"  # the writer's default: original = the outputs' base name
    return XliffReview(str(p), run, tuple(units))


def _units(p: Path, f: etree._Element) -> list[XliffUnit]:
    original_name = f.get("original") or ""
    out = []
    for tu in f.iter(f"{{{NS}}}trans-unit", "trans-unit"):
        uid = tu.get("id") or ""
        where = f"{p}: trans-unit {uid!r} (line {tu.sourceline})"
        source_el = _find(tu, "source")
        target_el = _find(tu, "target")
        original = None
        original_codes: tuple[UnitCode, ...] = ()
        try:
            for alt in _children(tu, "alt-trans"):
                alt_target = _find(alt, "target")
                if alt.get("tool-id") == TOOL_ID and alt_target is not None:
                    original, original_codes = unit_content(alt_target)
                    break
            source, source_codes = unit_content(source_el) if source_el is not None else ("", ())
            target, target_codes = unit_content(target_el) if target_el is not None else (None, ())
        except ValueError as e:
            raise InputError(f"{where}: {e}", "restore the placeholder as exported") from None
        out.append(
            XliffUnit(
                file=original_name,
                id=uid,
                line=tu.sourceline,
                source=source,
                target=target,
                state=target_el.get("state") if target_el is not None else None,
                approved=tu.get("approved") == "yes",
                original=original,
                source_codes=source_codes,
                target_codes=target_codes,
                original_codes=original_codes,
                markup=_markup(tu),
            )
        )
    return out


def _markup(tu: etree._Element) -> tuple[tuple[str, str, str], ...]:
    """(id, opening, closing) of each code named in the unit's ``<context-group name="pipeline-codes">``."""
    found: dict[str, list[str]] = {}
    for group in _children(tu, "context-group"):
        if not (group.get("name") or "").startswith(CODES_CONTEXT):
            continue
        for context in _children(group, "context"):
            m = re.fullmatch(r"x-code-(\d+)(-open|-close)?", context.get("context-type") or "")
            if m:
                markup = found.setdefault(m.group(1), ["", ""])
                markup[1 if m.group(2) == "-close" else 0] = context.text or ""
    return tuple((k, v[0], v[1]) for k, v in found.items())


def _positions(text: str, codes: Sequence[UnitCode]) -> list[tuple[str, int, int]]:
    """Each code's id and span in the whitespace-normalised ``text``, in order."""
    _, where = collapse_whitespace(text)  # what an edit decision keeps: " ".join(text.split())
    size = len(text)
    return sorted((c.id, where[min(c.start, size)], where[min(c.end, size)]) for c in codes)


def _kind(ctype: str | None) -> str:
    for names in CTYPES.values():
        for kind, name in names.items():
            if name == ctype:
                return kind
    return ctype[2:] if ctype and ctype.startswith("x-") else "other"


def _target_codes(u: XliffUnit, pair: AlignedPair | None) -> list[dict[str, Any]]:
    """The unit's target codes as the run's records (JSON) at offsets of the normalised target; each tag's
    markup from the pair's ``src_codes`` (else from the unit's context group); unknown ids left out."""
    assert u.target is not None
    if pair is not None:
        known = {str(c.id): c for c in pair.src_codes}
    else:
        known = {
            ident: InlineCode(int(ident), "other", 0, 0, opening, closing, not closing)
            for ident, opening, closing in u.markup
        }
    out = []
    for ident, start, end in _positions(u.target, u.target_codes):
        code = known.get(ident)
        if code is None:
            continue
        if pair is None:  # the kind and whether it is isolated: from the tag
            tag = next(c for c in u.target_codes if c.id == ident)
            code = InlineCode(code.id, _kind(tag.ctype), 0, 0, code.opening, code.closing, tag.isolated)
        out.append(code.moved(start, start if code.isolated else end).to_json())
    return sorted(out, key=lambda c: (c["start"], c["id"]))


def _codes_moved(u: XliffUnit, pair: AlignedPair | None) -> bool:
    """Whether the target's tags of the run's codes stand elsewhere than the run's codes (the pair's) or than the
    ``<alt-trans>``'s tags (a tag whose id the run has no code for does not count)."""
    if u.target is None:
        return False
    if pair is not None:
        ref_text = pair.tgt
        ref = tuple(UnitCode(str(c.id), c.start, c.end, c.isolated) for c in pair.tgt_codes)
        known = {str(c.id) for c in pair.src_codes} | {c.id for c in ref}
    else:
        ref_text, ref = u.original or "", u.original_codes
        known = {ident for ident, _, _ in u.markup} | {c.id for c in ref}
    mine = tuple(c for c in u.target_codes if c.id in known)
    if not ref and not mine:
        return False
    return _positions(u.target, mine) != _positions(ref_text, ref)


def _norm(text: str) -> str:
    return " ".join(text.split())


def xliff_decisions_document(
    review: XliffReview, pairs: Sequence[AlignedPair] | None = None, *, signature: str | None = None
) -> dict[str, Any]:
    """The ``pipeline-review/1`` decisions document for ``review`` (what the review page would export).

    With ``pairs`` (the run's JSONL) and ``signature`` (its signature string), a file made for another
    run is refused here, and each unit's target is compared with its pair's; without them, with the
    unit's ``<alt-trans>``.
    """
    src = review.path
    if pairs is not None and signature is not None:
        actual = run_hash(pairs, signature)
        if review.run["hash"] != actual:
            raise InputError(
                f"{src} was made for run {review.run['hash']}, but the JSONL given is run {actual}",
                "pass the JSONL file of the run the XLIFF was written by (--jsonl)",
            )
    by_id = {str(pr.id): pr for pr in pairs} if pairs is not None else {}
    seen: dict[str, XliffUnit] = {}
    decisions: list[dict[str, Any]] = []
    for u in review.units:
        where = f"{src}: trans-unit {u.id!r} (line {u.line})"
        if u.id in seen:
            raise InputError(
                f"{where}: the id is also in <file original={seen[u.id].file!r}>",
                "apply-review takes one document's XLIFF at a time: review each document's file separately",
            )
        seen[u.id] = u
        if not re.fullmatch(r"\d+", u.id):
            raise InputError(f"{where}: the id is not a pair id (a whole number)", _FIX)
        pid = int(u.id)
        pair = by_id.get(u.id) if pairs is not None else None
        if pairs is not None:
            if pair is None:
                raise InputError(f"{where}: the run has no pair {pid}", _FIX)
            if _norm(u.source) != _norm(pair.src):
                raise InputError(f"{where}: its source is not pair {pid}'s source in the run", _FIX)
        op = _decide(u, pair.tgt if pair is not None else u.original, where, _codes_moved(u, pair))
        if op == "edit":
            assert u.target is not None
            edit: dict[str, Any] = {"op": "edit", "id": pid, "tgt": u.target}
            if u.target_codes or u.original_codes or (pair is not None and (pair.src_codes or pair.tgt_codes)):
                edit["tgt_codes"] = _target_codes(u, pair)
            decisions.append(edit)
        elif op:
            decisions.append({"op": op, "id": pid})
    return {
        "format": DECISIONS_FORMAT,
        "run": {**review.run, "pairs": len(review.units), "decisions_file": Path(src).name},
        "decisions": decisions,
    }


def _decide(u: XliffUnit, original: str | None, where: str, codes_moved: bool = False) -> str | None:
    if u.state in REJECTED_STATES:
        return "reject"
    if u.target is None:
        return None
    if not u.target.strip():
        if original is not None and not original.strip():  # empty as written (no_target) and left so
            return None
        return "reject"
    accepted = u.state in ACCEPTED_STATES or u.approved
    if original is None:
        raise InputError(
            f"{where}: the pipeline's target (<alt-trans tool-id={TOOL_ID!r}>) is gone, so an edit cannot be told "
            "from an unchanged target",
            "pass the run's JSONL so that targets are compared with the run's",
        )
    if _norm(u.target) != _norm(original) or codes_moved:
        return "edit"
    return "accept" if accepted else None


def xliff_decisions(
    review: XliffReview, pairs: Sequence[AlignedPair] | None = None, *, signature: str | None = None
) -> Decisions:
    """:func:`xliff_decisions_document` validated into :class:`pipeline.review.apply.Decisions`."""
    return parse_decisions(xliff_decisions_document(review, pairs, signature=signature), review.path)


def load_xliff_decisions(
    path: str | Path,
    *,
    pairs: Sequence[AlignedPair] | None = None,
    signature: str | None = None,
    max_bytes: int = MAX_XML_BYTES,
) -> Decisions:
    """A post-edited XLIFF as review decisions: what ``apply-review FILE.xlf`` applies (see the module docstring).

    The result is what :func:`pipeline.review.load_decisions` returns for a decisions file:
    ``decisions.run`` has the run hash, the signature and the JSONL's name (``jsonl``), and
    :func:`pipeline.review.apply_decisions` applies it (refusing it for another run's pairs).
    """
    return xliff_decisions(read_xliff(path, max_bytes=max_bytes), pairs, signature=signature)
