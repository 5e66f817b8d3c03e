"""File input and output: strict text decoding and atomic writes. Only runners call these."""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pipeline.errors import InputError, OutputError

log = logging.getLogger(__name__)

_LATIN_LANGS = (
    "en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "nn", "fi", "is", "ga", "ca", "eu", "gl",
    "af", "id", "ms", "sw",
)  # fmt: skip


def read_text(
    path: str | os.PathLike[str], *, what: str = "input file", lang: str | None = None, given_by: str = "--input"
) -> str:
    """Read a UTF-8 text file (a UTF-8 BOM is dropped; CRLF/CR become LF).

    UTF-16/UTF-32 files with a BOM are decoded too. A file that is not UTF-8 is decoded with the
    legacy 8-bit encoding of ``lang`` when that is unambiguous (:func:`legacy_decode`, with a
    warning). Anything else, binary data, a missing file or a file with no text raises
    :class:`InputError` with a one-line fix; ``given_by`` (the option or config key the path came
    from) is named in it.
    """
    return read_text_encoding(path, what=what, lang=lang, given_by=given_by)[0]


def read_text_encoding(
    path: str | os.PathLike[str], *, what: str = "input file", lang: str | None = None, given_by: str = "--input"
) -> tuple[str, str]:
    """:func:`read_text`, also returning the encoding the file was decoded with (``utf-8``, ``cp1252``, ...)."""
    p = Path(path)
    raw = read_input_bytes(p, what=what, given_by=given_by)
    text, encoding = decode_bytes_encoding(raw, p, what=what, lang=lang)
    if not text.strip():
        raise InputError(f"{what} is empty: {p}", "give a file that contains text")
    return text, encoding


