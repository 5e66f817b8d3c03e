"""The repair ladder: degenerate translations decoded again until one passes the quality checks.

A unit (a sentence, or a paragraph's sentences) whose pairs carry one of ``translate.repair.flags`` (by default
the degenerate ones: ``repetition``, ``length_ratio``, ``wrong_language``, ``identical``, ``empty_target``) climbs
the ladder; every other unit is left as it is. Each step makes candidates for the units still flagged, the checks
judge them (the whole document again, the candidates in place), and the first step whose candidate carries none
of those flags repairs the unit:

a. ``no-repeat``: decoded again with ``no_repeat_ngram_size`` and ``repetition_penalty`` (a loop cannot recur);
b. ``n-best``: the model's best ``num_hypotheses`` hypotheses, reranked by the checks (fewest flags), then by the
   model's confidence, then by the aligner's similarity where the run has an aligner;
c. ``split``: a unit of ``split_min_words`` words or more is cut at clause boundaries (``;``, ``:``, dashes,
   ``, and`` / ``, but`` and the like per source language) and its parts translated one by one, then joined.

Steps a and b need a backend that decodes with options (:meth:`pipeline.translate.base.Translator.translate_with`);
a backend without it goes to step c at once. A unit no step repairs keeps its first output and its flags. The
ladder is pure: it is given how to decode, translate and judge (:func:`run_ladder`); :mod:`pipeline.repair.document`
wires it to the run's translator and checks (through :mod:`pipeline.components`, so both runners and both backends
get it).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pipeline.errors import PipelineError, failure_reason
from pipeline.records import Alternative
from pipeline.translate.base import Decoding, Output
from pipeline.translate.config import RepairConfig

__all__ = [
    "CLAUSE_WORDS",
    "Decode",
    "Judge",
    "LadderResult",
    "Repair",
    "Similarity",
    "UnitNote",
    "Verdict",
    "alternatives_of",
    "run_ladder",
    "split_clauses",
]

log = logging.getLogger(__name__)

#: texts, options -> per text its hypotheses (best first); None: the backend cannot decode with options
Decode = Callable[[list[str], Decoding], list[list[Output]] | None]
#: texts -> one output per text (the plain translation)
Translate = Callable[[list[str]], list[Output]]


@dataclass(frozen=True)
class Verdict:
    """What the checks say of one unit's output: every flag of the unit's pairs."""

    flags: tuple[str, ...]


#: every unit's output -> per unit what the checks say of it (the whole document judged with these outputs)
Judge = Callable[[list[Output]], list[Verdict]]
#: (source, candidate) pairs -> the aligner's similarity of each (None: the run has no aligner)
Similarity = Callable[[list[tuple[str, str]]], list[float]]


@dataclass(frozen=True)
class Repair:
    """How a unit was repaired: the step whose candidate replaced its first output, and that first output."""

    step: str  # pipeline.records.REPAIR_STEPS
    first: Output


@dataclass(frozen=True)
class UnitNote:
    """What a unit's pairs record besides their target: the ladder's step that repaired it, and the other
    translations kept for the translator (its first output when repaired, the model's n-best)."""

    repaired: str | None = None
    alternatives: tuple[Alternative, ...] = ()


@dataclass
class LadderResult:
    """Every unit's output after the ladder (the repaired ones replaced) and what was done."""

    outputs: list[Output]
    repairs: dict[int, Repair] = field(default_factory=dict)  # unit index -> how it was repaired
    flagged: int = 0  # units that climbed the ladder


# --------------------------------------------------------------------------- step c: clause boundaries

#: words that open a clause after a comma, per source language (", and ..." is cut before "and")
CLAUSE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("and", "but", "or", "so", "yet", "while", "whereas", "because", "although", "though", "which"),
    "uk": ("і", "й", "та", "але", "а", "або", "бо", "проте", "що", "який", "яка", "яке", "які"),
    "ru": ("и", "но", "а", "или", "потому", "однако", "что", "который", "которая", "которое", "которые"),
}
_PUNCT_CUT = r"(?<=[;:])\s+|(?<=\s[-–—])\s+"  # after ; or :, after a spaced dash


