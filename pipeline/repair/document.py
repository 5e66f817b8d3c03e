"""The repair ladder over one document: its model outputs judged by the run's checks, decoded again by its
translator (the glossary's terms kept), and what each unit's pairs record of it.

:func:`repair_document` is what :meth:`pipeline.components.Components.repair` runs for both runners.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from pipeline.config import Config
from pipeline.document import DocumentPairs, Linker, SentenceCodes, Unit, link_document
from pipeline.glossary import Glossary, translate_terms
from pipeline.read.codes import CodeSlot, SegmentedBlocks, restore_codes
from pipeline.records import AlignedPair, Segmentation
from pipeline.repair.ladder import Decode, Repair, Similarity, UnitNote, Verdict, alternatives_of, run_ladder
from pipeline.translate.base import Decoding, Output, Translator

__all__ = ["Repaired", "note_pairs", "repair_document"]

log = logging.getLogger(__name__)

Slots = tuple[CodeSlot, ...]
#: model outputs, slots, units, blocks -> the outputs without placeholders and the codes per sentence
Restore = Callable[
    [Sequence[Output], Sequence[Slots], Sequence[Unit], SegmentedBlocks | None],
    tuple[list[Output], list[SentenceCodes] | None],
]


@dataclass(frozen=True)
class Repaired:
    """One document's model outputs after the repair ladder and, per unit index, what its pairs record of it (the
    step that repaired it, the alternatives kept)."""

    outputs: list[Output]
    notes: dict[int, UnitNote]
    flagged: int = 0  # units that climbed the ladder
    seconds: float = 0.0


class _NoOptions(Exception):
    """The backend cannot decode with options (inside :func:`decoder`)."""


def repair_document(
    translator: Translator,
    seg: Segmentation,
    units: Sequence[Unit],
    slots: Sequence[Slots],
    blocks: SegmentedBlocks | None,
    outputs: Sequence[Output],
    *,
    cfg: Config,
    linker: Linker,
    glossary: Glossary | None,
    kept: Glossary | None,
    restore: Restore,
    qa: bool = True,
) -> Repaired:
    """The repair ladder (``translate.repair``) over one document's model outputs, and each unit's alternatives
    (``translate.alternatives``, sentence units). ``units`` are what the model was given (with their codes'
    placeholders), ``outputs`` its outputs (before ``restore``); the checks judge the document as the run will
    link it (``qa=False`` or ``qa.enabled: false``: no checks, no repair). ``kept``: the glossary whose terms the
    model keeps (``glossary.enforce``)."""
    t0 = time.perf_counter()
    tcfg = cfg.translate
    assert cfg.lang is not None
    texts = [u.text for u in units]
    decode = decoder(translator, kept, cfg.lang)
    result = None
    if tcfg.repair.enabled and qa and cfg.qa.enabled:
        result = run_ladder(
            texts,
            outputs,
            cfg=tcfg.repair,
            src_lang=cfg.src_lang,
            decode=decode,
            translate=lambda ts: translate_terms(translator.translate, ts, kept, cfg.lang or "").outputs,
            judge=judge(cfg, seg, units, slots, blocks, linker, glossary, restore),
            similarity=similarity(linker),
        )
    final = result.outputs if result is not None else list(outputs)
    repairs: dict[int, Repair] = result.repairs if result is not None else {}
    hypotheses: list[list[Output]] = [[] for _ in units]
    if tcfg.alternatives and linker.unit == "sentence":
        got = decode(texts, Decoding(tcfg.alternatives + 1))
        if got is None:
            log.warning("translate.alternatives: backend %s cannot give n-best hypotheses", translator.name)
        else:
            hypotheses = got

    def plain(out: Output, i: int) -> Output:
        if blocks is None or out.error is not None:
            return out
        return Output(restore_codes(out.text, slots[i], len(units[i].text))[0], out.score)

    notes: dict[int, UnitNote] = {}
    for i in sorted(set(repairs) | {i for i, h in enumerate(hypotheses) if h}):
        rep = repairs.get(i)
        if rep is not None:
            rep = Repair(rep.step, plain(rep.first, i))
        alts = alternatives_of(plain(final[i], i), [plain(h, i) for h in hypotheses[i]], rep, tcfg.alternatives)
        if rep is not None or alts:
            notes[i] = UnitNote(rep.step if rep is not None else None, alts)
    flagged = result.flagged if result is not None else 0
    return Repaired(final, notes, flagged, time.perf_counter() - t0)


def decoder(translator: Translator, kept: Glossary | None, lang: str) -> Decode:
    """``translator.translate_with``, keeping the glossary's terms when ``kept`` (``glossary.enforce``: each rank
    of the hypotheses through :func:`translate_terms`)."""
    if kept is None:
        return translator.translate_with

    def decode(texts: list[str], decoding: Decoding) -> list[list[Output]] | None:
        hyps: list[list[Output]] = []

        def first(protected: list[str]) -> list[Output]:
            got = translator.translate_with(protected, decoding)
            if got is None:
                raise _NoOptions
            hyps[:] = got
            return [h[0] for h in got]

        try:
            base = translate_terms(first, texts, kept, lang)
        except _NoOptions:
            return None
        out = [[o] for o in base.outputs]
        for r in range(1, max((len(h) for h in hyps), default=1)):
            rank = translate_terms(functools.partial(_rank, hyps, r), texts, kept, lang)
            for o, h, row in zip(rank.outputs, hyps, out, strict=True):
                if r < len(h):
                    row.append(o)
        return out

    return decode


def _rank(hyps: Sequence[Sequence[Output]], r: int, texts: Sequence[str]) -> list[Output]:
    """Hypothesis ``r`` of each unit (its last where it has fewer): one rank of the n-best, for translate_terms."""
    return [h[min(r, len(h) - 1)] for h in hyps]


def judge(
    cfg: Config,
    seg: Segmentation,
    units: Sequence[Unit],
    slots: Sequence[Slots],
    blocks: SegmentedBlocks | None,
    linker: Linker,
    glossary: Glossary | None,
    restore: Restore,
) -> Callable[[list[Output]], list[Verdict]]:
    """What the checks say of each unit when the document's model outputs are these: the document linked as the
    run links it (sentence units without the aligner's check: no flag of the ladder depends on it)."""
    if linker.unit == "sentence":
        linker = Linker("sentence", linker.src_lang, linker.tgt_lang)
    unit_of = {s: n for n, u in enumerate(units) for s in u.src_idx}

    def verdicts(outputs: list[Output]) -> list[Verdict]:
        plain, codes = restore(outputs, slots, units, blocks)
        doc = link_document(seg, units, plain, linker, qa=cfg.qa, glossary=glossary, codes=codes, read=cfg.read)
        flags: list[dict[str, None]] = [{} for _ in units]
        for p in doc.pairs:
            if p.src_idx:
                flags[unit_of[p.src_idx[0]]].update(dict.fromkeys(p.flags))
        return [Verdict(tuple(f)) for f in flags]

    return verdicts


def similarity(linker: Linker) -> Similarity | None:
    """The aligner's score of each (source, candidate) as a 1-1 bead, where the run has an aligner."""
    aligner = linker.aligner
    if aligner is None:
        return None

    def scores(pairs: list[tuple[str, str]]) -> list[float]:
        out = []
        for src, tgt in pairs:
            links = aligner.align([src], [tgt], src_lang=linker.src_lang, tgt_lang=linker.tgt_lang)
            out.append(next((lk.score for lk in links if lk.src_idx == (0,) and lk.tgt_idx == (0,)), 0.0))
        return out

    return scores


def note_pairs(doc: DocumentPairs, units: Sequence[Unit], notes: Mapping[int, UnitNote]) -> DocumentPairs:
    """``doc`` with each unit's note on its pairs: every pair of a repaired unit says so; the alternatives go on the
    1-1 pair of a sentence (a paragraph unit's alternatives have no one pair to go on)."""
    if not notes:
        return doc
    unit_of = {s: n for n, u in enumerate(units) for s in u.src_idx}
    out: list[AlignedPair] = []
    for p in doc.pairs:
        note = notes.get(unit_of[p.src_idx[0]]) if p.src_idx else None
        if note is None:
            out.append(p)
            continue
        one_one = len(units[unit_of[p.src_idx[0]]].src_idx) == 1 and p.src_idx == p.tgt_idx
        out.append(replace(p, repaired=note.repaired, alternatives=note.alternatives if one_one else ()))
    return replace(doc, pairs=out)