def read_input_bytes(path: str | os.PathLike[str], *, what: str = "input file", given_by: str = "--input") -> bytes:
    """The bytes of an input file; :class:`InputError` naming it and the fix when it is missing, a folder or
    unreadable."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} not found: {p} ({given_by})", f"check the path given to {given_by}")
    if p.is_dir():
        raise InputError(f"{what} is a directory, not a file: {p} ({given_by})", f"pass a file to {given_by}")
    try:
        return p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {what} {p}: {e.strerror}", "check its permissions") from None


def decode_bytes(raw: bytes, path: Path, *, what: str = "input file", lang: str | None = None) -> str:
    return decode_bytes_encoding(raw, path, what=what, lang=lang)[0]


def decode_bytes_encoding(
    raw: bytes, path: Path, *, what: str = "input file", lang: str | None = None
) -> tuple[str, str]:
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            encoding = enc.replace("-sig", "")
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                raise InputError(
                    f"{what} {path} starts with a {enc.upper()} byte-order mark but does not decode as {enc.upper()}",
                    "re-save it as UTF-8",
                ) from None
            break
    else:
        encoding = "utf-8"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            binary = b"\x00" in raw[:4096]
            legacy = None if binary else legacy_decode(raw, lang)
            if legacy is None:
                kind = "binary data" if binary else "not UTF-8 text, and not in a legacy encoding of its language"
                raise InputError(
                    f"{what} {path} is {kind} (undecodable byte at offset {e.start})",
                    "convert it to UTF-8, e.g. `iconv -f latin1 -t utf-8`",
                ) from None
            text, encoding = legacy
            log.warning(
                "%s %s is not UTF-8: decoded as %s, the legacy encoding its text fits (%s); "
                "check the output, or convert the file to UTF-8",
                what,
                path,
                encoding,
                lang,
            )
    if "\x00" in text[:4096] and text.count("\x00") > len(text) // 10:
        raise InputError(f"{what} {path} looks like binary data (many NUL characters)", "give a UTF-8 text file")
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


#: legacy (pre-Unicode) encodings tried, in order, for a file that is not UTF-8, by the script of its language
_LEGACY = {
    "latin": ("cp1252",),
    "cyrillic": ("cp1251", "koi8-r"),
    "hangul": ("cp949",),
    "han": ("gb18030", "big5"),
    "kana": ("cp932", "euc-jp"),
}
_SCRIPT_OF_LANG = {
    **{lg: "latin" for lg in _LATIN_LANGS},
    **{lg: "cyrillic" for lg in ("ru", "uk", "be", "bg", "mk", "sr", "kk")},
    "ko": "hangul",
    "zh": "han",
    "ja": "kana",
}


def legacy_decode(raw: bytes, lang: str | None) -> tuple[str, str] | None:
    """Decode ``raw`` with a legacy encoding of ``lang``'s script, if exactly the text of that script results.

    Each candidate must decode without error, give no control characters other than tab/newline, and
    give letters that are at least 95% in the script of ``lang`` (Latin: at most 20% of them non-ASCII;
    Cyrillic: mostly lower case, which tells cp1251 from KOI8). The first that fits wins; None when none
    does or ``lang`` is unknown.
    """
    from pipeline.langs import script_of

    code = (lang or "").lower().split("-")[0]
    script = _SCRIPT_OF_LANG.get(code)
    if script is None:
        return None
    for enc in ("cp1251", "koi8-u") if code == "uk" else _LEGACY[script]:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text):
            continue
        letters = [c for c in text if c.isalpha()]
        if not letters:
            continue
        ok = [c for c in letters if script_of(c) == script or (script == "kana" and script_of(c) == "han")]
        if len(ok) < 0.95 * len(letters):
            continue
        if script == "latin" and sum(not c.isascii() for c in letters) > 0.2 * len(letters):
            continue  # English, German, French ... text is mostly ASCII letters
        if script == "cyrillic":
            cyr = [c for c in letters if script_of(c) == "cyrillic"]
            if sum(c.islower() for c in cyr) < 0.5 * len(cyr):
                continue
        return text, enc
    return None


def check_output_folder(folder: str | os.PathLike[str], *, given_by: str = "--out") -> None:
    """Raise :class:`OutputError` now if ``folder`` cannot be created or written; create nothing.

    Runs check this before any work, so a long translation does not end in an unwritable folder.
    """
    p = Path(folder)
    fix = f"give another folder with {given_by}"
    if p.exists() and not p.is_dir():
        raise OutputError(f"output folder {p} ({given_by}) is a file, not a folder", f"{fix}, or move the file away")
    existing = p
    while not existing.exists():  # the nearest existing ancestor is where the folder would be created
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"output folder {p} ({given_by}) cannot be created: {existing} is a file", fix)
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == p else f": {existing} is not writable"
        raise OutputError(f"output folder {p} ({given_by}) is not writable{where}", f"{fix}, or change its permissions")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], *, mode: str = "w") -> Iterator[IO]:  # type: ignore[type-arg]
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    Text mode always uses UTF-8 and LF newlines. A failure (full disk, exception in the body)
    leaves no partial file and raises :class:`OutputError` for OS errors.
    """
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as e:
        raise OutputError(f"cannot write {p}: {e.strerror}", "check the output folder and free space") from None
    try:
        if "b" in mode:
            f = os.fdopen(fd, mode)
        else:
            f = os.fdopen(fd, mode, encoding="utf-8", newline="\n")
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except OSError as e:
        _unlink_quietly(tmp)
        raise OutputError(f"cannot write {p}: {e.strerror}", "check the output folder and free space") from None
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_bytes(body: Any, *, indent: int = 2) -> bytes:
    """``body`` as UTF-8 JSON with a final line end, non-ASCII characters as they are; a lone surrogate (a file name
    that is not UTF-8, decoded with ``surrogateescape``) as its ``\\uXXXX`` escape, which UTF-8 cannot carry raw
    (the value read back is the same)."""
    text = json.dumps(body, ensure_ascii=False, indent=indent)
    return (_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n").encode("utf-8")


#: byte-order marks: (bom, the codec that decodes what follows it, the encoding's name)
_DOCUMENT_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)


def decode_document(data: bytes, where: str, lang: str) -> tuple[str, str, str, bytes]:
    """A text document's (Markdown, subtitles) text, the encoding it was in, the codec to write it back with and its
    byte-order mark (b"" without one): a BOM's encoding, else UTF-8, else the legacy encoding of ``lang``'s script
    that :func:`decode_bytes_encoding` recognises (or its :class:`InputError`); the line ends left as they are."""
    for bom, codec, name in _DOCUMENT_BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), name, codec, bom
            except UnicodeDecodeError:
                raise InputError(
                    f"input file {where} starts with a {name.upper()} byte-order mark but does not decode as "
                    f"{name.upper()}",
                    "re-save it as UTF-8",
                ) from None
    try:
        return data.decode("utf-8"), "utf-8", "utf-8", b""
    except UnicodeDecodeError:
        _, encoding = decode_bytes_encoding(data, Path(where), what="input file", lang=lang)
        return data.decode(encoding), encoding, encoding, b""


def encode_document(text: str, codec: str, bom: bytes, what: str) -> bytes:
    """``text`` written back as :func:`decode_document` read it (its codec and byte-order mark), or as UTF-8 with a
    warning when the translation has a character that encoding cannot carry (``what``: the document, for the log)."""
    try:
        return bom + text.encode(codec)
    except UnicodeEncodeError:
        log.warning("%s does not fit %s: written as UTF-8", what, codec)
        return text.encode("utf-8")
