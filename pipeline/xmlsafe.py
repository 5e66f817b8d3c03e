"""Parse untrusted XML (an XLIFF back from a reviewer, a TBX termbase from a client) without side effects.

Everything that makes XML dangerous is off: no DTD is loaded (an external ``<!DOCTYPE x SYSTEM "...">``
is recorded, never opened), no entity is expanded, nothing is fetched from the network, and libxml2's
size limits stay on (``huge_tree=False``). A document whose DOCTYPE *declares* entities (a
billion-laughs bomb, an external entity pointing at ``/etc/passwd``) is refused outright, before
libxml2 sees it (any ``<!ENTITY`` in the bytes, so also one in a comment or CDATA section), and again
after parsing (the DTD's entity declarations): no file the pipeline reads needs them. A resolver that
answers every request for an external resource with nothing stands behind all of it. The file is
read once, after a size check, and nothing is written.

Every problem is one :class:`pipeline.errors.InputError` line naming the file (and the line, where
the parser gives one) and the fix. :func:`parse_xml_file` is the entry point; :func:`safe_bytes`
returns the document re-serialised without its DOCTYPE, for a library that wants to parse it again
itself (translate-toolkit), so that library never sees a declaration.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.errors import InputError

__all__ = ["MAX_XML_BYTES", "parse_xml_bytes", "parse_xml_file", "safe_bytes", "safe_parser"]

#: Default size limit of an XML input (a termbase or a document's XLIFF is far smaller).
MAX_XML_BYTES = 64 * 1024 * 1024


class _RefuseExternal(etree.Resolver):
    """Answers every request for an external resource (DTD, entity, XInclude) with an empty document.

    Defence in depth: with the options below libxml2 should not ask at all, but some option
    combinations make it open the external DTD subset anyway (lxml 6.0 with ``collect_ids=False``
    opens ``<!DOCTYPE x SYSTEM "/path">`` despite ``load_dtd=False``), and a resolver is consulted
    before any file is opened.
    """

    def resolve(self, url: str | None, pubid: str | None, context: object) -> object:
        return self.resolve_string("", context)


def safe_parser() -> etree.XMLParser:
    """A parser for untrusted input: no DTD, no entity expansion, no network, no file, default size limits."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
    )
    parser.resolvers.add(_RefuseExternal())
    return parser


# "<!ENTITY" in the encodings an XML file may declare without a BOM-less guess (UTF-8/ASCII, UTF-16)
_ENTITY_DECLS = tuple("<!ENTITY".encode(enc) for enc in ("ascii", "utf-16-le", "utf-16-be"))


def _entities_refused(what: str, source: str, names: list[str] | None = None) -> InputError:
    shown = f" ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})" if names else ""
    return InputError(
        f"{what} {source} declares XML entities in its DOCTYPE{shown}; they are refused, "
        "since they can expand without bound or read other files",
        "remove the <!DOCTYPE ...> declaration (or its [...] part) and export the file again",
    )


def _one_line(text: str, limit: int = 160) -> str:
    first = " ".join(str(text).split())
    return first if len(first) <= limit else first[: limit - 3] + "..."


def parse_xml_bytes(data: bytes, *, source: str, what: str = "XML file", fix: str | None = None) -> etree._ElementTree:
    """Parse ``data`` (the bytes of ``source``, named in errors) safely; see the module docstring."""
    fix = fix or f"give a well-formed {what}"
    if not data.strip():
        raise InputError(f"{what} {source} is empty", fix)
    if any(needle in data for needle in _ENTITY_DECLS):
        raise _entities_refused(what, source)
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
    dtd = tree.docinfo.internalDTD
    if dtd is not None:
        names = [str(ent.name) for ent in dtd.iterentities()]
        if names:
            raise _entities_refused(what, source, names)
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
