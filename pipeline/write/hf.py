"""Hugging Face ``datasets`` export: a dataset folder with Parquet data and a dataset card.

Layout of ``<base>.hf/`` (what ``datasets.load_dataset(folder)`` and the Hub read)::

    README.md                              dataset card: YAML metadata + how the data was made
    data/train-00000-of-00001.parquet      one row per aligned pair, one split (train)

Columns, in order:

* ``id`` (int64): the pair's id (its 0-based position, as in the JSONL).
* ``translation`` (struct of strings, keyed by language code, e.g. ``{"en": ..., "ko": ...}``): the
  ``datasets.Translation`` feature that WMT, OPUS-100, opus_books and the ``run_translation.py``
  examples of transformers use, so existing translation recipes read it unchanged
  (``example["translation"]["ko"]``). The struct's fields are sorted by language code, as
  ``datasets.Translation`` lays them out.
* ``src_idx``, ``tgt_idx`` (list of int64), ``score`` (float64), ``mt_score`` (float64, null when
  unknown), ``paragraph`` (int64, null when unknown), ``flags`` (list of string): as in the JSONL.

The ``datasets`` feature types are stored in the Parquet schema metadata (key ``huggingface``, with
``Sequence`` list types, which ``datasets`` 2.x to 5.x all read), so the ``translation`` column loads as a
``Translation`` feature; the signature is stored under the key ``pipeline``. Lone surrogates (which
Parquet strings cannot carry) are removed and reported with a warning on this module's logger.

The output is deterministic for a given pyarrow version: the same pairs, signature and creation date
give the same bytes.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import yaml

from pipeline.records import AlignedPair, Signature
from pipeline.write.output import OutputFormat, RenderContext, Rendered, resolve_creation_date

__all__ = ["CARD_FILE", "DATA_FILE", "LICENSE", "dataset_card", "features", "folder_name", "render", "to_parquet"]

logger = logging.getLogger(__name__)

DATA_FILE = "data/train-00000-of-00001.parquet"
CARD_FILE = "README.md"
LICENSE = "cc-by-4.0"

_SURROGATES = re.compile("[\ud800-\udfff]")
_LANG_NAMES = {"en": "English", "ko": "Korean", "uk": "Ukrainian", "ru": "Russian"}
_SIZES = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
]


def folder_name(base: str) -> str:
    """The dataset folder's name for ``base`` (``doc.en-ko`` -> ``doc.en-ko.hf``)."""
    return f"{base}.hf"


def _lang_name(code: str) -> str:
    return _LANG_NAMES.get(code.lower(), code)


def size_category(n: int) -> str:
    """The Hub's ``size_categories`` value for ``n`` rows."""
    for limit, name in _SIZES:
        if n < limit:
            return name
    return "n>1B"


def features(src_lang: str, tgt_lang: str) -> dict[str, Any]:
    """The ``datasets`` features, as ``datasets.Features.to_dict()`` writes them (``Sequence`` form)."""

    def seq(dtype: str) -> dict[str, Any]:
        return {"feature": {"dtype": dtype, "_type": "Value"}, "_type": "Sequence"}

    return {
        "id": {"dtype": "int64", "_type": "Value"},
        "translation": {"languages": sorted([src_lang, tgt_lang]), "_type": "Translation"},
        "src_idx": seq("int64"),
        "tgt_idx": seq("int64"),
        "score": {"dtype": "float64", "_type": "Value"},
        "mt_score": {"dtype": "float64", "_type": "Value"},
        "paragraph": {"dtype": "int64", "_type": "Value"},
        "flags": seq("string"),
    }


class _Cleaner:
    def __init__(self) -> None:
        self.removed = 0
        self.ids: list[int] = []

    def __call__(self, text: str, pair_id: int) -> str:
        clean, n = _SURROGATES.subn("", text)
        if n:
            self.removed += n
            if not self.ids or self.ids[-1] != pair_id:
                self.ids.append(pair_id)
        return clean


