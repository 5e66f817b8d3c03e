"""File input and output: strict text decoding and atomic writes. Only runners call these."""

from __future__ import annotations

import codecs
import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pipeline.errors import InputError, OutputError


def read_text(path: str | os.PathLike[str], *, what: str = "input file", given_by: str = "--input") -> str:
    """Read a UTF-8 text file (a UTF-8 BOM is dropped; CRLF/CR become LF).

    UTF-16/UTF-32 files with a BOM are decoded too. Anything else that is not UTF-8, binary data,
    a missing file or a file with no text raises :class:`InputError` with a one-line fix;
    ``given_by`` (the option or config key the path came from) is named in it.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{what} not found: {p} ({given_by})", f"check the path given to {given_by}")
    if p.is_dir():
        raise InputError(f"{what} is a directory, not a file: {p} ({given_by})", f"pass a text file to {given_by}")
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {what} {p}: {e.strerror}", "check its permissions") from None
    text = decode_bytes(raw, p, what=what)
    if not text.strip():
        raise InputError(f"{what} is empty: {p}", "give a file that contains text")
    return text


def decode_bytes(raw: bytes, path: Path, *, what: str = "input file") -> str:
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError:
                raise InputError(
                    f"{what} {path} starts with a {enc.upper()} byte-order mark but does not decode as {enc.upper()}",
                    "re-save it as UTF-8",
                ) from None
            break
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            kind = "binary data" if b"\x00" in raw[:4096] else "not UTF-8 text"
            raise InputError(
                f"{what} {path} is {kind} (undecodable byte at offset {e.start})",
                "convert it to UTF-8, e.g. `iconv -f latin1 -t utf-8`",
            ) from None
    if "\x00" in text[:4096] and text.count("\x00") > len(text) // 10:
        raise InputError(f"{what} {path} looks like binary data (many NUL characters)", "give a UTF-8 text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
