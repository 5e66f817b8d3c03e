"""Alignment metrics (strict / lax precision, recall, F1 as in Vecalign's ``score.py``) and the bead format.

Bead format, one bead per line, 0-based sentence indices, optional score::

    [0]:[0]:0.91
    [3, 4]:[5]:0.77
    [6]:[]:0.0
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.records import Link

Bead = tuple[tuple[int, ...], tuple[int, ...]]


# --------------------------------------------------------------------------- format


def format_bead(src_idx: Sequence[int], tgt_idx: Sequence[int], score: float | None = None) -> str:
    """``[3, 4]:[5]:0.77`` (the score with 2 decimals is left out when None)."""
    s = f"[{', '.join(str(i) for i in src_idx)}]:[{', '.join(str(i) for i in tgt_idx)}]"
    return s if score is None else f"{s}:{score:.2f}"


def format_links(links: Iterable[Link], *, scores: bool = True) -> str:
    """One bead per line, newline-terminated."""
    return "".join(format_bead(link.src_idx, link.tgt_idx, link.score if scores else None) + "\n" for link in links)


def parse_bead(line: str) -> tuple[Bead, float | None]:
    """Parse one ``[..]:[..]`` or ``[..]:[..]:score`` line; raises ValueError with the reason."""
    text = line.strip()
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise ValueError(f"not a bead (expected [..]:[..] or [..]:[..]:score): {text!r}")
    sides: list[tuple[int, ...]] = []
    for p in parts[:2]:
        p = p.strip()
        if not (p.startswith("[") and p.endswith("]")):
            raise ValueError(f"not a bead (sides must be [..] lists): {text!r}")
        try:
            v = ast.literal_eval(p)
        except (ValueError, SyntaxError):
            raise ValueError(f"not a bead (bad index list {p!r}): {text!r}") from None
        if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v):
            raise ValueError(f"not a bead (indices must be non-negative integers): {text!r}")
        sides.append(tuple(v))
    score: float | None = None
    if len(parts) == 3:
        try:
            score = float(parts[2])
        except ValueError:
            raise ValueError(f"not a bead (bad score {parts[2]!r}): {text!r}") from None
    return (sides[0], sides[1]), score


def parse_beads(text: str) -> list[Bead]:
    """All beads of a file's text (blank lines skipped)."""
    return [parse_bead(line)[0] for line in text.splitlines() if line.strip()]


def links_to_beads(links: Iterable[Link]) -> list[Bead]:
    return [(tuple(link.src_idx), tuple(link.tgt_idx)) for link in links]


def check_links(links: Sequence[Link], n_src: int, n_tgt: int) -> None:
    """Raise ValueError unless the links are monotone and cover both sides exactly once, in order."""
    i = j = 0
    for link in links:
        if not link.src_idx and not link.tgt_idx:
            raise ValueError("empty bead")
        if tuple(link.src_idx) != tuple(range(i, i + len(link.src_idx))):
            raise ValueError(f"source indices {link.src_idx} do not continue at {i}")
        if tuple(link.tgt_idx) != tuple(range(j, j + len(link.tgt_idx))):
            raise ValueError(f"target indices {link.tgt_idx} do not continue at {j}")
        if not 0.0 <= link.score <= 1.0:
            raise ValueError(f"score {link.score} outside [0, 1]")
        i += len(link.src_idx)
        j += len(link.tgt_idx)
    if (i, j) != (n_src, n_tgt):
        raise ValueError(f"links cover {i}/{n_src} source and {j}/{n_tgt} target sentences")


# --------------------------------------------------------------------------- metric


@dataclass(frozen=True)
class Scores:
    precision_strict: float
    recall_strict: float
    f1_strict: float
    precision_lax: float
    recall_lax: float
    f1_lax: float