def _cut_pattern(lang: str) -> re.Pattern[str]:
    words = CLAUSE_WORDS.get(lang, ())
    after_comma = rf"|(?<=,)\s+(?=(?:{'|'.join(map(re.escape, words))})\b)" if words else ""
    return re.compile(_PUNCT_CUT + after_comma, re.IGNORECASE)


def split_clauses(text: str, lang: str, *, min_words: int = 2) -> list[str]:
    """``text`` cut at its clause boundaries (the punctuation stays with the clause before it); a part of fewer
    than ``min_words`` words is joined to its neighbour. One part: no boundary."""
    parts = [p.strip() for p in _cut_pattern(lang).split(text) if p and p.strip()]
    merged: list[str] = []
    for p in parts:
        if merged and (len(merged[-1].split()) < min_words or len(p.split()) < min_words):
            merged[-1] = f"{merged[-1]} {p}"
        else:
            merged.append(p)
    return merged


# --------------------------------------------------------------------------- the ladder


def _passes(verdict: Verdict, flags: Collection[str]) -> bool:
    return not any(f in flags for f in verdict.flags)


def run_ladder(
    texts: Sequence[str],
    outputs: Sequence[Output],
    *,
    cfg: RepairConfig,
    src_lang: str,
    decode: Decode,
    translate: Translate,
    judge: Judge,
    similarity: Similarity | None = None,
    verdicts: Sequence[Verdict] | None = None,
) -> LadderResult:
    """Repair the units of ``texts`` whose ``outputs`` the checks flag with one of ``cfg.flags``.

    ``texts`` are what the model was given (one per unit); ``verdicts`` what the checks said of ``outputs``
    (None: ``judge(outputs)``). Returns every unit's output, the repaired ones replaced by their winning
    candidate, and per repaired unit the step and its first output.
    """
    result = LadderResult(list(outputs))
    if not cfg.enabled or not texts:
        return result
    wanted = set(cfg.flags)
    first = list(verdicts) if verdicts is not None else judge(list(outputs))
    left = [i for i, v in enumerate(first) if not _passes(v, wanted) and outputs[i].error is None]
    result.flagged = len(left)
    if not left:
        return result
    if len(left) > max(2, cfg.max_share * len(texts)):
        log.info("repair: %d of %d units flagged, over translate.repair.max_share (%g): the model is at fault, not a "
                 "decode; the ladder is skipped", len(left), len(texts), cfg.max_share)  # fmt: skip
        return result
    log.info("repair: %d of %d units flagged (%s); decoding them again", len(left), len(texts), ", ".join(cfg.flags))
    no_repeat = Decoding(1, cfg.no_repeat_ngram_size, cfg.repetition_penalty)
    decode = _guarded(decode)
    translate = _guarded(translate)

    def attempt(step: str, candidates: dict[int, list[Output]]) -> None:
        nonlocal left
        won = _judge_candidates(result.outputs, candidates, judge, wanted, texts, similarity)
        for i, out in won.items():
            result.repairs[i] = Repair(step, outputs[i])
            result.outputs[i] = out
        left = [i for i in left if i not in won]

    # a: decoded again, no n-gram repeated
    if cfg.no_repeat_ngram_size or cfg.repetition_penalty != 1.0:
        got = decode([texts[i] for i in left], no_repeat)
        if got is not None:
            attempt("no-repeat", {i: hyps[:1] for i, hyps in zip(left, got, strict=True)})
    # b: the n-best, reranked by the checks
    if left and cfg.num_hypotheses >= 2:
        got = decode([texts[i] for i in left], Decoding(cfg.num_hypotheses))
        if got is not None:
            attempt("n-best", dict(zip(left, got, strict=True)))
    # c: a long unit cut at its clause boundaries, the parts translated one by one
    if left and cfg.split_min_words:
        cuts = {i: split_clauses(texts[i], src_lang) for i in left if len(texts[i].split()) >= cfg.split_min_words}
        cuts = {i: parts for i, parts in cuts.items() if len(parts) > 1}
        if cuts:
            flat = [p for parts in cuts.values() for p in parts]
            decoded = decode(flat, no_repeat)
            got_parts = [h[0] for h in decoded] if decoded is not None else translate(flat)
            if got_parts is None:
                got_parts = [Output("", None, "not translated")] * len(flat)
            candidates: dict[int, list[Output]] = {}
            at = 0
            for i, parts in cuts.items():
                outs = got_parts[at : at + len(parts)]
                at += len(parts)
                if all(o.error is None for o in outs):
                    scores = [o.score for o in outs if o.score is not None]
                    score = min(scores) if scores else None
                    candidates[i] = [Output(" ".join(o.text for o in outs if o.text).strip(), score)]
            attempt("split", candidates)
    steps = [r.step for r in result.repairs.values()]
    log.info("repair: %d of %d flagged units repaired (%s)", len(steps), result.flagged,
             ", ".join(f"{s} {steps.count(s)}" for s in dict.fromkeys(steps)) or "none")  # fmt: skip
    if left:
        log.info("repair: %d of %d flagged units kept their first output (no step passed the checks)",
                 len(left), result.flagged)  # fmt: skip
    return result


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(fn: F) -> F:
    """``fn``, but a failure (an exception) makes it return None: a step that cannot decode is skipped, the unit
    keeps its first output, the run goes on."""

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except PipelineError:
            raise
        except Exception as e:  # noqa: BLE001 - a failed extra decode costs the repair, never the run
            log.warning("repair: a decode failed (%s); that step is skipped", failure_reason(e))
            return None

    return call  # type: ignore[return-value]


