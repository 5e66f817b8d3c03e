"""The quality checks: one pure function per flag, in a registry.

A check takes the document's pairs, its configuration section and a :class:`QAContext`, and returns a
:class:`CheckResult`: the flagged pairs (index into the sequence -> a short human-readable detail) and
statistics for the run report. Checks never change pairs; :func:`pipeline.qa.run_qa` adds the flags.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterator, Sequence

from pipeline.glossary.check import DESCRIPTION as TERM_DESCRIPTION
from pipeline.glossary.check import check_terms
from pipeline.qa import config as qc
from pipeline.qa.base import Check, CheckResult, QAContext
from pipeline.qa.language import judge_language
from pipeline.qa.numbers import compare_numbers
from pipeline.read.config import ReadConfig
from pipeline.read.subtitles_layout import (
    CUE,
    CueLayout,
    Limits,
    PairBlock,
    cue_duration,
    cue_number,
    lay_out,
    pair_blocks,
)
from pipeline.records import NO_SOURCE, NO_TARGET, AlignedPair

__all__ = ["Check", "CheckResult", "QAContext"]


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _one_sided(p: AlignedPair) -> bool:
    """A sentence the aligner found no counterpart for: its flag says so, and its score (0) means nothing."""
    return NO_TARGET in p.flags or NO_SOURCE in p.flags


# --------------------------------------------------------------------------- checks


def empty_target(pairs: Sequence[AlignedPair], cfg: qc.EmptyTargetCheck, ctx: QAContext) -> CheckResult:
    res = CheckResult()
    for i, p in enumerate(pairs):
        if p.src.strip() and not p.tgt.strip() and not _one_sided(p):
            res.flagged[i] = "no target text"
    return res


def wrong_language(pairs: Sequence[AlignedPair], cfg: qc.WrongLanguageCheck, ctx: QAContext) -> CheckResult:
    res = CheckResult()
    judged = wrong = 0
    for i, p in enumerate(pairs):
        if not p.tgt.strip():
            continue
        v = judge_language(p.tgt, ctx.tgt_lang, p.src, cfg, ctx.identify)
        if v.verdict == "unknown":
            continue
        judged += 1
        if v.verdict == "wrong":
            wrong += 1
            res.flagged[i] = v.reason
    res.stats = {"judged": judged, "wrong": wrong, "ratio": round(wrong / judged, 4) if judged else 0.0}
    return res


def number_mismatch(pairs: Sequence[AlignedPair], cfg: qc.NumberMismatchCheck, ctx: QAContext) -> CheckResult:
    res = CheckResult()
    for i, p in enumerate(pairs):
        if not p.src.strip() or not p.tgt.strip():
            continue
        missing, extra = compare_numbers(p.src, p.tgt, ctx.src_lang, ctx.tgt_lang)
        parts = []
        if missing:
            parts.append("missing in target: " + ", ".join(missing))
        if extra:
            parts.append("not in source: " + ", ".join(extra))
        if parts:
            res.flagged[i] = "; ".join(parts)
    return res


def length_ratio(pairs: Sequence[AlignedPair], cfg: qc.LengthRatioCheck, ctx: QAContext) -> CheckResult:
    """Character-length ratio far from the document's median: robust z-score on log ratios."""
    res = CheckResult()
    logs: dict[int, float] = {}
    for i, p in enumerate(pairs):
        s, t = len(p.src.strip()), len(p.tgt.strip())
        if s >= cfg.min_chars and t:
            logs[i] = math.log(t / s)
    if len(logs) < cfg.min_pairs:
        why = f"fewer than {cfg.min_pairs} pairs with a source of {cfg.min_chars}+ chars"
        res.stats = {"judged": 0, "skipped": why}
        return res
    med = statistics.median(logs.values())
    mad = max(statistics.median(abs(x - med) for x in logs.values()), cfg.mad_floor)
    for i, x in logs.items():
        z = 0.6745 * (x - med) / mad
        if abs(z) > cfg.z_max and abs(x - med) >= math.log(cfg.min_factor):
            res.flagged[i] = (
                f"target/source length {math.exp(x):.2f} vs document median {math.exp(med):.2f} (z={z:+.1f})"
            )
    res.stats = {"judged": len(logs), "median_ratio": round(math.exp(med), 4), "mad_log": round(mad, 4)}
    return res


_NON_WORD = re.compile(r"[\W_]+")


