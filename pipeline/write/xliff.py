"""XLIFF 1.2 writer: a bilingual document for post-editing in a CAT tool (OmegaT, Trados, memoQ, Phrase).

The output is valid against the OASIS XLIFF 1.2 *strict* schema. Layout::

    <?xml version="1.0" encoding="UTF-8"?>
    <xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
      <file original="article.txt" source-language="en" target-language="ko" datatype="plaintext"
            tool-id="pipeline" date="2026-01-01T00:00:00Z">
        <header>
          <tool tool-id="pipeline" tool-name="opus-align-pipeline" tool-version="0.1.0"/>
          <note from="pipeline-run">3f2a...</note>              the run hash (as the review page's)
          <note from="pipeline-signature">pipeline:0.1.0|seg:...</note>
          <note from="pipeline-jsonl">article.en-ko.jsonl</note>   when known: the run's JSONL
        </header>
        <body>
          <trans-unit id="0" xml:space="preserve">
            <source>...</source>
            <target state="needs-review-translation" state-qualifier="leveraged-mt">...</target>
            <note from="pipeline-qa" priority="1" annotates="target">term_missing: Kursk (expected 쿠르스크)</note>
            <note from="pipeline-scores" priority="5">alignment score 0.9123; model confidence 0.8123; ...</note>
            <alt-trans tool-id="pipeline" origin="Helsinki-NLP/opus-mt-en-ko" match-quality="81">
              <target>...</target>
            </alt-trans>
          </trans-unit>
        </body>
      </file>
    </xliff>

* One ``<file>`` per document: pairs of a corpus (``translate-corpus``) carry ``doc`` and each document
  gets its own ``<file original="<doc>">``, in order of first appearance; a single document's
  ``original`` is the ``original`` argument (the input file's name; ``document`` if not given).
* One ``<trans-unit>`` per pair, ``id`` = the pair's id (unique in its ``<file>``), text kept exactly
  (``xml:space="preserve"``).
* ``<target state>``: ``needs-review-translation``; ``translated`` for a pair a reviewer already
  accepted or corrected (flag ``reviewed:<op>``). ``state-qualifier="rejected-inaccurate"`` for a pair whose risk
  level (:mod:`pipeline.qa.risk`) is ``redo``, else ``leveraged-mt`` when the pair has a model score; the risk level
  also ends the scores note.
* QA flags are ``<note from="pipeline-qa" priority="1">`` (with the check's detail when
  ``qa_details`` gives it); scores and sentence indices one ``<note from="pipeline-scores">``.
* The pipeline's target is also an ``<alt-trans>`` (origin: the model; ``match-quality``: the model
  confidence as a whole percentage, when known): CAT tools show it as the MT proposal, and
  :mod:`pipeline.review.xliff` compares the post-edited target with it.
* A pair's alternatives (:attr:`pipeline.records.AlignedPair.alternatives`: the model's other hypotheses,
  ``translate.alternatives``, and the first output of a pair the repair ladder repaired) are further
  ``<alt-trans tool-id="pipeline" origin="<model> (n-best)">`` (or ``(first output, before the repair)``) after
  the pipeline's own, each with its ``match-quality``; a repaired pair has a ``<note from="pipeline-repair"
  priority="2" annotates="target">`` naming the ladder's step.
* The run is named in every ``<header>``: the run hash (:func:`pipeline.records.run_hash` of the
  pairs and signature, as the review page's decisions file) and the signature string, so a
  post-edited file can be matched to its run and a file of another run refused.

Characters XML 1.0 cannot carry are handled as the TMX writer does: in ``<source>``/``<target>`` each
becomes ``<ph id="..." ctype="x-char">U+0007</ph>`` (read back exactly by
:func:`pipeline.review.xliff.unit_text`); in attributes and notes each becomes U+FFFD; every unit
where that happened is logged. The output is deterministic (same pairs, signature, date: same bytes).

Inline codes (a document with markup: ``<file datatype>`` is then ``html`` or ``x-markdown``, the render
context's ``datatype``) are XLIFF's own markup-free inline elements, which CAT tools show as tags the
translator moves with the words and write back as they were (OmegaT: ``<g0>``...``</g0>``, ``<x1/>``)::

    <source>Press <g id="1" ctype="bold">Save</g> now.<x id="2" ctype="lb"/></source>
    <target ...><g id="1" ctype="bold">저장</g>을 누르세요.<x id="2" ctype="lb"/></target>

* a paired code is ``<g id ctype>`` around its words, an isolated one (a line break, an image) ``<x id ctype/>``;
  ``ctype`` is XLIFF's name where it has one (bold, italic, underlined, link; lb, image), else ``x-<kind>``;
* ``id`` is the code's id in the document, the same in ``<source>``, ``<target>`` and ``<alt-trans>``, so
  ``apply-review`` maps a post-edited target's tags back to the markup in the run's JSONL (``src_codes``);
* two codes a translation put across each other cannot both be ``<g>``: the one opened later is
  ``<bx id="N" rid="N"/>``...``<ex id="N-end" rid="N"/>`` (:func:`pipeline.write.tmx.code_events` gives the
  order);
* the markup itself (never in the text: the tags stand for it) is in the unit's
  ``<context-group name="pipeline-codes-<unit id>" purpose="information">`` (a group's name is unique in its
  ``<file>``), one ``<context context-type="x-code-N-open">`` and ``x-code-N-close`` per paired code,
  ``x-code-N`` per isolated one, which CAT tools keep as they are;
* a target's code the model lost and the run put back by rule (``by_rule``: flag ``tag_mismatch``) is named in
  a ``<note from="pipeline-codes" priority="2" annotates="target">``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from lxml import etree

from pipeline.qa.risk import risk_of
from pipeline.records import AlignedPair, InlineCode, Signature
from pipeline.write.output import OutputFormat, RenderContext, Rendered, resolve_creation_date
from pipeline.write.tmx import XML_DECLARATION, Sanitiser, append_text, code_events, code_kind_name, split_forbidden

__all__ = [
    "CHAR_CTYPE",
    "CODES_CONTEXT",
    "CTYPES",
    "EXTENSION",
    "FORMAT",
    "NOTE_CODES",
    "NOTE_JSONL",
    "NOTE_QA",
    "NOTE_RUN",
    "NOTE_SCORES",
    "NOTE_SIGNATURE",
    "NS",
    "TOOL_ID",
    "build_tree",
    "files",
    "render",
    "text",
]

logger = logging.getLogger(__name__)

NS = "urn:oasis:names:tc:xliff:document:1.2"
EXTENSION = ".xlf"
TOOL_ID = "pipeline"
TOOL_NAME = "opus-align-pipeline"
NOTE_RUN = "pipeline-run"
NOTE_SIGNATURE = "pipeline-signature"
NOTE_JSONL = "pipeline-jsonl"
NOTE_QA = "pipeline-qa"
NOTE_SCORES = "pipeline-scores"
NOTE_CODES = "pipeline-codes"
NOTE_REPAIR = "pipeline-repair"
#: what an alternative's ``<alt-trans origin>`` says after the model's name (origin -> words)
ALTERNATIVE_ORIGINS = {"n-best": "n-best", "first-output": "first output, before the repair"}
CODES_CONTEXT = "pipeline-codes"  # <context-group name="pipeline-codes-<unit id>">: the markup of the unit's codes
CHAR_CTYPE = "x-char"  # <ph ctype="x-char">U+0007</ph>: a character XML cannot carry
#: an inline code's kind -> XLIFF's ``ctype`` of its ``<g>``/``<bx>`` (paired) or ``<x>`` (isolated); others: x-<kind>
CTYPES = {
    "paired": {"bold": "bold", "italic": "italic", "underline": "underlined", "link": "link"},
    "isolated": {"br": "lb", "image": "image"},
}
DEFAULT_ORIGINAL = "document"
STATE_NEW = "needs-review-translation"
STATE_REVIEWED = "translated"

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _fill_side(el: etree._Element, text: str, codes: Sequence[InlineCode], prefix: str) -> int:
    """:func:`_fill`, or :func:`_fill_codes` for a text with inline codes."""
    return _fill_codes(el, text, codes, prefix) if codes else _fill(el, text, prefix)


def _fill(el: etree._Element, text: str, prefix: str) -> int:
    """Put ``text`` into ``el``, each forbidden character as ``<ph id="<prefix><k>" ctype="x-char">``."""
    el.text, rest = split_forbidden(text)
    for k, (code, tail) in enumerate(rest, start=1):
        ph = etree.SubElement(el, _q("ph"))
        ph.set("id", f"{prefix}{k}")
        ph.set("ctype", CHAR_CTYPE)
        ph.text = code
        ph.tail = tail
    return len(rest)


def ctype(code: InlineCode) -> str:
    """The ``ctype`` of ``code``'s element (:data:`CTYPES`, else ``x-<kind>``)."""
    return CTYPES["isolated" if code.isolated else "paired"].get(code.kind) or code_kind_name(code.kind)