def to_parquet(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    doc_column: bool | None = None,
) -> bytes:
    """The Parquet file (bytes) holding one row per pair.

    ``doc_column`` adds a first column ``doc`` (the input record id of translate-corpus pairs); None = only
    when a pair has one.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    clean = _Cleaner()
    langs = sorted([src_lang, tgt_lang])
    translation = [
        {src_lang: clean(p.src, p.id), tgt_lang: clean(p.tgt, p.id)} for p in pairs
    ]  # keys per language; the struct type fixes the field order
    with_doc = any(p.doc is not None for p in pairs) if doc_column is None else doc_column
    feats = features(src_lang, tgt_lang)
    if with_doc:
        feats = {"doc": {"dtype": "string", "_type": "Value"}, **feats}
    schema = pa.schema(
        ([pa.field("doc", pa.string())] if with_doc else [])
        + [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("translation", pa.struct([pa.field(lang, pa.string()) for lang in langs])),
            pa.field("src_idx", pa.list_(pa.int64())),
            pa.field("tgt_idx", pa.list_(pa.int64())),
            pa.field("score", pa.float64()),
            pa.field("mt_score", pa.float64()),
            pa.field("paragraph", pa.int64()),
            pa.field("flags", pa.list_(pa.string())),
        ],
        metadata={
            "huggingface": json.dumps({"info": {"features": feats}}),
            "pipeline": json.dumps({"signature": signature.as_string()}, ensure_ascii=False),
        },
    )
    columns: dict[str, list[Any]] = {
        **({"doc": [p.doc for p in pairs]} if with_doc else {}),
        "id": [p.id for p in pairs],
        "translation": translation,
        "src_idx": [list(p.src_idx) for p in pairs],
        "tgt_idx": [list(p.tgt_idx) for p in pairs],
        "score": [p.score for p in pairs],
        "mt_score": [p.mt_score for p in pairs],
        "paragraph": [p.paragraph for p in pairs],
        "flags": [[clean(f, p.id) for f in p.flags] for p in pairs],
    }
    table = pa.Table.from_pydict(columns, schema=schema)
    if clean.removed:
        logger.warning(
            "HF dataset: removed %d unencodable character(s) (lone surrogates) in %d pair(s) (ids %s)",
            clean.removed,
            len(clean.ids),
            ", ".join(str(i) for i in clean.ids[:20]) + (" ..." if len(clean.ids) > 20 else ""),
        )
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    return buf.getvalue()


def _cell(text: str) -> str:
    """Text for a Markdown table cell: pipes escaped (GitHub/Hub tables split on them, even in code)."""
    return text.replace("|", "\\|").replace("\n", " ")


def _card_metadata(n: int, *, base: str, src_lang: str, tgt_lang: str) -> dict[str, Any]:
    def feature_yaml(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        if spec["_type"] == "Translation":
            return {"name": name, "dtype": {"translation": {"languages": spec["languages"]}}}
        if spec["_type"] == "Sequence":
            return {"name": name, "sequence": spec["feature"]["dtype"]}
        return {"name": name, "dtype": spec["dtype"]}

    return {
        "language": [src_lang, tgt_lang],
        "license": LICENSE,
        "multilinguality": ["translation"],
        "task_categories": ["translation"],
        "size_categories": [size_category(n)],
        "pretty_name": f"{base}: {_lang_name(src_lang)}-{_lang_name(tgt_lang)} machine translations (OPUS-MT)",
        "tags": ["machine-translated", "opus-mt", "marianmt", "parallel-corpus", "sentence-alignment"],
        "configs": [{"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}],
        "dataset_info": {"features": [feature_yaml(k, v) for k, v in features(src_lang, tgt_lang).items()]},
    }


def dataset_card(
    n: int,
    *,
    base: str,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> str:
    """The dataset card (``README.md``): Hub YAML metadata, then how the data was made and its licence."""
    meta = yaml.safe_dump(
        _card_metadata(n, base=base, src_lang=src_lang, tgt_lang=tgt_lang),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1000,
    )
    when = resolve_creation_date(creation_date)
    when = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    src_name, tgt_name = _lang_name(src_lang), _lang_name(tgt_lang)
    local = signature.model_revision == "local"
    extra = "".join(f"| {_cell(k)} | `{_cell(v)}` |\n" for k, v in signature.extra)
    lines = [
        f"---\n{meta}---\n",
        f"# {base}: {src_name}-{tgt_name} machine translations\n",
        f"{n} {src_name} segment(s) (`{src_lang}`), each with its machine translation into {tgt_name} "
        f"(`{tgt_lang}`), aligned; made by opus-align-pipeline {signature.package_version} on "
        f"{when.strftime('%Y-%m-%d %H:%M:%S')} UTC. **The target side is machine output, not human "
        "translation**: use it as such (e.g. as synthetic data or a draft for post-editing).\n",
    ]
    if local:
        lines.append(
            "## Warning: made with a local model\n\n"
            f"The model was loaded from a local folder (`{signature.model}`, revision `local`), not from a "
            "published OPUS-MT release, so it cannot be traced to published weights and the licence below is "
            "assumed, not verified. **If this is a test model with random weights (as in this project's test "
            "suite), the target side is not a translation at all**: do not use it for training, evaluation or "
            "anything a reader could take for real output.\n"
        )
    lines += [
        "## How it was made\n\n"
        "1. The English document was split into paragraphs and sentences by the rule-based segmenter; page "
        "furniture (comments, share links, ...) was dropped.\n"
        "2. Each sentence (or paragraph, see `unit`) was translated by a MarianMT model with beam search "
        "(deterministic: no sampling).\n"
        "3. Source and target sentences were aligned; `score` is the alignment score and `mt_score` the "
        "model's confidence.\n\n"
        f"Signature (the same in every output of the run):\n\n```text\n{signature.as_string()}\n```\n\n"
        "| | |\n|---|---|\n"
        f"| model | `{_cell(signature.model)}` |\n"
        f"| model revision | `{_cell(signature.model_revision)}` |\n"
        f"| backend | `{_cell(signature.backend)}` |\n"
        f"| decoding | `{_cell(signature.decoding)}` |\n"
        f"| segmenter | `{_cell(signature.segmenter)}` |\n"
        f"| aligner | `{_cell(signature.aligner)}` |\n"
        f"| pipeline version | `{_cell(signature.package_version)}` |\n"
        f"{extra}",
        "## Data fields\n\n"
        "| column | type | meaning |\n|---|---|---|\n"
        "| `id` | int64 | position of the pair (0-based), as in the JSONL output |\n"
        f"| `translation` | {{`{src_lang}`: string, `{tgt_lang}`: string}} | the source text and its translation "
        "(a `datasets.Translation` feature, as in WMT datasets) |\n"
        "| `src_idx`, `tgt_idx` | list of int64 | 0-based indices of the source sentences and target units in "
        "the pair |\n"
        "| `score` | float64 | alignment score in [0, 1] (1.0 for links made by construction) |\n"
        "| `mt_score` | float64 or null | model confidence: exp of the length-normalised log-probability |\n"
        "| `paragraph` | int64 or null | 0-based paragraph of the source document |\n"
        "| `flags` | list of string | quality-check flags (empty when none) |\n",
        "## Loading\n\n"
        "```python\n"
        "from datasets import load_dataset\n\n"
        f'ds = load_dataset("parquet", data_files="{folder_name(base)}/{DATA_FILE}", split="train")\n'
        f'ds[0]["translation"]["{tgt_lang}"]\n'
        "```\n\n"
        f'`load_dataset("path/to/{folder_name(base)}")` reads the same data through the `configs` above.\n',
        "## Licence\n\n"
        "The translations are the output of OPUS-MT models (Helsinki-NLP), which are released under "
        "CC-BY 4.0; this dataset is released under the same licence: "
        "[CC-BY 4.0](https://creativecommons.org/licenses/by/4.0/). Credit the OPUS-MT project "
        "(Tiedemann and Thottingal, 2020, *OPUS-MT - Building open translation services for the World*, "
        "EAMT) when you use it. The English source text keeps its authors' rights: check them before you "
        "redistribute the source side.\n",
    ]
    return "\n".join(lines)


def render(
    pairs: Sequence[AlignedPair],
    base: str,
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> dict[str, bytes]:
    """The dataset folder's files: relative path -> content."""
    card = dataset_card(
        len(pairs), base=base, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, creation_date=creation_date
    )
    return {
        CARD_FILE: card.encode("utf-8"),
        DATA_FILE: to_parquet(pairs, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang),
    }


def _dataset(pairs: Sequence[AlignedPair], base: str, ctx: RenderContext) -> list[Rendered]:
    return [Rendered(folder_name(base), files=render(pairs, base, **ctx.kwargs()))]


def _parquet(pairs: Sequence[AlignedPair], base: str, ctx: RenderContext) -> list[Rendered]:
    kw = ctx.kwargs()
    del kw["creation_date"]
    return [Rendered(f"{base}.parquet", data=to_parquet(pairs, doc_column=ctx.corpus, **kw))]


#: the ``hf`` output format: a dataset folder (registered in :data:`pipeline.write.config.FORMATS`)
FORMAT = OutputFormat("hf", _dataset, description="folder .hf/: a Hugging Face dataset, Parquet data + dataset card")
#: the ``parquet`` output format: the dataset's Parquet file alone (with a ``doc`` column in corpus shards)
PARQUET = OutputFormat(
    "parquet",
    _parquet,
    extension=".parquet",
    description=".parquet: the dataset's data file alone, with a doc column in corpus shards",
)