def identical(pairs: Sequence[AlignedPair], cfg: qc.IdenticalCheck, ctx: QAContext) -> CheckResult:
    res = CheckResult()
    for i, p in enumerate(pairs):
        s = _NON_WORD.sub(" ", p.src.casefold()).strip()
        if s and s == _NON_WORD.sub(" ", p.tgt.casefold()).strip() and _letters(p.src) >= cfg.min_letters:
            res.flagged[i] = "target is the source text"
    return res


_WORDS = re.compile(r"\w+")


def _word_loop(text: str, max_n: int, min_repeats: int) -> str | None:
    toks = _WORDS.findall(text.casefold())
    for n in range(1, max_n + 1):
        for i in range(0, len(toks) - n * min_repeats + 1):
            gram = toks[i : i + n]
            if any(t.isdigit() for t in gram):
                continue
            k = 1
            while toks[i + k * n : i + (k + 1) * n] == gram:
                k += 1
            if k >= min_repeats:
                return f"{' '.join(gram)!r} x{k}"
    return None


def _char_loop(text: str, min_repeats: int, min_span: int) -> str | None:
    pattern = re.compile(r"([^\W\d_]{1,12}?)\1{" + str(min_repeats - 1) + ",}")
    for word in text.split():
        for m in pattern.finditer(word.casefold()):
            if len(m.group()) >= min_span:
                return f"{m.group(1)!r} x{len(m.group()) // len(m.group(1))}"
    return None


def repetition(pairs: Sequence[AlignedPair], cfg: qc.RepetitionCheck, ctx: QAContext) -> CheckResult:
    """The same word n-gram (or, inside a word, letter sequence) repeated in a row: a decoding loop."""
    res = CheckResult()
    for i, p in enumerate(pairs):
        if not p.tgt.strip():
            continue
        found = _word_loop(p.tgt, cfg.max_n, cfg.min_repeats) or _char_loop(
            p.tgt, cfg.char_min_repeats, cfg.char_min_span
        )
        if found is None:
            continue
        in_src = _word_loop(p.src, cfg.max_n, cfg.min_repeats) or _char_loop(
            p.src, cfg.char_min_repeats, cfg.char_min_span
        )
        if in_src is None:  # a source that repeats itself ("go, go, go") may be translated so
            res.flagged[i] = f"repeated {found}"
    return res


def low_score(pairs: Sequence[AlignedPair], cfg: qc.LowScoreCheck, ctx: QAContext) -> CheckResult:
    res = CheckResult()
    for i, p in enumerate(pairs):
        if p.score < cfg.min_score and not _one_sided(p):
            res.flagged[i] = f"alignment score {p.score:.2f} < {cfg.min_score:.2f}"
    return res


def low_mt_score(pairs: Sequence[AlignedPair], cfg: qc.LowMTScoreCheck, ctx: QAContext) -> CheckResult:
    res = CheckResult()
    for i, p in enumerate(pairs):
        if p.mt_score is not None and p.mt_score < cfg.min_mt_score:
            res.flagged[i] = f"model confidence {p.mt_score:.2f} < {cfg.min_mt_score:.2f}"
    return res


def term_missing(pairs: Sequence[AlignedPair], cfg: qc.TermMissingCheck, ctx: QAContext) -> CheckResult:
    """A glossary term of the source with none of its accepted forms in the target (:mod:`pipeline.glossary`)."""
    if ctx.glossary is None:
        return CheckResult(stats={"terms": 0, "skipped": "no glossary given (glossary.files or --glossary)"})
    flagged, stats = check_terms(pairs, ctx.glossary, ctx.tgt_lang)
    return CheckResult(flagged, stats)


# Each check as registered in :data:`pipeline.qa.config.CHECKS` (name = its flag and its `qa.<name>` section).
def tag_mismatch(pairs: Sequence[AlignedPair], cfg: qc.TagMismatchCheck, ctx: QAContext) -> CheckResult:
    res = CheckResult()
    for i, p in enumerate(pairs):
        lost = [c for c in p.tgt_codes if c.by_rule and c.kind != CUE]  # a cue's is placed by length (subtitles)
        if lost:
            names = ", ".join(f"{c.id} ({c.kind})" for c in lost)
            res.flagged[i] = f"the model lost inline code(s) {names}: put back at the sentence's edge"
    return res


def _has_codes(pairs: Sequence[AlignedPair]) -> bool:
    return any(p.src_codes for p in pairs)


def _limits(ctx: QAContext) -> Limits:
    s = (ctx.read or ReadConfig()).srt
    return Limits(s.max_line_length, s.max_lines, s.max_cps)