def _crossing(events: Sequence[tuple[int, str, InlineCode]]) -> set[int]:
    """The (Python ids of the) paired codes that cross one opened before them: written as ``<bx>``/``<ex>``."""
    kept: list[InlineCode] = []
    out: set[int] = set()
    for _, what, c in events:
        if what != "open":
            continue
        if any(a.start < c.start < a.end < c.end for a in kept):
            out.add(id(c))
        else:
            kept.append(c)
    return out


def _fill_codes(el: etree._Element, text: str, codes: Sequence[InlineCode], prefix: str) -> int:
    """Put ``text`` with its inline ``codes`` into ``el`` (see the module docstring); the forbidden characters as
    :func:`_fill` does. Return the number of those."""
    count = 0

    def char_ph(parent: etree._Element, code: str) -> etree._Element:
        nonlocal count
        count += 1
        ph = etree.SubElement(parent, _q("ph"))
        ph.set("id", f"{prefix}{count}")
        ph.set("ctype", CHAR_CTYPE)
        ph.text = code
        return ph

    events = code_events(text, codes)
    crossing = _crossing(events)
    stack = [el]
    pos = 0
    for offset, what, c in events:
        append_text(stack[-1], text[pos:offset], char_ph)
        pos = offset
        ident = str(c.id)
        if what == "isolated":
            x = etree.SubElement(stack[-1], _q("x"))
            x.set("id", ident)
            x.set("ctype", ctype(c))
        elif id(c) in crossing:
            tag = etree.SubElement(stack[-1], _q("bx" if what == "open" else "ex"))
            tag.set("id", ident if what == "open" else f"{ident}-end")
            tag.set("rid", ident)
            if what == "open":
                tag.set("ctype", ctype(c))
        elif what == "close":
            stack.pop()
        else:  # open, empty
            g = etree.SubElement(stack[-1], _q("g"))
            g.set("id", ident)
            g.set("ctype", ctype(c))
            if what == "open":
                stack.append(g)
    append_text(stack[-1], text[pos:], char_ph)
    return count


