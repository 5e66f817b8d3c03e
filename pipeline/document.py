"""The document core: a segmented document and the translator's outputs -> linked, QA-checked pairs.

Pure: no file I/O and no model loading of its own; ``translate``, ``align`` and both ``translate-corpus``
engines call it, through the wiring of :mod:`pipeline.components`. One document goes through it in three steps:

>>> linker = Components.build(cfg).linker    # pipeline.components: from the configuration  # doctest: +SKIP
>>> units = plan_units(seg, linker, count_tokens=None)       # what the model is given
>>> outputs = translator.translate([u.text for u in units])  # the runner's job (batched over documents)
>>> doc = link_document(seg, units, outputs, linker, qa=QAConfig())              # doctest: +SKIP

The translation unit (``translate.unit``):

``sentence``: each source sentence is translated alone; link i is (i)->(i) by construction. With an aligner
(``check_links``) the document is re-aligned independently and each link takes the aligner's score for that
same 1-1 bead (0.0 where the aligner disagrees), so a bad translation shows up as a low score.

``paragraph``: the sentences of a paragraph are translated together (chunked under the model's token
limit), each output is segmented with the target-language segmenter, and the aligner links source and
target sentences inside each chunk; the links carry the aligner's scores.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pipeline import __version__
from pipeline.align import Aligner
from pipeline.glossary.model import Glossary
from pipeline.qa import QAConfig, QASummary, run_qa
from pipeline.read.config import ReadConfig
from pipeline.records import (
    NO_SOURCE,
    NO_TARGET,
    AlignedPair,
    InlineCode,
    Link,
    Segmentation,
    Sentence,
    Signature,
    TranslatorInfo,
)
from pipeline.translate import Output

__all__ = [
    "BY_CONSTRUCTION",
    "NO_SOURCE",
    "NO_TARGET",
    "DocumentPairs",
    "Linked",
    "Linker",
    "Unit",
    "chunk_paragraphs",
    "link_document",
    "link_outputs",
    "one_line",
    "plan_units",
    "run_signature",
    "to_pairs",
]

log = logging.getLogger(__name__)

BY_CONSTRUCTION = "by-construction.v1"

Unit_ = Literal["sentence", "paragraph"]
CountTokens = Callable[[Sequence[str]], list[int]]
#: a sentence's inline codes and those of its translation (documents with markup)
SentenceCodes = tuple[tuple[InlineCode, ...], tuple[InlineCode, ...]]


class SegmenterLike(Protocol):
    def spans(self, text: str) -> list[tuple[int, int]]: ...


def one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Unit:
    """What the model is given once: one sentence, or the consecutive sentences of one paragraph."""

    src_idx: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Linker:
    """How translations are linked to their source sentences (``translate.unit`` and ``check_links``)."""

    unit: Unit_
    src_lang: str
    tgt_lang: str
    aligner: Aligner | None = None  # paragraph: links target sentences; sentence: checks the links, or None
    tgt_segmenter: SegmenterLike | None = None  # paragraph: splits each output into sentences
    max_tokens: int = 0  # paragraph: source tokens per unit

    @property
    def name(self) -> str:
        """The versioned name of the links, for the output signature."""
        if self.unit == "paragraph":
            assert self.aligner is not None
            return self.aligner.name
        if self.aligner is None:
            return BY_CONSTRUCTION
        return f"{BY_CONSTRUCTION}+checked:{self.aligner.name}"


# --------------------------------------------------------------------------- plan


def chunk_paragraphs(sents: Sequence[Sentence], count_tokens: CountTokens | None, limit: int) -> list[list[Sentence]]:
    """Consecutive sentences of one paragraph, as many per chunk as fit in ``limit`` tokens."""
    lengths = count_tokens([one_line(s.text) for s in sents]) if count_tokens else [0] * len(sents)
    chunks: list[list[Sentence]] = []
    used = 0
    for s, n in zip(sents, lengths, strict=True):
        if chunks and chunks[-1][-1].paragraph == s.paragraph and used + n <= limit:
            chunks[-1].append(s)
            used += n
        else:
            chunks.append([s])
            used = n
    return chunks


def plan_units(seg: Segmentation, linker: Linker, count_tokens: CountTokens | None) -> list[Unit]:
    """The units to translate for one document (``count_tokens``: the model's tokenizer, for paragraphs)."""
    if linker.unit == "sentence":
        return [Unit((s.idx,), one_line(s.text)) for s in seg.sentences]
    return [
        Unit(tuple(s.idx for s in chunk), " ".join(one_line(s.text) for s in chunk))
        for chunk in chunk_paragraphs(seg.sentences, count_tokens, linker.max_tokens)
    ]


# --------------------------------------------------------------------------- link


@dataclass(frozen=True)
class Linked:
    """Target units and the links from source sentences to them."""

    tgt: list[str]
    mt_scores: list[float | None]  # the model's confidence for the output each target unit came from
    links: list[Link]
    failed: dict[int, str] = field(default_factory=dict)  # source sentence index -> why it has no translation


def link_outputs(seg: Segmentation, units: Sequence[Unit], outputs: Sequence[Output], linker: Linker) -> Linked:
    """Link the source sentences of ``seg`` to the translations of its ``units``."""
    if len(outputs) != len(units):
        raise RuntimeError(f"translator returned {len(outputs)} outputs for {len(units)} inputs")
    if linker.unit == "sentence":
        return _sentence_links(seg, outputs, linker)
    return _paragraph_links(seg, units, outputs, linker)


def _sentence_links(seg: Segmentation, outputs: Sequence[Output], linker: Linker) -> Linked:
    sents = seg.sentences
    tgt = [o.text for o in outputs]
    failed = {i: o.error for i, o in enumerate(outputs) if o.error is not None}
    links = [Link((i,), (i,), 1.0) for i in range(len(sents))]
    aligner = linker.aligner
    if aligner is not None:
        src = [one_line(s.text) for s in sents]
        checked = aligner.align(src, tgt, src_lang=linker.src_lang, tgt_lang=linker.tgt_lang)
        agree = {(lk.src_idx, lk.tgt_idx): lk.score for lk in checked}
        links = [Link(lk.src_idx, lk.tgt_idx, agree.get((lk.src_idx, lk.tgt_idx), 0.0)) for lk in links]
        disagree = sum(1 for lk in links if (lk.src_idx, lk.tgt_idx) not in agree)
        if disagree:
            log.info("aligner check: %d of %d sentence links not confirmed by %s", disagree, len(links), aligner.name)
    return Linked(tgt, [o.score for o in outputs], links, failed)


def _paragraph_links(seg: Segmentation, units: Sequence[Unit], outputs: Sequence[Output], linker: Linker) -> Linked:
    assert linker.aligner is not None and linker.tgt_segmenter is not None
    tgt: list[str] = []
    mt: list[float | None] = []
    links: list[Link] = []
    failed: dict[int, str] = {}
    for unit, out in zip(units, outputs, strict=True):
        if out.error is not None:
            failed.update({i: out.error for i in unit.src_idx})
        pieces = [one_line(out.text[a:b]) for a, b in linker.tgt_segmenter.spans(out.text)]
        pieces = [p for p in pieces if p]
        src = [one_line(seg.sentences[i].text) for i in unit.src_idx]
        local = linker.aligner.align(src, pieces, src_lang=linker.src_lang, tgt_lang=linker.tgt_lang)
        base_src, base_tgt = unit.src_idx[0], len(tgt)
        for lk in local:
            links.append(
                Link(tuple(base_src + i for i in lk.src_idx), tuple(base_tgt + j for j in lk.tgt_idx), lk.score)
            )
        tgt += pieces
        mt += [out.score] * len(pieces)
    return Linked(tgt, mt, links, failed)


# --------------------------------------------------------------------------- pairs


def to_pairs(
    sentences: Sequence[Sentence],
    tgt: Sequence[str],
    links: Sequence[Link],
    *,
    src_lang: str,
    tgt_lang: str,
    mt_scores: Sequence[float | None] | None = None,
    failed: Sequence[int] | dict[int, str] = (),
    doc: str | None = None,
    codes: Sequence[SentenceCodes] | None = None,
) -> list[AlignedPair]:
    """One pair per link; a 0-1 link takes the paragraph of the pair before it.

    Flags: ``translation_failed`` where a source sentence has no translation (``failed``); else, where the
    aligner found no counterpart, ``no_target`` (a source sentence without a translation: a 1-0 link) or
    ``no_source`` (a target sentence without a source, e.g. one the translator added: a 0-1 link).
    ``codes``: a document with markup, per source sentence its inline codes and those of its translation (target
    sentence i is sentence i's translation: sentence units), put on the 1-1 pair of that sentence.
    """
    pairs: list[AlignedPair] = []
    for n, link in enumerate(links):
        mt = [s for j in link.tgt_idx if (s := mt_scores[j]) is not None] if mt_scores is not None else []
        flags: tuple[str, ...] = ()
        if any(i in failed for i in link.src_idx):
            flags = ("translation_failed",)
        elif not link.tgt_idx:
            flags = (NO_TARGET,)
        elif not link.src_idx:
            flags = (NO_SOURCE,)
        one_one = len(link.src_idx) == 1 and link.src_idx == link.tgt_idx
        src_codes, tgt_codes = codes[link.src_idx[0]] if codes and one_one else ((), ())
        pairs.append(
            AlignedPair(
                id=n,
                src_lang=src_lang,
                tgt_lang=tgt_lang,
                src=" ".join(one_line(sentences[i].text) for i in link.src_idx),
                tgt=" ".join(tgt[j] for j in link.tgt_idx),
                src_idx=link.src_idx,
                tgt_idx=link.tgt_idx,
                score=round(link.score, 4),
                mt_score=round(min(mt), 4) if mt else None,
                paragraph=_paragraph_of(link, sentences, pairs),
                flags=flags,
                doc=doc,
                src_codes=src_codes,
                tgt_codes=tgt_codes,
            )
        )
    return pairs


def _paragraph_of(link: Link, sents: Sequence[Sentence], done: list[AlignedPair]) -> int | None:
    if link.src_idx:
        return sents[link.src_idx[0]].paragraph
    return done[-1].paragraph if done else (sents[0].paragraph if sents else None)  # 0-1 bead: previous one's


@dataclass(frozen=True)
class DocumentPairs:
    """One document's pairs, how they were linked, and what the quality checks found (None: not run)."""

    pairs: list[AlignedPair]
    linked: Linked
    qa: QASummary | None
    # embedder_load (first use in this process), link (check_links / the aligner, without the load), qa
    seconds: dict[str, float] = field(default_factory=dict)


def link_document(
    seg: Segmentation,
    units: Sequence[Unit],
    outputs: Sequence[Output],
    linker: Linker,
    *,
    qa: QAConfig | None,
    doc: str | None = None,
    glossary: Glossary | None = None,
    codes: Sequence[SentenceCodes] | None = None,
    read: ReadConfig | None = None,
) -> DocumentPairs:
    """Link, pair and check one translated document (``qa=None``: no quality checks; ``glossary``: the run's
    terms, loaded by the caller, for ``term_missing``; ``codes``: a document with markup, see :func:`to_pairs`;
    ``read``: the run's ``read:`` section, for the checks that measure a document as its reader writes it)."""
    t0 = time.perf_counter()
    load_before = linker.aligner.load_seconds if linker.aligner is not None else 0.0
    linked = link_outputs(seg, units, outputs, linker)
    load = (linker.aligner.load_seconds if linker.aligner is not None else 0.0) - load_before
    pairs = to_pairs(
        seg.sentences,
        linked.tgt,
        linked.links,
        src_lang=linker.src_lang,
        tgt_lang=linker.tgt_lang,
        mt_scores=linked.mt_scores,
        failed=linked.failed,
        doc=doc,
        codes=codes,
    )
    t1 = time.perf_counter()
    summary = None
    if qa is not None:
        pairs, summary = run_qa(
            pairs, qa, src_lang=linker.src_lang, tgt_lang=linker.tgt_lang, glossary=glossary, read=read
        )
    seconds = {"embedder_load": load, "link": t1 - t0 - load, "qa": time.perf_counter() - t1}
    return DocumentPairs(pairs, linked, summary, seconds)


# --------------------------------------------------------------------------- signature


def run_signature(
    *,
    segmenter: str,
    translator: TranslatorInfo,
    links: str,
    num_beams: int,
    max_new_tokens: int,
    unit: str,
    max_length_factor: float | None = None,
    max_length_floor: int | None = None,
) -> Signature:
    """How a run's outputs were made (per run of ``translate``, per shard of ``translate-corpus``).

    ``decoding`` is ``beam<N>.max<max_new_tokens>``, then ``.factor<F>.floor<T>`` under bounded decoding
    (``translate.max_length_factor``), then ``.prefix<token>`` for a multi-target model."""
    prefix = translator.prefix
    bounded = f".factor{max_length_factor:g}.floor{max_length_floor}" if max_length_factor is not None else ""
    return Signature(
        package_version=__version__,
        segmenter=segmenter,
        model=translator.model_id,
        model_revision=translator.model_revision,
        backend=translator.name,
        aligner=links,
        decoding=f"beam{num_beams}.max{max_new_tokens}{bounded}" + (f".prefix{prefix}" if prefix else ""),
        extra=(("unit", unit),),
    )
