"""Writers: aligned pairs -> TMX 1.4b, JSON Lines, TSV, Moses, a Hugging Face dataset, Parquet, XLIFF 1.2.

Every format is an :class:`OutputFormat` registered by name in :data:`FORMATS`
(``pipeline/write/config.py``): a module with a ``FORMAT`` and one registry line make a new format, which
``output.formats`` (``translate``) and ``corpus.formats`` (``translate-corpus``) can then name.

Use :func:`write_outputs` to write every configured format of one run into a folder with one call;
:func:`render_pairs` gives a one-document format (tmx, jsonl, tsv) as a string (e.g. for stdout) and
:func:`write_pairs` writes it to one file. Files are written atomically (:func:`pipeline.io.atomic_write`,
:func:`commit_all`). Every format gives the same bytes for the same input (TMX and the dataset card also
need a fixed ``creation_date`` or ``SOURCE_DATE_EPOCH``).

What :func:`write_outputs` writes for a ``base`` name:

* ``tmx``: ``<base>.tmx`` (:mod:`pipeline.write.tmx`)
* ``jsonl``: ``<base>.jsonl``, records valid against :func:`pair_schema` (:mod:`pipeline.write.jsonl`)
* ``tsv``: ``<base>.tsv`` (:mod:`pipeline.write.tsv`)
* ``moses``: ``<base>.<src_lang>`` and ``<base>.<tgt_lang>``, line-aligned (:mod:`pipeline.write.moses`)
* ``hf``: the folder ``<base>.hf/`` with Parquet data and a dataset card (:mod:`pipeline.write.hf`)
* ``parquet``: ``<base>.parquet``, the dataset's data file alone (:mod:`pipeline.write.hf`)
* ``xliff``: ``<base>.xlf``, XLIFF 1.2 to post-edit in a CAT tool, one ``<file>`` per document, the QA flags
  and their details as notes (:mod:`pipeline.write.xliff`)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.io import atomic_write
from pipeline.langs import lang_tag
from pipeline.records import AlignedPair, Signature
from pipeline.write.config import FORMATS, OutputConfig
from pipeline.write.jsonl import pair_schema, read_jsonl
from pipeline.write.output import (
    OutputFormat,
    QADetails,
    RenderContext,
    Rendered,
    commit_all,
    pair_key,
    resolve_creation_date,
)
from pipeline.write.tmx import xml_safe

__all__ = [
    "FORMATS",
    "OutputConfig",
    "OutputFormat",
    "RenderContext",
    "Rendered",
    "commit_all",
    "pair_key",
    "pair_schema",
    "read_jsonl",
    "render_outputs",
    "render_pairs",
    "write_outputs",
    "write_pairs",
    "xml_safe",
]


def check_tag(lang: str, what: str) -> None:
    lang_tag(lang, what)


def render_context(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
    corpus: bool = False,
    qa_details: QADetails | None = None,
    datatype: str = "plaintext",
    document: Mapping[str, str] | None = None,
) -> RenderContext:
    """The context of one output; :class:`ConfigError` for a malformed language code, :class:`ValueError`
    if a pair's languages differ from ``src_lang``/``tgt_lang`` (one output per language pair)."""
    check_tag(src_lang, "source language")
    check_tag(tgt_lang, "target language")
    for p in pairs:
        if (p.src_lang, p.tgt_lang) != (src_lang, tgt_lang):
            raise ValueError(f"pair {p.id} is {p.src_lang}->{p.tgt_lang}, but this output is {src_lang}->{tgt_lang}")
    return RenderContext(
        signature,
        src_lang,
        tgt_lang,
        resolve_creation_date(creation_date),
        corpus,
        qa_details,
        datatype,
        dict(document) if document else None,
    )


def render_pairs(
    fmt: str,
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> str:
    """The output document for ``pairs`` in the one-document format ``fmt`` as a string.

    Raises :class:`ConfigError` for an unknown format, one that is not a single document, or a malformed
    language code, and :class:`ValueError` if a pair's languages differ from ``src_lang``/``tgt_lang``.
    """
    form = FORMATS.load(fmt)
    if form.text is None:
        documents = [n for n in FORMATS.names() if FORMATS.load(n).text is not None]
        raise ConfigError(f"output format {fmt!r} is not one text document", f"use one of: {', '.join(documents)}")
    ctx = render_context(pairs, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, creation_date=creation_date)
    return form.text(pairs, ctx)


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


def render_outputs(
    formats: Sequence[str],
    pairs: Sequence[AlignedPair],
    base: str,
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
    corpus: bool = False,
    qa_details: Mapping[Any, Mapping[str, str]] | None = None,
    datatype: str = "plaintext",
    document: Mapping[str, str] | None = None,
) -> list[Rendered]:
    """Render every format in ``formats`` (duplicates ignored, order kept) in memory; nothing is written.

    Raises :class:`ConfigError` for an unknown format (before rendering any) or a malformed language
    code, and :class:`ValueError` if a pair's languages differ from ``src_lang``/``tgt_lang``. All
    formats share one creation date (``creation_date``, else ``SOURCE_DATE_EPOCH``, else now).
    ``qa_details``: what the checks said about flagged pairs (pair id, or ``<doc>#<id>`` -> flag -> detail, as
    :class:`pipeline.qa.QASummary` has them), for the formats that show it (XLIFF notes). ``datatype``: what the
    source document is (``plaintext``; ``html``, ``x-markdown`` for a document with markup), for the formats
    that say it (XLIFF ``<file datatype>``, the TMX header). ``document``: what the source document declares
    (title, author, date, url), on each JSONL record.
    """
    names = list(dict.fromkeys(formats))
    if not names:
        raise ConfigError("no output format given", f"use some of: {', '.join(FORMATS.names())}")
    chosen = [FORMATS.load(fmt) for fmt in names]
    details = {str(k): v for k, v in qa_details.items()} if qa_details else None
    ctx = render_context(
        pairs,
        signature=signature,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        creation_date=creation_date,
        corpus=corpus,
        qa_details=details,
        datatype=datatype,
        document=document,
    )
    rendered: list[Rendered] = []
    for form in chosen:
        rendered += form.files(pairs, base, ctx)
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