def _codes_context(tu: etree._Element, uid: str, codes: Sequence[InlineCode], safe: Sanitiser) -> None:
    """The markup of each code, for a CAT tool or a merge without the run's JSONL."""
    group = etree.SubElement(tu, _q("context-group"))
    group.set("name", f"{CODES_CONTEXT}-{uid}")
    group.set("purpose", "information")
    for c in sorted(codes, key=lambda c: c.id):
        parts = [("", c.opening)] if c.isolated else [("-open", c.opening), ("-close", c.closing)]
        for suffix, markup in parts:
            context = etree.SubElement(group, _q("context"))
            context.set("context-type", f"x-code-{c.id}{suffix}")
            context.text = safe(markup)


def _where(c: InlineCode, size: int) -> str:
    if c.start == c.end:
        return "at the start" if c.start == 0 else "at the end" if c.start >= size else f"at character {c.start}"
    if c.start == 0:
        return "around the whole target" if c.end >= size else "from the start"
    return "to the end" if c.end >= size else f"around characters {c.start}-{c.end}"


def _by_rule_note(codes: Sequence[InlineCode], text: str) -> str:
    """What a note says of the target's codes put back by rule (which tag, where)."""
    named = [
        f'<{"x" if c.isolated else "g"} id="{c.id}"{"/" if c.isolated else ""}> ({ctype(c)}) {_where(c, len(text))}'
        for c in codes
        if c.by_rule
    ]
    return f"put back by rule (the model lost it): {'; '.join(named)}; move each tag where it belongs"