def _cues(pairs: Sequence[AlignedPair], limits: Limits) -> Iterator[tuple[PairBlock, int, CueLayout]]:
    """Every cue of a subtitle document as the writer lays it out: its block, its index there, its layout."""
    for block in pair_blocks(pairs):
        ids = [c.id for c in block.cues]
        for k, cue in enumerate(lay_out(block.text, block.codes, block.shares, limits, ids=ids)):
            yield block, k, cue


def _flag_cue(res: CheckResult, block: PairBlock, cue: CueLayout, detail: str) -> None:
    """Flag the pairs whose text is (partly) in ``cue``."""
    for i, (s, e) in zip(block.pairs, block.spans, strict=True):
        if (s < cue.end and cue.start < e) or (cue.start == cue.end and s <= cue.start <= e):
            res.flagged[i] = f"{res.flagged[i]}; {detail}" if i in res.flagged else detail


def cue_too_long(pairs: Sequence[AlignedPair], cfg: qc.CueTooLongCheck, ctx: QAContext) -> CheckResult:
    limits = _limits(ctx)
    res = CheckResult()
    cues = flagged = 0
    for block, k, cue in _cues(pairs, limits):
        cues += 1
        longest = max(len(line) for line in cue.lines)
        problems = []
        if longest > limits.max_line_length:
            problems.append(f"a line of {longest} characters (max {limits.max_line_length})")
        if len(cue.lines) > limits.max_lines:
            problems.append(f"{len(cue.lines)} lines (max {limits.max_lines})")
        if problems:
            flagged += 1
            _flag_cue(res, block, cue, f"cue {cue_number(block.cues[k])}: {' and '.join(problems)}")
    res.stats = {"cues": cues, "cues_too_long": flagged}
    return res


def cue_too_fast(pairs: Sequence[AlignedPair], cfg: qc.CueTooFastCheck, ctx: QAContext) -> CheckResult:
    limits = _limits(ctx)
    res = CheckResult()
    cues = flagged = 0
    for block, k, cue in _cues(pairs, limits):
        seconds = cue_duration(block.cues[k])
        if not seconds or seconds <= 0:
            continue
        cues += 1
        cps = cue.chars / seconds
        if cps > limits.max_cps:
            flagged += 1
            detail = (
                f"cue {cue_number(block.cues[k])}: {cue.chars} characters in {seconds:.2f} s, {cps:.1f} a second "
                f"(max {limits.max_cps:g})"
            )
            _flag_cue(res, block, cue, detail)
    res.stats = {"cues": cues, "cues_too_fast": flagged}
    return res


def _has_cues(pairs: Sequence[AlignedPair]) -> bool:
    return any(c.kind == CUE for p in pairs for c in p.src_codes)


EMPTY_TARGET = Check("empty_target", "the target is empty", qc.EmptyTargetCheck, empty_target, risk="redo")
WRONG_LANGUAGE = Check(
    "wrong_language",
    "the target is not in the target language (script, uk/ru letters, fastText)",
    qc.WrongLanguageCheck,
    wrong_language,
    risk="redo",
)
IDENTICAL = Check("identical", "the target is the source, untranslated", qc.IdenticalCheck, identical, risk="redo")
REPETITION = Check(
    "repetition",
    "a word n-gram or letter sequence repeated in a row (decoding loop)",
    qc.RepetitionCheck,
    repetition,
    risk="redo",
)
NUMBER_MISMATCH = Check(
    "number_mismatch", "numbers differ between source and target", qc.NumberMismatchCheck, number_mismatch
)
LENGTH_RATIO = Check(
    "length_ratio", "target/source length far from the document's median", qc.LengthRatioCheck, length_ratio
)
LOW_SCORE = Check("low_score", "low alignment score", qc.LowScoreCheck, low_score)
LOW_MT_SCORE = Check("low_mt_score", "low model confidence", qc.LowMTScoreCheck, low_mt_score)
TERM_MISSING = Check("term_missing", TERM_DESCRIPTION, qc.TermMissingCheck, term_missing)
TAG_MISMATCH = Check(
    "tag_mismatch",
    "an inline code (markup of a document) the model lost, put back by rule at the sentence's edge",
    qc.TagMismatchCheck,
    tag_mismatch,
    applies=_has_codes,
)
CUE_TOO_LONG = Check(
    "cue_too_long",
    "a subtitle cue whose translation has a line longer or more lines than read.srt allows",
    qc.CueTooLongCheck,
    cue_too_long,
    applies=_has_cues,
)
CUE_TOO_FAST = Check(
    "cue_too_fast",
    "a subtitle cue whose translation has more characters a second than read.srt.max_cps",
    qc.CueTooFastCheck,
    cue_too_fast,
    applies=_has_cues,
)