def _counts(gold: Iterable[Bead], test: Iterable[Bead]) -> tuple[int, int, int, int]:
    """(tp_strict, fp_strict, tp_lax, fp_lax) of ``test`` against ``gold`` (Vecalign ``_precision``)."""
    test_set = {(tuple(x), tuple(y)) for x, y in test if len(x) or len(y)}
    gold_set = {(tuple(x), tuple(y)) for x, y in gold if len(x) or len(y)}
    src_to_gold_tgt: dict[int, set[int]] = defaultdict(set)
    for gs, gt in gold_set:
        for s in gs:
            src_to_gold_tgt[s].update(gt)
    tps = fps = tpl = fpl = 0
    for ts, tt in test_set:
        if (ts, tt) in gold_set:
            tps += 1
            tpl += 1
        else:
            fps += 1
            targets: set[int] = set()
            for s in ts:
                targets |= src_to_gold_tgt.get(s, set())
            if set(tt) & targets:
                tpl += 1
            else:
                fpl += 1
    return tps, fps, tpl, fpl


def _ratio(a: int, b: int) -> float:
    return a / (a + b) if a + b else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_alignments(gold_list: Sequence[Sequence[Bead]], test_list: Sequence[Sequence[Bead]]) -> Scores:
    """Strict and lax P/R/F1 over one or more documents, counts pooled (Vecalign ``score_multiple``).

    Precision counts every predicted bead (1-0 / 0-1 beads are hits only on an exact gold match);
    recall is computed with the roles swapped, ignoring beads with an empty side on both sides.
    """
    if len(gold_list) != len(test_list):
        raise ValueError("need as many gold as test alignments")
    p = [0, 0, 0, 0]
    r = [0, 0, 0, 0]
    for gold, test in zip(gold_list, test_list, strict=False):
        for k, v in enumerate(_counts(gold, test)):
            p[k] += v
        test_nd = [(x, y) for x, y in test if len(x) and len(y)]
        gold_nd = [(x, y) for x, y in gold if len(x) and len(y)]
        for k, v in enumerate(_counts(test_nd, gold_nd)):
            r[k] += v
    ps, pl = _ratio(p[0], p[1]), _ratio(p[2], p[3])
    rs, rl = _ratio(r[0], r[1]), _ratio(r[2], r[3])
    return Scores(ps, rs, _f1(ps, rs), pl, rl, _f1(pl, rl))


@dataclass(frozen=True)
class NullScores:
    """Precision and recall of the null beads (1-0 and 0-1), with the counts behind them."""

    gold: int
    predicted: int
    correct: int
    low_score: int = 0  # gold null beads merged into a pair that scores below the low_score flag's threshold

    @property
    def seen(self) -> float:
        """Share of the gold null beads a reviewer sees: found, or merged into a pair flagged low_score."""
        return (self.correct + self.low_score) / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _nulls(beads: Sequence[Bead]) -> set[Bead]:
    """The 1-0 and 0-1 beads."""
    return {(tuple(s), tuple(t)) for s, t in beads if bool(s) != bool(t)}


def null_scores(
    gold_list: Sequence[Sequence[Bead]],
    test_list: Sequence[Sequence[Bead]],
    links_list: Sequence[Sequence[Link]] | None = None,
    low_score: float = 0.3,
) -> NullScores:
    """Null-bead precision and recall over one or more documents (counts pooled).

    With the alignments' ``links_list``, also how many gold null beads sit inside a pair whose score is below
    ``low_score`` (the ``low_score`` QA flag's threshold, ``qa.low_score.min_score``): merged, but flagged.
    """
    if len(gold_list) != len(test_list) or (links_list is not None and len(links_list) != len(gold_list)):
        raise ValueError("need as many gold as test alignments")
    g = p = c = low = 0
    for k, (gold, test) in enumerate(zip(gold_list, test_list, strict=True)):
        gn, tn = _nulls(gold), _nulls(test)
        g, p, c = g + len(gn), p + len(tn), c + len(gn & tn)
        if links_list is not None:
            flagged = {
                (side, x)
                for link in links_list[k]
                if link.src_idx and link.tgt_idx and link.score < low_score
                for side, idx in (("s", link.src_idx), ("t", link.tgt_idx))
                for x in idx
            }
            low += sum(1 for s, t in gn - tn if (("s", s[0]) if s else ("t", t[0])) in flagged)
    return NullScores(g, p, c, low)
