"""Writers: aligned pairs -> TMX 1.4b, JSON Lines, TSV, Moses plain text, a Hugging Face dataset.

Use :func:`write_outputs` to write every configured format of one run into a folder with one call.
The single-document formats (``WRITERS``: tmx, jsonl, tsv) also have :func:`render_pairs` for a
string (e.g. stdout) and :func:`write_pairs` for one file. Files are written atomically
(:func:`pipeline.io.atomic_write`: a temporary file beside the target is renamed into place only
when everything was written; a folder output is written as a temporary folder and renamed). Every
format gives the same bytes for the same input (TMX and the dataset card also need a fixed
``creation_date`` or ``SOURCE_DATE_EPOCH``).

Formats (:data:`OUTPUT_FORMATS`) and what :func:`write_outputs` writes for a ``base`` name:

* ``tmx``: ``<base>.tmx`` (:mod:`pipeline.write.tmx`)
* ``jsonl``: ``<base>.jsonl``, records valid against :func:`pair_schema` (:mod:`pipeline.write.jsonl`)
* ``tsv``: ``<base>.tsv`` (:mod:`pipeline.write.tsv`)
* ``moses``: ``<base>.<src_lang>`` and ``<base>.<tgt_lang>``, line-aligned (:mod:`pipeline.write.moses`)
* ``hf``: the folder ``<base>.hf/`` with Parquet data and a dataset card (:mod:`pipeline.write.hf`)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pipeline.errors import ConfigError
from pipeline.io import atomic_write
from pipeline.langs import lang_tag
from pipeline.records import AlignedPair, Signature
from pipeline.write import hf, jsonl, moses, tmx, tsv
from pipeline.write.jsonl import pair_schema, read_jsonl
from pipeline.write.output import Rendered, commit_all
from pipeline.write.tmx import resolve_creation_date, xml_safe

__all__ = [
    "FILE_EXTENSIONS",
    "OUTPUT_FORMATS",
    "WRITERS",
    "FormatWriter",
    "Rendered",
    "WriterFactory",
    "commit_all",
    "pair_schema",
    "read_jsonl",
    "render_outputs",
    "render_pairs",
    "write_outputs",
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


def _writer(fmt: str) -> WriterFactory:
    try:
        return WRITERS[fmt]
    except KeyError:
        raise ConfigError(f"unknown output format {fmt!r}", f"use one of: {', '.join(sorted(WRITERS))}") from None


def _check(pairs: Sequence[AlignedPair], src_lang: str, tgt_lang: str) -> None:
    for name, lang in (("source", src_lang), ("target", tgt_lang)):
        lang_tag(lang, f"{name} language")
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


# --------------------------------------------------------------------------- all formats of a run


class FormatWriter(Protocol):
    """A format: pairs -> the outputs it makes (files or folders named from ``base``), rendered in memory."""

    def __call__(
        self,
        pairs: Sequence[AlignedPair],
        base: str,
        *,
        signature: Signature,
        src_lang: str,
        tgt_lang: str,
        creation_date: datetime | None = None,
    ) -> list[Rendered]: ...


def _document(fmt: str) -> FormatWriter:
    """A single-document format from ``WRITERS`` (looked up at call time) as a :class:`FormatWriter`."""

    def render(pairs: Sequence[AlignedPair], base: str, **kw: Any) -> list[Rendered]:
        return [Rendered(f"{base}{FILE_EXTENSIONS[fmt]}", data=WRITERS[fmt](pairs, **kw).encode("utf-8"))]

    return render


def _moses(pairs: Sequence[AlignedPair], base: str, **kw: Any) -> list[Rendered]:
    src_name, tgt_name = moses.file_names(base, kw["src_lang"], kw["tgt_lang"])
    src_text, tgt_text = moses.render(pairs, **kw)
    return [Rendered(src_name, data=src_text.encode("utf-8")), Rendered(tgt_name, data=tgt_text.encode("utf-8"))]


def _hf(pairs: Sequence[AlignedPair], base: str, **kw: Any) -> list[Rendered]:
    return [Rendered(hf.folder_name(base), files=hf.render(pairs, base, **kw))]


OUTPUT_FORMATS: dict[str, FormatWriter] = {
    "tmx": _document("tmx"),
    "jsonl": _document("jsonl"),
    "tsv": _document("tsv"),
    "moses": _moses,
    "hf": _hf,
}


def render_outputs(
    formats: Sequence[str],
    pairs: Sequence[AlignedPair],
    base: str,
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> list[Rendered]:
    """Render every format in ``formats`` (duplicates ignored, order kept) in memory; nothing is written.

    Raises :class:`ConfigError` for an unknown format (before rendering any) or a malformed language
    code, and :class:`ValueError` if a pair's languages differ from ``src_lang``/``tgt_lang``. All
    formats share one creation date (``creation_date``, else ``SOURCE_DATE_EPOCH``, else now).
    """
    names = list(dict.fromkeys(formats))
    for fmt in names:
        if fmt not in OUTPUT_FORMATS:
            raise ConfigError(f"unknown output format {fmt!r}", f"use some of: {', '.join(OUTPUT_FORMATS)}")
    if not names:
        raise ConfigError("no output format given", f"use some of: {', '.join(OUTPUT_FORMATS)}")
    _check(pairs, src_lang, tgt_lang)
    when = resolve_creation_date(creation_date)
    rendered: list[Rendered] = []
    for fmt in names:
        rendered += OUTPUT_FORMATS[fmt](
            pairs, base, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, creation_date=when
        )
    return rendered


def write_outputs(
    formats: Sequence[str],
    pairs: Sequence[AlignedPair],
    folder: Path,
    base: str,
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> list[Path]:
    """Write every format in ``formats`` for ``pairs`` into ``folder``, named from ``base``; return the paths.

    ``base`` is the name without extension, e.g. ``doc.en-ko`` -> ``doc.en-ko.tmx``, ``doc.en-ko.en`` +
    ``doc.en-ko.ko`` (moses), ``doc.en-ko.hf/`` (hf). Everything is rendered in memory first, so an
    error in any format (see :func:`render_outputs`) writes nothing; then all outputs are written as one
    unit (:func:`pipeline.write.output.commit_all`): an OS error (a full disk) raises
    :class:`pipeline.errors.OutputError` and leaves none of them, nor a temporary file.
    """
    rendered = render_outputs(
        formats, pairs, base, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, creation_date=creation_date
    )
    return commit_all(rendered, Path(folder))