def _judge_candidates(
    current: Sequence[Output],
    candidates: dict[int, list[Output]],
    judge: Judge,
    wanted: Collection[str],
    texts: Sequence[str],
    similarity: Similarity | None,
) -> dict[int, Output]:
    """Per unit the best of its candidates that passes the checks (fewest flags, then the model's confidence,
    then the similarity), if any. Rank r of every unit is judged in one pass over the document."""
    usable = {
        i: [o for o in outs if o.error is None and o.text.strip() and o.text != current[i].text]
        for i, outs in candidates.items()
    }
    ranked: dict[int, list[tuple[Output, Verdict]]] = {i: [] for i in usable}
    for r in range(max((len(v) for v in usable.values()), default=0)):
        trial = list(current)
        at_rank = [i for i, outs in usable.items() if len(outs) > r]
        for i in at_rank:
            trial[i] = usable[i][r]
        verdicts = judge(trial)
        for i in at_rank:
            ranked[i].append((usable[i][r], verdicts[i]))
    won: dict[int, Output] = {}
    for i, judged in ranked.items():
        passing = [(o, v) for o, v in judged if _passes(v, wanted)]
        if not passing:
            continue
        sims = None
        if similarity is not None and len(passing) > 1:
            sims = similarity([(texts[i], o.text) for o, _ in passing])
        keyed = [
            (len(v.flags), -(o.score if o.score is not None else 0.0), -(sims[n] if sims else 0.0), n)
            for n, (o, v) in enumerate(passing)
        ]
        won[i] = passing[min(keyed)[3]][0]
    return won


def alternatives_of(
    final: Output, hypotheses: Sequence[Output], repair: Repair | None, keep: int
) -> tuple[Alternative, ...]:
    """The other translations of a unit, best first: its first output when the ladder replaced it, then up to
    ``keep`` of the model's ``hypotheses`` (``translate.alternatives``) that differ from every one before."""
    alts: list[Alternative] = []
    seen = {final.text}
    if repair is not None and repair.first.text.strip():
        alts.append(Alternative(repair.first.text, _rounded(repair.first.score), "first-output"))
        seen.add(repair.first.text)
    extra = 0
    for h in hypotheses:
        if extra >= keep:
            break
        if h.error is None and h.text.strip() and h.text not in seen:
            alts.append(Alternative(h.text, _rounded(h.score), "n-best"))
            seen.add(h.text)
            extra += 1
    return tuple(alts)


def _rounded(score: float | None) -> float | None:
    return round(score, 4) if score is not None else None
