"""Writers: aligned pairs -> TMX 1.4b, JSON Lines or TSV.

Use :func:`render_pairs` for a string (e.g. stdout) and :func:`write_pairs` for a file, which is
written atomically (:func:`pipeline.io.atomic_write`: a temporary file beside the target is renamed
into place only when everything was written). Every format gives the same bytes for the same input
(TMX also needs a fixed ``creation_date`` or ``SOURCE_DATE_EPOCH``).

Text that a format cannot carry is changed and reported with a warning on the format module's logger
(``pipeline.write.tmx`` / ``pipeline.write.tsv``); :func:`xml_safe` is public so callers can count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pipeline.errors import ConfigError
from pipeline.io import atomic_write
from pipeline.records import AlignedPair, Signature
from pipeline.write import jsonl, tmx, tsv
from pipeline.write.jsonl import read_jsonl
from pipeline.write.tmx import xml_safe

__all__ = [
    "FILE_EXTENSIONS",
    "WRITERS",
    "WriterFactory",
    "read_jsonl",
    "render_pairs",
    "write_pairs",
    "xml_safe",
]


class WriterFactory(Protocol):
    """A format's renderer: pairs -> the whole output document as a string."""

    def __call__(
        self,
        pairs: Sequence[AlignedPair],
        *,
        signature: Signature,
        src_lang: str,
        tgt_lang: str,
        creation_date: datetime | None = None,
    ) -> str: ...


WRITERS: dict[str, WriterFactory] = {"tmx": tmx.render, "jsonl": jsonl.render, "tsv": tsv.render}
FILE_EXTENSIONS: dict[str, str] = {"tmx": ".tmx", "jsonl": ".jsonl", "tsv": ".tsv"}

# BCP-47-shaped: letters, then hyphen-separated alphanumeric subtags of 1-8 characters.
_LANG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def _writer(fmt: str) -> WriterFactory:
    try:
        return WRITERS[fmt]
    except KeyError:
        raise ConfigError(f"unknown output format {fmt!r}", f"use one of: {', '.join(sorted(WRITERS))}") from None


def _check(pairs: Sequence[AlignedPair], src_lang: str, tgt_lang: str) -> None:
    for name, lang in (("source", src_lang), ("target", tgt_lang)):
        if not _LANG.fullmatch(lang):
            raise ConfigError(f"{name} language {lang!r} is not a BCP-47 code", "use a code like en, ko, uk, ru")
    for p in pairs:
        if (p.src_lang, p.tgt_lang) != (src_lang, tgt_lang):
            raise ValueError(f"pair {p.id} is {p.src_lang}->{p.tgt_lang}, but this output is {src_lang}->{tgt_lang}")


def render_pairs(
    fmt: str,
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> str:
    """The output document for ``pairs`` in format ``fmt`` as a string.

    Raises :class:`ConfigError` for an unknown format or a malformed language code, and
    :class:`ValueError` if a pair's languages differ from ``src_lang``/``tgt_lang`` (one file per
    language pair).
    """
    writer = _writer(fmt)
    _check(pairs, src_lang, tgt_lang)
    return writer(pairs, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, creation_date=creation_date)


def write_pairs(
    fmt: str,
    pairs: Sequence[AlignedPair],
    path: Path,
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> Path:
    """Write :func:`render_pairs` output to ``path`` atomically (UTF-8, LF) and return ``path``.

    Nothing is created or replaced if rendering fails; OS errors while writing raise
    :class:`pipeline.errors.OutputError` and leave no partial or temporary file.
    """
    text = render_pairs(
        fmt, pairs, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, creation_date=creation_date
    )
    path = Path(path)
    with atomic_write(path) as f:
        f.write(text)
    return path
