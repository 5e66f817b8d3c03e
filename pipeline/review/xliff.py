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
from pipeline.records import AlignedPair, run_hash
from pipeline.review.apply import Decisions, parse_decisions
from pipeline.review.common import DECISIONS_FORMAT
from pipeline.write.xliff import CHAR_CTYPE, NOTE_JSONL, NOTE_RUN, NOTE_SIGNATURE, NS, TOOL_ID
from pipeline.xmlsafe import MAX_XML_BYTES, parse_xml_file

__all__ = [
    "ACCEPTED_STATES",
    "REJECTED_STATES",
    "XLIFF_SUFFIXES",
    "XliffReview",
    "XliffUnit",
    "is_xliff",
    "load_xliff_decisions",
    "read_xliff",
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


def unit_text(el: etree._Element) -> str:
    """The text of a ``<source>``/``<target>``: ``<ph ctype="x-char">U+0007</ph>`` become their characters.

    ``<g>`` and ``<mrk>`` (markup around text) are read through; other inline codes (``bpt``, ``ept``,
    ``it``, ``x``, ``bx``, ``ex``, other ``ph``: native codes of other tools) are left out, the text
    after them kept. Raises :class:`ValueError` for a malformed ``x-char`` placeholder.
    """
    out = [el.text or ""]
    for child in el:
        tag = _local(child.tag)
        if tag == "ph" and child.get("ctype") == CHAR_CTYPE:
            m = _CHAR.fullmatch((child.text or "").strip())
            if m is None:
                raise ValueError(f'malformed <ph ctype="{CHAR_CTYPE}"> content {child.text!r}')
            out.append(chr(int(m.group(1), 16)))
        elif tag in ("g", "mrk"):
            out.append(unit_text(child))
        out.append(child.tail or "")
    return "".join(out)


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
        for alt in _children(tu, "alt-trans"):
            alt_target = _find(alt, "target")
            if alt.get("tool-id") == TOOL_ID and alt_target is not None:
                original = unit_text(alt_target)
                break
        try:
            source = unit_text(source_el) if source_el is not None else ""
            target = unit_text(target_el) if target_el is not None else None
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
            )
        )
    return out


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
        op = _decide(u, pair.tgt if pair is not None else u.original, where)
        if op == "edit":
            assert u.target is not None
            decisions.append({"op": "edit", "id": pid, "tgt": u.target})
        elif op:
            decisions.append({"op": op, "id": pid})
    return {
        "format": DECISIONS_FORMAT,
        "run": {**review.run, "pairs": len(review.units), "decisions_file": Path(src).name},
        "decisions": decisions,
    }


def _decide(u: XliffUnit, original: str | None, where: str) -> str | None:
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
    if _norm(u.target) != _norm(original):
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
