"""The length model: Gale-Church log-likelihood ratio of a bead's source and target character lengths.

Lengths are characters without whitespace; the target/source ratio comes from the two documents, the
per-character variance first from Gale & Church, then from the documents' own first alignment
(:func:`estimate_s2`), so length counts for as much as it tells in this pair of languages and texts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.align.sides import Side

#: Gale & Church (1993): variance of (target chars - c * source chars) per character, used until the
#: documents' own value is estimated from a first alignment.
GC_S2 = 6.8


@dataclass
class LengthModel:
    """Gale-Church length model: ``delta = (lt - c*ls) / sqrt(s2 * L)`` ~ N(0, 1) for aligned beads.

    ``L = (c*ls + lt) / 2``; ``c`` is the documents' length ratio, ``s2`` the per-character variance;
    ``tau2`` the variance of delta over random sentence pairs (for a log-likelihood ratio).
    """

    c: float
    s2: float
    tau2: float

    def delta(self, ls: np.ndarray, lt: np.ndarray) -> np.ndarray:
        L = np.maximum((self.c * ls + lt) * 0.5, 1.0)
        return (lt - self.c * ls) / np.sqrt(self.s2 * L)

    def llr(self, ls: np.ndarray, lt: np.ndarray) -> np.ndarray:
        """log N(delta; 0, 1) - log N(delta; 0, tau2): evidence (nats) that the bead is aligned."""
        d2 = self.delta(ls, lt) ** 2
        t2 = max(self.tau2, 1.0 + 1e-6)
        return 0.5 * math.log(t2) - 0.5 * d2 * (1.0 - 1.0 / t2)

    def factor(self, ls: np.ndarray, lt: np.ndarray) -> np.ndarray:
        """Length agreement in (0, 1]: log2(1 + r), r = shorter / longer after scaling by c (Bertalign's
        length penalty; used for a bead's confidence)."""
        a, b = ls * self.c, lt
        return np.log2(1.0 + np.minimum(a, b) / np.maximum(np.maximum(a, b), 1e-9))


def length_model(src: Side, tgt: Side, s2: float | None = None, samples: int = 4000) -> LengthModel:
    """Ratio from the documents, ``s2`` given (else Gale-Church's), ``tau2`` from random sentence pairs."""
    ts, tt = float(src.lengths.sum()), float(tgt.lengths.sum())
    c = tt / ts if ts > 0 and tt > 0 else 1.0
    lm = LengthModel(c=c, s2=s2 if s2 is not None else GC_S2, tau2=1.0)
    if src.n and tgt.n:
        rng = np.random.default_rng(12345)
        d = lm.delta(src.lengths[rng.integers(0, src.n, samples)], tgt.lengths[rng.integers(0, tgt.n, samples)])
        lm.tau2 = float(np.median(d**2) / 0.455)  # robust variance (median of chi2(1) = 0.455)
    return lm


def estimate_s2(spans: Sequence[tuple[int, int, int, int]], src: Side, tgt: Side, c: float) -> float | None:
    """Per-character variance from the non-empty beads of an alignment (robust; None if too few)."""
    pairs = [(s0, s1, t0, t1) for s0, s1, t0, t1 in spans if s1 > s0 and t1 > t0]
    if len(pairs) < 10:
        return None
    ls = np.array([src.lengths[s0:s1].sum() for s0, s1, _, _ in pairs])
    lt = np.array([tgt.lengths[t0:t1].sum() for _, _, t0, t1 in pairs])
    L = np.maximum((c * ls + lt) * 0.5, 1.0)
    return float(max(np.median((lt - c * ls) ** 2 / L) / 0.455, 0.05))
