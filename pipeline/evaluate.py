"""Evaluation against reference translations: corpus BLEU and chrF with sacrebleu, with its signatures.

References are **one per source sentence**, in order: line *i* of the reference file translates source
sentence *i* as the segmenter found it (``python -m pipeline segment --lang en INPUT`` prints them).
A file with another number of lines is an error (:func:`parse_references`): a free-form reference text
would first need aligning, and scores over a wrong alignment would mislead.

Scores are computed per aligned pair (:func:`eval_segments`): the hypothesis is the pair's target, the
reference the references of its source sentences joined by a space, so n-m links (``unit: paragraph``)
are scored fairly; a target-only pair's text is appended to the previous pair's hypothesis.

Metrics (sacrebleu defaults otherwise; the signature strings say exactly what ran):

* **chrF** (chrF2: character 6-grams, beta 2): tokenisation-free, the primary metric for Korean.
* **BLEU** with a tokeniser per target language (:data:`BLEU_TOKENIZE`): ``13a`` (sacrebleu's default,
  the comparable standard) for uk, ru and others; ``char`` for ko. sacrebleu's own choice for Korean is
  ``ko-mecab``, which needs MeCab and its Korean dictionary (``pip install 'sacrebleu[ko]'``), and the
  FLORES-200 SentencePiece tokeniser (``flores200``) downloads its model on first use; neither works
  offline out of the box. ``13a`` would split Korean only at spaces (eojeol with their particles),
  which under-rewards near misses, so Korean BLEU is character-level: a useful relative number, not
  comparable with published ko-mecab or spBLEU scores, which is why chrF is primary for ko.
  ``evaluate(..., bleu_tokenize="ko-mecab")`` uses MeCab where it is installed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, InputError
from pipeline.records import AlignedPair, Signature

__all__ = [
    "BLEU_TOKENIZE",
    "EvalResult",
    "eval_report",
    "eval_segments",
    "evaluate",
    "parse_references",
]

log = logging.getLogger(__name__)

BLEU_TOKENIZE: dict[str, str] = {"ko": "char"}  # target language -> sacrebleu BLEU tokeniser; else 13a
DEFAULT_BLEU_TOKENIZE = "13a"
CHRF_PRIMARY = frozenset({"ko"})  # languages where chrF, not BLEU, is the number to read


@dataclass(frozen=True)
class EvalResult:
    """Corpus-level scores (0-100) and how they were computed."""

    lang: str
    segments: int
    bleu: float
    chrf: float
    bleu_tokenize: str
    bleu_signature: str
    chrf_signature: str
    bleu_verbose: str  # sacrebleu's line, e.g. "BLEU = 23.41 55.2/29.8/17.7/10.9 (BP = 1.000 ...)"
    chrf_verbose: str
    primary: str  # "chrF" or "BLEU"

    def summary(self) -> str:
        first, second = (
            (f"chrF2 {self.chrf:.2f}", f"BLEU {self.bleu:.2f}")
            if self.primary == "chrF"
            else (f"BLEU {self.bleu:.2f}", f"chrF2 {self.chrf:.2f}")
        )
        return f"{first}, {second} (tok:{self.bleu_tokenize}) on {self.segments} segments"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(hyps: Sequence[str], refs: Sequence[str], lang: str, *, bleu_tokenize: str | None = None) -> EvalResult:
    """Corpus BLEU and chrF of ``hyps`` against ``refs`` (one reference per hypothesis) for target ``lang``.

    ``bleu_tokenize`` overrides :data:`BLEU_TOKENIZE`. Raises :class:`ValueError` if the lists are empty
    or differ in length, and :class:`ConfigError` for a tokeniser sacrebleu cannot load.
    """
    from sacrebleu.metrics import BLEU, CHRF

    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")
    if not hyps:
        raise ValueError("nothing to evaluate: no segments")
    tok = bleu_tokenize or BLEU_TOKENIZE.get(lang, DEFAULT_BLEU_TOKENIZE)
    try:
        bleu = BLEU(tokenize=tok)
    except (RuntimeError, ImportError, KeyError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(
            f"sacrebleu cannot load the BLEU tokenizer {tok!r} ({first})",
            "install what it needs (e.g. pip install 'sacrebleu[ko]' for ko-mecab) or use 13a, intl or char",
        ) from None
    chrf = CHRF()
    hyp_list, ref_lists = list(hyps), [list(refs)]
    b = bleu.corpus_score(hyp_list, ref_lists)
    c = chrf.corpus_score(hyp_list, ref_lists)
    return EvalResult(
        lang=lang,
        segments=len(hyp_list),
        bleu=round(b.score, 4),
        chrf=round(c.score, 4),
        bleu_tokenize=tok,
        bleu_signature=str(bleu.get_signature()),
        chrf_signature=str(chrf.get_signature()),
        bleu_verbose=str(b),
        chrf_verbose=str(c),
        primary="chrF" if lang in CHRF_PRIMARY else "BLEU",
    )


def parse_references(text: str, n_sentences: int, path: str | Path = "reference file") -> list[str]:
    """The reference lines of ``text`` (LF-separated, one per source sentence; trailing blank lines ignored).

    Raises :class:`InputError` when the number of lines is not ``n_sentences``.
    """
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) != n_sentences:
        raise InputError(
            f"reference file {path} has {len(lines)} line(s) but the input has {n_sentences} sentence(s)",
            "give one reference translation per source sentence, in order "
            "(`python -m pipeline segment --lang en INPUT` prints the sentences)",
        )
    return [line.strip() for line in lines]


def eval_segments(pairs: Sequence[AlignedPair], refs: Sequence[str]) -> tuple[list[str], list[str]]:
    """Hypotheses and references per aligned pair (see the module docstring); pairs without a source join the
    previous one (or the next, at the start)."""
    hyps: list[str] = []
    out_refs: list[str] = []
    pending: list[str] = []  # target-only text before the first pair with a source
    for p in pairs:
        if not p.src_idx:
            if not p.tgt:
                continue
            if hyps:
                hyps[-1] = f"{hyps[-1]} {p.tgt}".strip()
            else:
                pending.append(p.tgt)
            continue
        for i in p.src_idx:
            if not 0 <= i < len(refs):
                raise ValueError(f"pair {p.id}: source sentence {i} has no reference ({len(refs)} given)")
        hyps.append(" ".join([*pending, p.tgt]).strip())
        pending = []
        out_refs.append(" ".join(refs[i] for i in p.src_idx))
    return hyps, out_refs


def pair_scores(pairs: Sequence[AlignedPair], refs: Sequence[str]) -> list[dict[str, Any]]:
    """Per pair with a source: its sentence chrF against its reference beside the pipeline's own signals (alignment
    score, model score, flags, risk level), the table to calibrate the QA thresholds on (:mod:`pipeline.qa.risk`)."""
    from sacrebleu.metrics import CHRF

    from pipeline.qa.risk import risk_of

    chrf = CHRF()
    rows = []
    for p in pairs:
        if not p.src_idx or any(not 0 <= i < len(refs) for i in p.src_idx):
            continue
        ref = " ".join(refs[i] for i in p.src_idx)
        rows.append(
            {
                "id": p.id,
                "chrf": round(chrf.sentence_score(p.tgt, [ref]).score, 2),
                "score": p.score,
                "mt_score": p.mt_score,
                "flags": list(p.flags),
                "risk": risk_of(p.flags),
            }
        )
    return rows


def eval_report(
    result: EvalResult, *, reference: str, signature: Signature, pairs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The body of ``<base>.eval.json`` (``pairs``: :func:`pair_scores`)."""
    notes = []
    if result.primary == "chrF":
        notes.append(
            f"chrF is the primary metric for {result.lang}: BLEU here uses the {result.bleu_tokenize!r} "
            "tokenizer and is not comparable with published ko-mecab or spBLEU scores"
        )
    if signature.model_revision == "local":
        notes.append(
            "the model was loaded from a local folder (revision 'local'); if it is a test model with random "
            "weights, these scores say nothing about translation quality"
        )
    return {
        "lang": result.lang,
        "reference": reference,
        "segments": result.segments,
        "primary": result.primary,
        "chrf": {"score": result.chrf, "signature": result.chrf_signature, "verbose": result.chrf_verbose},
        "bleu": {
            "score": result.bleu,
            "tokenize": result.bleu_tokenize,
            "signature": result.bleu_signature,
            "verbose": result.bleu_verbose,
        },
        "system": signature.as_string(),
        "notes": notes,
        **({"pairs": pairs} if pairs is not None else {}),
    }
