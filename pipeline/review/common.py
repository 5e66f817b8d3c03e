"""Shared by the review page and ``apply-review``: run identity, sentence cuts, the signature string."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from pipeline.errors import ConfigError, InputError
from pipeline.records import AlignedPair, Signature
from pipeline.segment import get_segmenter

#: Version tag of the review page data and of the decisions file it exports.
DECISIONS_FORMAT = "pipeline-review/1"


def run_hash(pairs: Sequence[AlignedPair], signature: str) -> str:
    """A short hash naming one run's pairs (ids, texts, indices) and signature; flags and scores are left out."""
    body = [signature, [[p.id, p.src, p.tgt, list(p.src_idx), list(p.tgt_idx)] for p in pairs]]
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:20]


def sentence_spans(text: str, lang: str, n: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (code point offsets) by the rule segmenter for ``lang``.

    With ``n`` (the bead's number of sentence indices) and a segmentation into a different number of
    sentences, the text is cut proportionally into ``n`` equal spans instead, so every index gets a span.
    """

    try:
        spans = get_segmenter(lang).spans(text) if text.strip() else []
    except ConfigError:
        spans = []
    if n is not None and n > 1 and len(spans) != n:
        size = len(text) / n
        return [(round(k * size), round((k + 1) * size)) for k in range(n)]
    return spans or [(0, len(text))]


def sentence_cuts(text: str, lang: str) -> list[int]:
    """Offsets where the 2nd, 3rd, ... sentence of ``text`` starts (what "split into sentences" cuts at)."""
    return [s for s, _ in sentence_spans(text, lang)[1:]]


def parse_signature(s: str) -> Signature:
    """The :class:`Signature` whose ``as_string()`` is ``s`` (as written in every JSONL record)."""
    keys = ("pipeline", "seg", "model", "backend", "dec", "align")
    parts = s.split("|")
    fields: dict[str, str] = {}
    for part in parts[: len(keys)]:
        k, sep, v = part.partition(":")
        if not sep:
            break
        fields[k] = v
    if tuple(fields) != keys or "@" not in fields["model"]:
        raise InputError(
            f"signature {s[:80]!r} is not of the form pipeline:...|seg:...|model:ID@REV|backend:...|dec:...|align:...",
            "give a JSONL file written by the pipeline",
        )
    model, _, revision = fields["model"].rpartition("@")
    extra = tuple((k, v) for k, _, v in (p.partition(":") for p in parts[len(keys) :]))
    return Signature(
        package_version=fields["pipeline"],
        segmenter=fields["seg"],
        model=model,
        model_revision=revision,
        backend=fields["backend"],
        aligner=fields["align"],
        decoding=fields["dec"],
        extra=extra,
    )
