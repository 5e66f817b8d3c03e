"""The zip package of a Word document, read as untrusted input, and written back with some parts replaced.

:func:`open_package` refuses, each with one :class:`~pipeline.errors.InputError` line naming the file, the place
and the fix: bytes that are not a zip (an encrypted document is an OLE compound file, magic ``D0 CF 11 E0``, as is
a legacy ``.doc``), a damaged zip, zip-level encryption, duplicate member names, too many members, a member that
inflates past :data:`MAX_MEMBER_BYTES` or a package past :data:`MAX_TOTAL_BYTES` (counted while inflating, in
chunks, not taken from the sizes the zip declares: a lying header is caught too), a macro-enabled document
(a ``macroEnabled`` content type, or a ``vbaProject`` part), and an XML member that declares a DOCTYPE (and so
possibly entities: a billion-laughs bomb, an external entity reading a local file). Every XML part the reader
parses goes through :func:`pipeline.xmlsafe.safe_parser` (no entity expansion, no DTD, no network) and is checked
again after parsing. Nothing is fetched and nothing is written to disk.

:func:`write_package` gives the zip again with the same members in the same order (name, date, compression,
attributes), each member's bytes as read except those replaced.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from pipeline.errors import InputError
from pipeline.xmlsafe import safe_parser

__all__ = [
    "MAX_BYTES",
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "Member",
    "Package",
    "open_package",
    "parse_member",
    "rels_name",
    "resolve_target",
    "write_package",
]

#: the largest ``.docx`` file read (bytes, compressed)
MAX_BYTES = 200 * 1024 * 1024
#: the most members a package may have (a long book with many images has a few hundred)
MAX_MEMBERS = 10_000
#: the most one member may inflate to (bytes)
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: the most all members together may inflate to (bytes)
MAX_TOTAL_BYTES = 1024 * 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_CHUNK = 1 << 20
_XML_ENDINGS = (".xml", ".rels", ".vml")
_DECLS = tuple(s.encode(enc) for s in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be"))
_FIX_SAVE = "open it in Word or LibreOffice and save it again as a .docx"


@dataclass(frozen=True)
class Member:
    """One zip member: how it was stored, and its inflated bytes."""

    name: str
    date_time: tuple[int, int, int, int, int, int]
    compress_type: int
    external_attr: int
    create_system: int
    comment: bytes
    data: bytes


@dataclass(frozen=True)
class Package:
    """The members of a ``.docx``, in the zip's order."""

    where: str  # the file, for error messages
    members: tuple[Member, ...]

    def get(self, name: str) -> bytes | None:
        for m in self.members:
            if m.name == name:
                return m.data
        return None

    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def parse(self, name: str) -> etree._Element:
        """The root of XML member ``name``, parsed with the hardened parser (:func:`parse_member`)."""
        data = self.get(name)
        if data is None:
            raise InputError(f"input file {self.where}: the package has no part {name}", _FIX_SAVE)
        return parse_member(data, self.where, name)


def parse_member(data: bytes, where: str, name: str) -> etree._Element:
    """XML member ``name`` of ``where``: no DTD, no entities, nothing fetched; one line when it is bad."""
    _refuse_doctype(data, where, name)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as e:
        raise InputError(
            f"input file {where}: part {name} is not well-formed XML (line {e.lineno}: {' '.join(str(e.msg).split())})",
            _FIX_SAVE,
        ) from None
    except ValueError as e:
        raise InputError(f"input file {where}: part {name} cannot be parsed ({e})", _FIX_SAVE) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _doctype(where, name)
    return root


def _doctype(where: str, name: str) -> InputError:
    return InputError(
        f"input file {where}: part {name} declares a DOCTYPE (entity declarations or external references); a Word "
        "document has none, and they are refused since they can expand without bound or read other files",
        _FIX_SAVE,
    )


