"""Typed, JSON-serialisable records passed between stages.

Indices are 0-based. Character offsets are into the original document text (after decoding,
before any normalisation), ``end`` exclusive, so ``text[start:end]`` gives the sentence back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.errors import InputError


@dataclass(frozen=True)
class Sentence:
    idx: int
    text: str
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True)
class Dropped:
    """A piece of the input left out of the output on purpose, with the reason (reported)."""

    text: str
    start: int
    end: int
    paragraph: int
    reason: str


@dataclass(frozen=True)
class InlineCode:
    """One inline code of a block: markup inside the text (bold, a link, a line break, an image, ...).

    ``start``/``end`` are offsets into the block's text (the code encloses ``text[start:end]``); an isolated code
    (a line break, an image) has ``start == end``. ``opening`` and ``closing`` are the markup exactly as the
    input wrote it (``<a href="x">`` and ``</a>``; an isolated code is all ``opening``), so writing it back
    changes nothing of it. ``id`` is stable in the document (1, 2, ... in reading order).
    """

    id: int
    kind: str  # bold, italic, underline, link, code, span, br, image, other, ...
    start: int
    end: int
    opening: str
    closing: str = ""
    isolated: bool = False
    by_rule: bool = False  # in a translation: the model lost it and it was put back by rule (tag_mismatch)

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"inline code {self.id}: bad span {self.start}:{self.end}")
        if self.isolated and self.start != self.end:
            raise ValueError(f"inline code {self.id}: an isolated code encloses no text")

    def moved(self, start: int, end: int, *, by_rule: bool = False) -> InlineCode:
        """The same code around another span (of the translated text)."""
        return InlineCode(self.id, self.kind, start, end, self.opening, self.closing, self.isolated, by_rule)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        if not self.by_rule:
            del d["by_rule"]
        return d


#: a sentence's text in a written document (its translation, or its reviewed target) and its inline codes
SentenceTarget = tuple[str, tuple[InlineCode, ...]]


@dataclass(frozen=True)
class Segmentation:
    sentences: tuple[Sentence, ...]
    dropped: tuple[Dropped, ...] = ()


@dataclass(frozen=True)
class Translation:
    """The target text produced for one source unit (a sentence or a paragraph)."""

    src_idx: tuple[int, ...]
    text: str
    score: float | None = None  # model confidence: exp(length-normalised log-prob), if known


@dataclass(frozen=True)
class Link:
    """An alignment bead: source sentence indices to target sentence indices, monotone."""

    src_idx: tuple[int, ...]
    tgt_idx: tuple[int, ...]
    score: float


@dataclass(frozen=True)
class Alternative:
    """Another translation of a pair's source, for the translator to pick: one of the model's n-best
    (``translate.alternatives``), or the first output of a unit the repair ladder repaired."""

    text: str
    score: float | None  # the model's confidence (exp of mean token log-prob), if known
    origin: str  # "n-best" (rank 2, 3, ... of the model's hypotheses) or "first-output" (before the repair)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "score": self.score, "origin": self.origin}


#: what :attr:`AlignedPair.repaired` says: the step of the repair ladder whose candidate replaced the first output
REPAIR_STEPS = ("no-repeat", "n-best", "split")


#: flags of a pair whose sentence has no counterpart: a source sentence without a translation (1-0 link),
#: a target sentence without a source (0-1 link)
NO_TARGET = "no_target"
NO_SOURCE = "no_source"


@dataclass(frozen=True)
class AlignedPair:
    """One aligned segment pair, as written by the writers."""

    id: int
    src_lang: str
    tgt_lang: str
    src: str
    tgt: str
    src_idx: tuple[int, ...]
    tgt_idx: tuple[int, ...]
    score: float
    mt_score: float | None = None
    paragraph: int | None = None
    flags: tuple[str, ...] = ()
    doc: str | None = None  # translate-corpus: the id of the input record the pair comes from (``id`` counts in it)
    # documents with markup: the inline codes of ``src`` and of ``tgt``, at offsets of those texts
    src_codes: tuple[InlineCode, ...] = ()
    tgt_codes: tuple[InlineCode, ...] = ()
    repaired: str | None = None  # the repair ladder's step that gave ``tgt`` (REPAIR_STEPS), None: the first output
    alternatives: tuple[Alternative, ...] = ()  # other translations of ``src``, best first

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["src_idx"] = list(self.src_idx)
        d["tgt_idx"] = list(self.tgt_idx)
        d["flags"] = list(self.flags)
        for side in ("src_codes", "tgt_codes"):  # only for a document with markup: plain-text records are unchanged
            codes = getattr(self, side)
            if codes:
                d[side] = [c.to_json() for c in codes]
            else:
                del d[side]
        # only when set: the records of a run the ladder had nothing to do in are unchanged
        if self.repaired is None:
            del d["repaired"]
        if self.alternatives:
            d["alternatives"] = [a.to_json() for a in self.alternatives]
        else:
            del d["alternatives"]
        doc = d.pop("doc")
        return d if doc is None else {"doc": doc, **d}


@dataclass(frozen=True)
class TranslatorInfo:
    """What an output's signature needs from the translator that made it (picklable: corpus workers send it)."""

    name: str  # backend with version, e.g. "transformers-5.2"
    model_id: str
    model_revision: str
    device: str
    prefix: str | None = None  # the target-language token prepended to sources, if any

    @classmethod
    def of(cls, translator: Any) -> TranslatorInfo:
        return cls(
            translator.name,
            translator.model_id,
            translator.model_revision,
            translator.device,
            translator.prefix,
        )


@dataclass(frozen=True)
class Signature:
    """How an output was made, so a result can be reproduced (sacrebleu style)."""

    package_version: str
    segmenter: str
    model: str
    model_revision: str
    backend: str
    aligner: str
    decoding: str
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def as_string(self) -> str:
        parts = [
            f"pipeline:{self.package_version}",
            f"seg:{self.segmenter}",
            f"model:{self.model}@{self.model_revision}",
            f"backend:{self.backend}",
            f"dec:{self.decoding}",
            f"align:{self.aligner}",
        ]
        parts += [f"{k}:{v}" for k, v in self.extra]
        return "|".join(parts)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["extra"] = dict(self.extra)
        d["string"] = self.as_string()
        return d


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


def run_hash(pairs: Sequence[AlignedPair], signature: str) -> str:
    """A short hash naming one run's pairs (ids, texts, indices) and signature; flags and scores are left out."""
    body = [signature, [[p.id, p.src, p.tgt, list(p.src_idx), list(p.tgt_idx)] for p in pairs]]
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:20]
