"""Parse untrusted XML (an XLIFF back from a reviewer, a TBX termbase from a client) without side effects.

Everything that makes XML dangerous is off: no DTD is loaded (an external ``<!DOCTYPE x SYSTEM "...">``
is recorded, never opened), no entity is expanded, nothing is fetched from the network, and libxml2's
size limits stay on (``huge_tree=False``). A document whose DOCTYPE *declares* entities (a
billion-laughs bomb, an external entity pointing at ``/etc/passwd``) is refused outright, before
libxml2 sees it (any ``<!ENTITY`` in the bytes, so also one in a comment or CDATA section), and again
after parsing (the DTD's entity declarations): no file the pipeline reads needs them. A resolver that
answers every request for an external resource with nothing stands behind all of it. The file is
read once, after a size check, and nothing is written.

The layers, each with a probe only it stops (``tests/test_xmlsafe_layers.py``): the size check (``over the
limit``); the byte scan (``'<!ENTITY' at byte N``: a declaration in a comment, which no parsed DTD holds); the
parser's options (an external DTD that declares an entity is never read, the reference stays unexpanded); the
resolver (the same DTD with the options switched off: answered with nothing); the parsed DTD (``in its DOCTYPE:
NAMES``: a declaration in UTF-32, which the byte scan does not read).

Every problem is one :class:`pipeline.errors.InputError` line naming the file (and the line, where
the parser gives one) and the fix. :func:`parse_xml_file` is the entry point; :func:`safe_bytes`
returns the document re-serialised without its DOCTYPE, for a library that wants to parse it again
itself (translate-toolkit), so that library never sees a declaration.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from pipeline.errors import InputError

__all__ = [
    "MAX_XML_BYTES",
    "NOT_XML_CHAR",
    "REPLACEMENT",
    "parse_xml_bytes",
    "parse_xml_file",
    "safe_bytes",
    "safe_parser",
    "xml_safe",
]

#: Default size limit of an XML input (a termbase or a document's XLIFF is far smaller).
MAX_XML_BYTES = 64 * 1024 * 1024

REPLACEMENT = "\ufffd"
#: a character XML 1.0 cannot carry (Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]):
#: C0 controls, lone surrogates, U+FFFE/U+FFFF; HTML cannot carry them either
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """``text`` with each character XML 1.0 cannot carry replaced by U+FFFD, and how many were replaced (the writers
    of TMX, XLIFF and the review page)."""
    return NOT_XML_CHAR.subn(REPLACEMENT, text)


class _RefuseExternal(etree.Resolver):
    """Answers every request for an external resource (DTD, entity, XInclude) with an empty document.

    Defence in depth: with the options below libxml2 should not ask at all, but some option
    combinations make it open the external DTD subset anyway (lxml 6.0 with ``collect_ids=False``
    opens ``<!DOCTYPE x SYSTEM "/path">`` despite ``load_dtd=False``), and a resolver is consulted
    before any file is opened.
    """

    def resolve(self, url: str | None, pubid: str | None, context: object) -> object:
        return self.resolve_string("", context)


#: the parser's options: no DTD, no entity expansion, no network, default size limits (layer 2)
SAFE_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_pis": False,
}


def safe_parser() -> etree.XMLParser:
    """A parser for untrusted input: :data:`SAFE_OPTIONS`, and a resolver that answers any request for an external
    resource with nothing (layer 4)."""
    parser = etree.XMLParser(**SAFE_OPTIONS)
    parser.resolvers.add(_RefuseExternal())
    return parser


# "<!ENTITY" in the encodings an XML file may declare without a BOM-less guess (UTF-8/ASCII, UTF-16)
_ENTITY_DECLS = tuple("<!ENTITY".encode(enc) for enc in ("ascii", "utf-16-le", "utf-16-be"))


def _entities_refused(what: str, source: str, where: str) -> InputError:
    """The one error of both entity layers; ``where`` says which layer found them (the bytes or the parsed DTD), so
    that a test can tell the layers apart."""
    return InputError(
        f"{what} {source} declares XML entities ({where}); they are refused, "
        "since they can expand without bound or read other files",
        "remove the <!DOCTYPE ...> declaration (or its [...] part) and export the file again",
    )


def _entity_bytes(data: bytes) -> int | None:
    """Layer 1: where ``<!ENTITY`` is in the raw bytes (ASCII/UTF-8 or UTF-16), before libxml2 sees anything."""
    found = [i for needle in _ENTITY_DECLS if (i := data.find(needle)) >= 0]
    return min(found) if found else None


def _declared_entities(tree: etree._ElementTree) -> list[str]:
    """Layer 3: the entities the parsed document's internal DTD declares (in an encoding layer 1 does not scan)."""
    dtd = tree.docinfo.internalDTD
    return [str(ent.name) for ent in dtd.iterentities()] if dtd is not None else []


def _one_line(text: str, limit: int = 160) -> str:
    first = " ".join(str(text).split())
    return first if len(first) <= limit else first[: limit - 3] + "..."


def parse_xml_bytes(data: bytes, *, source: str, what: str = "XML file", fix: str | None = None) -> etree._ElementTree:
    """Parse ``data`` (the bytes of ``source``, named in errors) safely; see the module docstring."""
    fix = fix or f"give a well-formed {what}"
    if not data.strip():
        raise InputError(f"{what} {source} is empty", fix)
    if (at := _entity_bytes(data)) is not None:
        raise _entities_refused(what, source, f"'<!ENTITY' at byte {at}")
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as e:
        line = f"line {e.lineno}: " if e.lineno else ""
        raise InputError(
            f"{what} {source} is not well-formed XML ({line}{_one_line(e.msg or str(e))})",
            f"{fix} (a truncated or hand-edited file? export it again)",
        ) from None
    except ValueError as e:  # e.g. an encoding declaration lxml cannot use
        raise InputError(f"{what} {source} cannot be parsed ({_one_line(str(e))})", fix) from None
    tree = root.getroottree()
    if names := _declared_entities(tree):
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise _entities_refused(what, source, f"in its DOCTYPE: {shown}")
    return tree


def parse_xml_file(
    path: str | Path, *, what: str = "XML file", max_bytes: int = MAX_XML_BYTES, fix: str | None = None
) -> etree._ElementTree:
    """Read ``path`` (at most ``max_bytes``) and parse it with :func:`parse_xml_bytes`."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{what} not found: {p}", "check the path") from None
    except OSError as e:
        raise InputError(f"cannot read {what} {p}: {e.strerror}", "check its permissions") from None
    if not p.is_file():
        raise InputError(f"{what} {p} is not a regular file", "give the path of the file itself")
    if size > max_bytes:
        raise InputError(
            f"{what} {p} is {size:,} bytes, over the limit of {max_bytes:,}",
            "split it, or check that it is the file you meant",
        )
    try:
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise InputError(f"cannot read {what} {p}: {e.strerror}", "check its permissions") from None
    if len(data) > max_bytes:  # grew since stat
        raise InputError(f"{what} {p} is over the limit of {max_bytes:,} bytes", "split it")
    return parse_xml_bytes(data, source=str(p), what=what, fix=fix)


def safe_bytes(tree: etree._ElementTree) -> bytes:
    """The document of ``tree`` as UTF-8 bytes with an XML declaration and no DOCTYPE."""
    out: bytes = etree.tostring(tree.getroot(), encoding="UTF-8", xml_declaration=True)
    return out
