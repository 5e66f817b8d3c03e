"""TMX 1.4b writer: one bilingual translation memory per language pair.

The document is built with :mod:`lxml.etree` (so markup-like text such as ``<b>`` or ``&amp;`` is
escaped and round-trips exactly) and is valid against the TMX 1.4b DTD. Layout::

    <?xml version="1.0" encoding="UTF-8"?>
    <!DOCTYPE tmx SYSTEM "tmx14.dtd">
    <tmx version="1.4">
      <header creationtool="pipeline" ... srclang="en" datatype="plaintext" creationdate="...">
        <prop type="x-signature">pipeline:0.1.0|seg:...</prop>
        <prop type="x-sig-model">...</prop> ...
      </header>
      <body>
        <tu tuid="0">
          <prop type="x-score">0.9123</prop> ... (x-mt-score, x-src-idx, x-tgt-idx, x-paragraph, x-flags)
          <tuv xml:lang="en"><seg>...</seg></tuv>
          <tuv xml:lang="ko"><seg>...</seg></tuv>
        </tu>
      </body>
    </tmx>

Index lists (``x-src-idx``, ``x-tgt-idx``) and flags (``x-flags``) are comma-joined; scores have four
decimals. ``x-mt-score``, ``x-paragraph`` and ``x-flags`` are left out when unset/empty. Pairs of a
corpus (``translate-corpus``) also carry ``x-doc``, the input record's id, and their ``tuid`` is
``<doc>#<id>``.

Characters that XML 1.0 forbids (NUL, C0 controls other than TAB/LF/CR, U+FFFE, U+FFFF, lone
surrogates) are removed (see :func:`xml_safe`); each unit where that happened is reported with a
warning on this module's logger naming the ``tuid`` and the number of characters removed.

The output is deterministic: the same pairs, signature and creation date give the same bytes.
``creationdate`` is the ``creation_date`` argument, else ``SOURCE_DATE_EPOCH`` from the environment,
else the current time, always in UTC as ``YYYYMMDDThhmmssZ``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from datetime import datetime, timezone

from lxml import etree

from pipeline.errors import ConfigError
from pipeline.records import AlignedPair, Signature

__all__ = ["DOCTYPE", "XML_DECLARATION", "build_tree", "render", "resolve_creation_date", "tmx_date", "xml_safe"]

logger = logging.getLogger(__name__)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
DOCTYPE = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
CREATION_TOOL = "pipeline"
O_TMF = "pipeline-jsonl"

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """Return ``text`` without the characters XML 1.0 cannot carry, and how many were removed."""
    return _NOT_XML_CHAR.subn("", text)


def tmx_date(when: datetime) -> str:
    """Format a datetime as a TMX date (``YYYYMMDDThhmmssZ``, UTC). A naive datetime is taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def resolve_creation_date(creation_date: datetime | None = None) -> datetime:
    """``creation_date`` if given, else ``$SOURCE_DATE_EPOCH`` (reproducible builds), else now (UTC)."""
    if creation_date is not None:
        return creation_date
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ConfigError(
                f"SOURCE_DATE_EPOCH is not a Unix timestamp: {epoch!r}",
                "set it to whole seconds since 1970-01-01 UTC, or unset it",
            ) from None
    return datetime.now(timezone.utc)


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
    return props


class _Sanitiser:
    """Applies :func:`xml_safe` and counts what it removed."""

    def __init__(self) -> None:
        self.removed = 0

    def __call__(self, text: str) -> str:
        clean, n = xml_safe(text)
        self.removed += n
        return clean


def _add_props(parent: etree._Element, props: list[tuple[str, str]], safe: _Sanitiser) -> None:
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
) -> etree._Element:
    """Build the ``<tmx>`` element (no doctype). Removals of forbidden characters are logged."""
    safe = _Sanitiser()
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
        ("datatype", "plaintext"),
        ("creationdate", tmx_date(resolve_creation_date(creation_date))),
    ):
        header.set(name, safe(value))
    _add_props(header, _header_props(signature), safe)
    if safe.removed:
        logger.warning("TMX header: removed %d character(s) not allowed in XML", safe.removed)

    body = etree.SubElement(root, "body")
    for pair in pairs:
        safe.removed = 0
        tuid = safe(str(pair.id) if pair.doc is None else f"{pair.doc}#{pair.id}")
        tu = etree.SubElement(body, "tu")
        tu.set("tuid", tuid)
        _add_props(tu, _tu_props(pair), safe)
        for lang, text in ((src_lang, pair.src), (tgt_lang, pair.tgt)):
            tuv = etree.SubElement(tu, "tuv")
            tuv.set(_XML_LANG, safe(lang))
            seg = etree.SubElement(tuv, "seg")
            seg.text = safe(text)
        if safe.removed:
            logger.warning("TMX tu %s: removed %d character(s) not allowed in XML", tuid, safe.removed)
    return root


def render(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> str:
    """The whole TMX document as a string (declaration, doctype, pretty-printed, final LF)."""
    root = build_tree(pairs, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, creation_date=creation_date)
    body = etree.tostring(root, encoding="unicode", pretty_print=True, doctype=DOCTYPE)
    return f"{XML_DECLARATION}\n{body}"