def _xsd_date(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _documents(pairs: Sequence[AlignedPair], original: str | None) -> list[tuple[str, list[AlignedPair]]]:
    docs: dict[str | None, list[AlignedPair]] = {}
    for p in pairs:
        docs.setdefault(p.doc, []).append(p)
    if not docs:
        docs[None] = []
    return [(doc if doc is not None else (original or DEFAULT_ORIGINAL), group) for doc, group in docs.items()]


def _scores_note(p: AlignedPair) -> str:
    parts = [f"alignment score {p.score:.4f}"]
    if p.mt_score is not None:
        parts.append(f"model confidence {p.mt_score:.4f}")
    parts.append(f"source sentence(s) {', '.join(map(str, p.src_idx)) or '-'}")
    parts.append(f"target sentence(s) {', '.join(map(str, p.tgt_idx)) or '-'}")
    if p.paragraph is not None:
        parts.append(f"paragraph {p.paragraph}")
    parts.append(f"risk {_risk(p)}")
    return "; ".join(parts)


def _risk(p: AlignedPair) -> str:
    return risk_of(p.flags, repaired=p.repaired is not None)


def _details(qa_details: Mapping[Any, Mapping[str, str]] | None, p: AlignedPair) -> Mapping[str, str]:
    if not qa_details:
        return {}
    for key in (f"{p.doc}#{p.id}", str(p.id)) if p.doc is not None else (p.id, str(p.id)):
        if key in qa_details:
            return qa_details[key]
    return {}


def _match_quality(mt_score: float) -> str:
    return str(max(0, min(100, round(mt_score * 100))))


def build_tree(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
    original: str | None = None,
    jsonl: str | None = None,
    qa_details: Mapping[Any, Mapping[str, str]] | None = None,
    datatype: str = "plaintext",
) -> etree._Element:
    """The ``<xliff>`` element for ``pairs`` (see the module docstring)."""
    from pipeline.records import run_hash

    sig = signature.as_string()
    run = run_hash(pairs, sig)
    date = _xsd_date(resolve_creation_date(creation_date))
    safe = Sanitiser()
    root = etree.Element(_q("xliff"), nsmap={None: NS})
    root.set("version", "1.2")
    for original_name, group in _documents(pairs, original):
        f = etree.SubElement(root, _q("file"))
        for name, value in (
            ("original", original_name),
            ("source-language", src_lang),
            ("target-language", tgt_lang),
            ("datatype", datatype),
            ("tool-id", TOOL_ID),
            ("date", date),
        ):
            f.set(name, safe(value))
        header = etree.SubElement(f, _q("header"))
        tool = etree.SubElement(header, _q("tool"))
        tool.set("tool-id", TOOL_ID)
        tool.set("tool-name", TOOL_NAME)
        tool.set("tool-version", safe(signature.package_version))
        header_notes = [(NOTE_RUN, run), (NOTE_SIGNATURE, sig)] + ([(NOTE_JSONL, jsonl)] if jsonl else [])
        for source, value in header_notes:
            note = etree.SubElement(header, _q("note"))
            note.set("from", source)
            note.text = safe(value)
        if safe.replaced:
            logger.warning("XLIFF header: replaced %d character(s) not allowed in XML by U+FFFD", safe.replaced)
        body = etree.SubElement(f, _q("body"))
        for p in group:
            _unit(body, p, signature, _details(qa_details, p))
    return root


def _unit(body: etree._Element, p: AlignedPair, signature: Signature, details: Mapping[str, str]) -> None:
    safe = Sanitiser()
    uid = safe(str(p.id))
    tu = etree.SubElement(body, _q("trans-unit"))
    tu.set("id", uid)
    tu.set(_XML_SPACE, "preserve")
    escaped = _fill_side(etree.SubElement(tu, _q("source")), p.src, p.src_codes, "s")
    target = etree.SubElement(tu, _q("target"))
    reviewed = any(f.startswith("reviewed:") for f in p.flags)
    target.set("state", STATE_REVIEWED if reviewed else STATE_NEW)
    if _risk(p) == "redo":  # the target cannot be right as it is (pipeline.qa.risk)
        target.set("state-qualifier", "rejected-inaccurate")
    elif p.mt_score is not None and not any(f == "reviewed:edited" for f in p.flags):
        target.set("state-qualifier", "leveraged-mt")
    escaped += _fill_side(target, p.tgt, p.tgt_codes, "t")
    for flag in p.flags:
        if flag.startswith("reviewed:"):
            continue
        note = etree.SubElement(tu, _q("note"))
        note.set("from", NOTE_QA)
        note.set("priority", "1")
        note.set("annotates", "target")
        detail = details.get(flag)
        note.text = safe(f"{flag}: {detail}" if detail else flag)
    if any(c.by_rule for c in p.tgt_codes):
        note = etree.SubElement(tu, _q("note"))
        note.set("from", NOTE_CODES)
        note.set("priority", "2")
        note.set("annotates", "target")
        note.text = safe(_by_rule_note(p.tgt_codes, p.tgt))
    if p.repaired is not None:
        note = etree.SubElement(tu, _q("note"))
        note.set("from", NOTE_REPAIR)
        note.set("priority", "2")
        note.set("annotates", "target")
        first = " (the first output is an alt-trans)" if any(a.origin == "first-output" for a in p.alternatives) else ""
        note.text = f"repaired by the repair ladder ({p.repaired}){first}"
    note = etree.SubElement(tu, _q("note"))
    note.set("from", NOTE_SCORES)
    note.set("priority", "5")
    note.text = _scores_note(p)
    if p.src_codes or p.tgt_codes:
        by_id = {c.id: c for c in p.tgt_codes} | {c.id: c for c in p.src_codes}
        _codes_context(tu, uid, list(by_id.values()), safe)
    alt = etree.SubElement(tu, _q("alt-trans"))
    alt.set("tool-id", TOOL_ID)
    alt.set("origin", safe(signature.model))
    if p.mt_score is not None:
        alt.set("match-quality", _match_quality(p.mt_score))
    escaped += _fill_side(etree.SubElement(alt, _q("target")), p.tgt, p.tgt_codes, "a")
    for n, other in enumerate(p.alternatives, 1):  # after the pipeline's own: apply-review reads that one first
        alt = etree.SubElement(tu, _q("alt-trans"))
        alt.set("tool-id", TOOL_ID)
        alt.set("origin", safe(f"{signature.model} ({ALTERNATIVE_ORIGINS.get(other.origin, other.origin)})"))
        if other.score is not None:
            alt.set("match-quality", _match_quality(other.score))
        escaped += _fill_side(etree.SubElement(alt, _q("target")), other.text, (), f"a{n}-")
    where = f"{p.doc}#{p.id}" if p.doc is not None else str(p.id)
    if escaped:
        logger.warning(
            'XLIFF trans-unit %s: wrote %d character(s) not allowed in XML as <ph ctype="%s">U+XXXX</ph>',
            where,
            escaped,
            CHAR_CTYPE,
        )
    if safe.replaced:
        logger.warning(
            "XLIFF trans-unit %s: replaced %d character(s) not allowed in XML by U+FFFD", where, safe.replaced
        )


def render(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
    original: str | None = None,
    jsonl: str | None = None,
    qa_details: Mapping[Any, Mapping[str, str]] | None = None,
    datatype: str = "plaintext",
) -> str:
    """The whole XLIFF document as a string (declaration, pretty-printed, final LF).

    ``original``: the source document's name for a single document (``<file original>``); ``jsonl``:
    the run's JSONL file name, recorded so that ``apply-review`` finds it; ``qa_details``: pair id ->
    flag -> detail (the QA summary's ``details``), written into the flags' notes; ``datatype``: the source
    document's kind (``<file datatype>``: ``plaintext``, ``html``, ``x-markdown``).
    """
    root = build_tree(
        pairs,
        signature=signature,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        creation_date=creation_date,
        original=original,
        jsonl=jsonl,
        qa_details=qa_details,
        datatype=datatype,
    )
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    return f"{XML_DECLARATION}\n{body}"


def text(pairs: Sequence[AlignedPair], ctx: RenderContext) -> str:
    """:func:`render` for a render context (its QA details go into the flags' notes)."""
    return render(
        pairs,
        signature=ctx.signature,
        src_lang=ctx.src_lang,
        tgt_lang=ctx.tgt_lang,
        creation_date=ctx.creation_date,
        qa_details=ctx.qa_details,
        datatype=ctx.datatype,
    )


def files(pairs: Sequence[AlignedPair], base: str, ctx: RenderContext) -> list[Rendered]:
    """``<base>.xlf`` for a render context: ``original`` is ``base``, the run's JSONL ``<base>.jsonl`` (beside it)."""
    data = render(
        pairs,
        signature=ctx.signature,
        src_lang=ctx.src_lang,
        tgt_lang=ctx.tgt_lang,
        creation_date=ctx.creation_date,
        original=base,
        jsonl=f"{base}.jsonl",
        qa_details=ctx.qa_details,
        datatype=ctx.datatype,
    ).encode("utf-8")
    return [Rendered(f"{base}{EXTENSION}", data=data)]


#: ``output.formats`` / ``corpus.formats`` name ``xliff`` (registered in :data:`pipeline.write.config.FORMATS`).
FORMAT = OutputFormat(
    "xliff",
    files,
    text,
    EXTENSION,
    description=".xlf: XLIFF 1.2 to post-edit in a CAT tool, one <file> per corpus record; apply-review reads it "
    "back with the run's JSONL",
    requires=("jsonl",),
)