def _refuse_doctype(data: bytes, where: str, name: str) -> None:
    if any(d in data for d in _DECLS):
        raise _doctype(where, name)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, budget: int) -> bytes:
    """The member's bytes, inflated in chunks and counted: more than :data:`MAX_MEMBER_BYTES` (or the package's
    remaining ``budget``) is refused while inflating, whatever the zip declares."""
    limit = min(MAX_MEMBER_BYTES, budget)
    parts: list[bytes] = []
    size = 0
    try:
        with zf.open(info) as f:
            while chunk := f.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _bomb(where, info.filename, limit)
                parts.append(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as e:
        raise InputError(f"input file {where}: member {info.filename} cannot be read ({e})", _FIX_SAVE) from None
    except ValueError as e:  # zlib: invalid data
        raise InputError(f"input file {where}: member {info.filename} is damaged ({e})", _FIX_SAVE) from None
    return b"".join(parts)


def _bomb(where: str, name: str, limit: int) -> InputError:
    return InputError(
        f"input file {where}: member {name} inflates past {limit / 2**20:.0f} MB (a zip bomb, or a document too "
        "large to translate whole)",
        "check where the file comes from; split a genuine document into smaller ones",
    )


def open_package(data: bytes, where: str) -> Package:
    """The members of the ``.docx`` in ``data`` (see the module docstring for what is refused)."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"input file {where} is {len(data) / 2**20:.0f} MB, more than the {MAX_BYTES // 2**20} MB a Word document "
            "may have",
            "split it into smaller documents",
        )
    if data.startswith(OLE_MAGIC):
        raise InputError(
            f"input file {where} is an OLE compound file, not a .docx zip: a password-protected (encrypted) Word "
            "document, or a legacy .doc",
            "remove the password (File > Info > Protect Document) or save it as .docx, and translate that file",
        )
    if not data.startswith(b"PK"):
        raise InputError(f"input file {where} is not a .docx (not a zip package)", "give a Word .docx file")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError) as e:
        raise InputError(f"input file {where} is not a readable zip package ({e})", _FIX_SAVE) from None
    if len(infos) > MAX_MEMBERS:
        raise InputError(
            f"input file {where} has {len(infos)} zip members, more than the {MAX_MEMBERS} a Word document may have",
            "check where the file comes from",
        )
    seen: set[str] = set()
    declared = 0
    for info in infos:
        if info.filename in seen:
            raise InputError(f"input file {where}: member {info.filename} is in the zip twice", _FIX_SAVE)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise InputError(
                f"input file {where}: member {info.filename} is encrypted",
                "remove the password and save the document as .docx again",
            )
        declared += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise _bomb(where, info.filename, MAX_MEMBER_BYTES)
    if declared > MAX_TOTAL_BYTES:
        raise _bomb(where, "(all members together)", MAX_TOTAL_BYTES)
    members: list[Member] = []
    budget = MAX_TOTAL_BYTES
    for info in infos:
        body = _read_member(zf, info, where, budget)
        budget -= len(body)
        if info.filename.lower().endswith(_XML_ENDINGS):
            _refuse_doctype(body, where, info.filename)
        members.append(
            Member(
                info.filename,
                info.date_time,
                info.compress_type,
                info.external_attr,
                info.create_system,
                info.comment,
                body,
            )  # fmt: skip
        )
    pkg = Package(where, tuple(members))
    _refuse_macros(pkg)
    return pkg


def _refuse_macros(pkg: Package) -> None:
    types = pkg.get("[Content_Types].xml")
    if types is None:
        raise InputError(f"input file {pkg.where} is a zip but not a Word document (no [Content_Types].xml)",
                         "give a Word .docx file")  # fmt: skip
    root = parse_member(types, pkg.where, "[Content_Types].xml")
    for el in root:
        ctype = str(el.get("ContentType", ""))
        if "macroenabled" in ctype.lower() or "vbaproject" in ctype.lower():
            part = el.get("PartName") or f"*.{el.get('Extension')}"
            raise InputError(
                f"input file {pkg.where} is a macro-enabled document (.docm: [Content_Types].xml gives {part} the "
                f"content type {ctype})",
                "save it as a Word Document (.docx) without macros, and translate that file",
            )
    if any(posixpath.basename(n).lower().startswith("vbaproject") for n in pkg.names()):
        raise InputError(
            f"input file {pkg.where} holds a macro project (vbaProject): a macro-enabled document",
            "save it as a Word Document (.docx) without macros, and translate that file",
        )


def write_package(pkg: Package, replaced: Mapping[str, bytes]) -> bytes:
    """The package as a zip, each member as read except those in ``replaced`` (name -> new bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for m in pkg.members:
            info = zipfile.ZipInfo(m.name, m.date_time)
            info.compress_type = m.compress_type
            info.external_attr = m.external_attr
            info.create_system = m.create_system
            info.comment = m.comment
            zf.writestr(info, replaced.get(m.name, m.data))
    return out.getvalue()


def resolve_target(source: str, target: str) -> str:
    """The part name a relationship of part ``source`` targets (``target`` relative to its folder, or absolute)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def rels_name(part: str) -> str:
    """The relationships part of ``part``: ``word/document.xml`` -> ``word/_rels/document.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")
