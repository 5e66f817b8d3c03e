"""The bead model: evidence that a span of source sentences and a span of target sentences are translations.

Raw evidence is gathered for every bead type ending at every cell of the search band
(:func:`band_features`: embedding similarity from :mod:`pipeline.align.similarity`, character lengths,
anchor cosines from :mod:`pipeline.align.anchors`), then turned into bead scores by a :class:`BeadModel`
whose parameters are estimated from the two documents themselves (:func:`initial_model`, :func:`refit`):

* ``embedding``: the calibrated similarity (random pairs 0, aligned beads 1, :class:`SimCalibration`).
* ``length``: the Gale-Church log-likelihood ratio (:mod:`pipeline.align.length`).
* ``anchors``: the anchor cosine, binned and turned into a log-likelihood ratio (aligned vs random pairs).
* the counterpart test (``align.counterpart``, weighted by the embedder's profile): every sentence of a
  multi-sentence side must be covered by the other side as a translation of its share would be
  (:meth:`SimCalibration.member_shortfall`, :func:`pipeline.align.similarity.member_evidence`,
  :func:`refit_members`), so an omitted or added sentence does not hide in a neighbouring bead.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.align.length import LengthModel, estimate_s2, length_model
from pipeline.align.search import Band, BeadType
from pipeline.align.sides import Side
from pipeline.align.similarity import (
    block_cosines,
    concat_neighbours,
    knn_mean,
    member_evidence,
    neighbour_mean,
    pair_cos,
    windowed_hubs,
)

# --------------------------------------------------------------------------- raw evidence over a band


@dataclass
class ScoreParams:
    """Scorer settings (see :class:`pipeline.align.config.AlignConfig` for their meaning)."""

    weights: dict[str, float] = field(default_factory=lambda: {"embedding": 1.0, "length": 1.0, "anchors": 1.0})
    margin: str = "none"
    margin_k: int = 4
    knn_window: int = 200
    skip: float = -0.3
    gap_extend: float = 1.0 / 3.0
    counterpart: float = 0.0  # weight of the counterpart test of the member sentences of multi-sentence beads


@dataclass
class BandFeatures:
    """Raw evidence for every bead type ending at every cell of a band (arrays of length ncells)."""

    types: list[BeadType]
    i: np.ndarray
    j: np.ndarray
    valid: dict[BeadType, np.ndarray]
    emb: dict[BeadType, np.ndarray] = field(default_factory=dict)  # cosine (minus margin) of the two sides
    ls: dict[BeadType, np.ndarray] = field(default_factory=dict)  # source characters of the bead
    lt: dict[BeadType, np.ndarray] = field(default_factory=dict)  # target characters of the bead
    anc: dict[BeadType, np.ndarray] = field(default_factory=dict)  # anchor cosine; NaN: no anchors on either side
    member: dict[BeadType, np.ndarray] = field(default_factory=dict)  # weakest member's evidence (nats, <= 0)
    member_cal: SimCalibration | None = None
    margin: str = "none"  # "neighbour": ``emb`` has the neighbour margin subtracted
    hub_s: np.ndarray | None = None  # kNN means per sentence (margin="knn")
    hub_t: np.ndarray | None = None


def band_features(
    band: Band,
    types: Sequence[BeadType],
    src: Side,
    tgt: Side,
    params: ScoreParams,
    *,
    dense: bool = True,
    concat: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
) -> BandFeatures:
    """Everything the bead models need, for every cell of the band and every bead type.

    ``concat``: optional embeddings of joined sentences, ``concat[0][a][s]`` = source sentences
    ``s .. s+a-1`` joined (index 0 unused; rows past the end arbitrary); used instead of the
    normalised sums for the bead sizes given.
    """
    i, j = band.cells()
    n, m = band.n, band.m
    f = BandFeatures(list(types), i, j, {t: (i >= t[0]) & (j >= t[1]) for t in types})
    w = params.weights
    if w.get("embedding", 0.0) > 0 and src.emb is not None and tgt.emb is not None:
        nb: dict[BeadType, np.ndarray] | None = {} if params.margin == "neighbour" else None
        f.emb = block_cosines(band, types, src.emb, tgt.emb, i, j, neighbours=nb)
        if params.counterpart > 0 and (1, 1) in f.emb:
            cal = member_calibration(f, src, tgt, f.emb[(1, 1)])
            f.member_cal = cal
            f.member = member_evidence(
                band, types, src.emb, tgt.emb, i, j, (src.lengths, tgt.lengths), cal.member_shortfall
            )
        if concat is not None:
            for a, b in list(f.emb):
                if a <= n and b <= m and a < len(concat[0]) and b < len(concat[1]):
                    ii, jj = np.clip(i, a, n), np.clip(j, b, m)
                    f.emb[(a, b)] = pair_cos(concat[0][a], concat[1][b], ii - a, jj - b)
                    if nb is not None:
                        nb[(a, b)] = concat_neighbours(concat, src.emb, tgt.emb, a, b, ii, jj)
        if nb is not None:
            f.margin = "neighbour"
            for t, v in nb.items():
                f.emb[t] = f.emb[t] - v
        if params.margin == "knn":
            if dense:
                f.hub_s = knn_mean(src.emb, tgt.emb, params.margin_k)
                f.hub_t = knn_mean(tgt.emb, src.emb, params.margin_k)
            else:
                f.hub_s, f.hub_t = windowed_hubs(band, src.emb, tgt.emb, params.margin_k, params.knn_window)
            cs_hs = np.concatenate([[0.0], np.cumsum(f.hub_s)])
            cs_ht = np.concatenate([[0.0], np.cumsum(f.hub_t)])
            for a, b in list(f.emb):
                if a > n or b > m:
                    continue
                ii, jj = np.clip(i, a, n), np.clip(j, b, m)
                base = 0.5 * ((cs_hs[ii] - cs_hs[ii - a]) / a + (cs_ht[jj] - cs_ht[jj - b]) / b)
                f.emb[(a, b)] = f.emb[(a, b)] - base
    if w.get("length", 0.0) > 0:
        cl_s = np.concatenate([[0.0], np.cumsum(src.lengths)])
        cl_t = np.concatenate([[0.0], np.cumsum(tgt.lengths)])
        for a, b in types:
            if a == 0 or b == 0:
                continue
            ii, jj = np.clip(i, min(a, n), n), np.clip(j, min(b, m), m)
            f.ls[(a, b)] = cl_s[ii] - cl_s[np.maximum(ii - a, 0)]
            f.lt[(a, b)] = cl_t[jj] - cl_t[np.maximum(jj - b, 0)]
    if w.get("anchors", 0.0) > 0 and src.anc is not None and tgt.anc is not None:
        f.anc = block_cosines(band, types, src.anc, tgt.anc, i, j, empty=np.nan)
    return f


# --------------------------------------------------------------------------- bead models


@dataclass
class SimCalibration:
    """Where the embedding similarity of random pairs (mu0, spread s0) and of aligned beads (mu1) lie."""

    mu0: float
    s0: float
    mu1: float
    s1: float = 0.0  # spread of aligned beads (0: unknown, taken as s0)

    def q(self, x: np.ndarray) -> np.ndarray:
        """Similarity rescaled so that random pairs score 0 and typical aligned beads 1."""
        return (x - self.mu0) / (self.mu1 - self.mu0)

    def q_per_nat(self) -> float:
        """How much q one nat of other evidence is worth: an aligned bead is (mu1-mu0)^2 / (2 s0^2) nats
        more likely than a random one under a Gaussian model of the similarity, and is worth q = 1."""
        return 2.0 * self.s0**2 / (self.mu1 - self.mu0) ** 2

    def member_shortfall(self, cov: np.ndarray, share: np.ndarray) -> np.ndarray:
        """Evidence (nats, <= 0) that a member sentence of a bead side has no counterpart on the other side.

        ``cov``: the member's cosine with the other side's summed embedding; ``share``: its share of its
        side's content (0..1). With a counterpart, ``cov`` is expected at ``mu0 + share * (mu1 - mu0)``
        with a spread between s0 (share 0) and s1 (share 1); without, at mu0 with spread s0 (a random
        pair). The log-likelihood ratio is counted only where negative, and ``cov`` below mu0 counts as
        mu0; a member with a tiny share is indistinguishable either way and scores about 0.
        """
        s1 = max(self.s1, self.s0)
        m1 = self.mu0 + share * (self.mu1 - self.mu0)
        sg = np.sqrt(self.s0**2 + share**2 * (s1**2 - self.s0**2))
        x = np.clip(cov, self.mu0, m1)
        llr = np.log(self.s0 / sg) - 0.5 * ((x - m1) / sg) ** 2 + 0.5 * ((x - self.mu0) / self.s0) ** 2
        return np.minimum(0.0, llr)


@dataclass
class BinnedLLR:
    """log P(bin | aligned) - log P(bin | random), add-one smoothed; NaN input (no evidence) scores 0."""

    edges: np.ndarray
    llr: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        nan = np.isnan(x)
        b = np.searchsorted(self.edges, np.where(nan, 0.0, x), side="left")
        return np.where(nan, 0.0, self.llr[np.clip(b, 0, len(self.llr) - 1)])

    @staticmethod
    def fit(aligned: np.ndarray, rand: np.ndarray, edges: np.ndarray) -> BinnedLLR:
        aligned = aligned[~np.isnan(aligned)]
        rand = rand[~np.isnan(rand)]
        nb = len(edges) + 1
        ca = np.bincount(np.searchsorted(edges, aligned, side="left"), minlength=nb)[:nb] + 1.0
        cr = np.bincount(np.searchsorted(edges, rand, side="left"), minlength=nb)[:nb] + 1.0
        return BinnedLLR(edges, np.log(ca / ca.sum()) - np.log(cr / cr.sum()))


#: anchor cosine bins: exactly 0, then thirds
ANCHOR_EDGES = np.array([1e-9, 1 / 3, 2 / 3])

#: Bead-type priors of the length-only model before the documents' own are estimated: Gale & Church
#: (1993) for the types they measured (1-1 .89, 1-0 + 0-1 .0099, 2-1 + 1-2 .089, 2-2 .011), a small
#: equal share for larger beads.
BASE_PRIOR = {(1, 1): 0.89, (1, 0): 0.00495, (0, 1): 0.00495, (2, 1): 0.0445, (1, 2): 0.0445, (2, 2): 0.011}
OTHER_PRIOR = 0.002
#: pseudo-count of the base priors when re-estimating them from an alignment (Dirichlet smoothing)
PRIOR_STRENGTH = 20.0


def base_log_priors(types: Sequence[BeadType]) -> dict[BeadType, float]:
    p = {t: BASE_PRIOR.get(t, OTHER_PRIOR) for t in types}
    z = sum(p.values())
    return {t: math.log(v / z) for t, v in p.items()}


@dataclass
class BeadModel:
    """How raw evidence becomes a bead score.

    With embeddings (``sim`` set): ``w_e * q + k * (w_l * length_llr + w_a * anchor_llr)`` for a bead,
    ``skip`` for a 1-0 / 0-1 bead, where ``q`` is the calibrated similarity (random 0, aligned 1) and
    ``k`` converts nats to q (:meth:`SimCalibration.q_per_nat`). (Length used to be a Bertalign-style
    factor ``f_len ** w_l`` multiplying ``q``; the likelihood ratio measured better on both dev sets with
    both embedders, because it weighs length by how well lengths agree in the document pair at hand:
    well for German-French, loosely for literary Chinese-English.) The confidence of a bead (the score
    links carry) stays ``q * f_len`` clipped to [0, 1]: a similarity, not a log-odds. Scores are per
    bead, not per sentence: a bead of two partial matches does not beat one complete match, and merging
    is chosen only when it raises the similarity enough.

    Without embeddings: Gale & Church's log-probabilities, ``log P(type) + w_l * length_llr +
    w_a * anchor_llr``, with the type priors and the length variance re-estimated from the documents.
    """

    weights: dict[str, float]
    log_prior: dict[BeadType, float]
    sim: SimCalibration | None = None
    length: LengthModel | None = None
    anc: BinnedLLR | None = None
    skip: float = -0.3
    counterpart: float = 0.0

    def bead_scores(self, f: BandFeatures, t: BeadType) -> np.ndarray:
        if self.sim is None:
            return self.log_prior[t] + self.evidence(f, t)
        if t[0] == 0 or t[1] == 0:
            return np.full(f.i.shape[0], self.skip, dtype=np.float64)
        s = self.weights.get("embedding", 1.0) * self.sim.q(f.emb[t])
        if self.counterpart > 0 and t in f.member:  # a member sentence without a counterpart: see member_evidence
            s = s + self.counterpart * self.sim.q_per_nat() * f.member[t]
        wl = self.weights.get("length", 0.0)
        if self.length is not None and t in f.ls and wl > 0:
            s = s + wl * self.sim.q_per_nat() * self.length.llr(f.ls[t], f.lt[t])
        if self.anc is not None and t in f.anc:
            s = s + self.weights.get("anchors", 0.0) * self.sim.q_per_nat() * self.anc(f.anc[t])
        return s

    def evidence(self, f: BandFeatures, t: BeadType) -> np.ndarray:
        """Log-likelihood ratio (nats) of length and anchors for beads of type t (0 for 1-0 / 0-1)."""
        s = np.zeros(f.i.shape[0], dtype=np.float64)
        if t[0] == 0 or t[1] == 0:
            return s
        if self.length is not None and t in f.ls:
            s += self.weights.get("length", 0.0) * self.length.llr(f.ls[t], f.lt[t])
        if self.anc is not None and t in f.anc:
            s += self.weights.get("anchors", 0.0) * self.anc(f.anc[t])
        return s

    def scores(self, f: BandFeatures) -> np.ndarray:
        """(T, ncells) float32 scores, -inf where a bead would run past the start of a document."""
        S = np.empty((len(f.types), f.i.shape[0]), dtype=np.float32)
        for k, t in enumerate(f.types):
            S[k] = np.where(f.valid[t], self.bead_scores(f, t), -np.inf)
        return S

    def confidence(self, f: BandFeatures, t: BeadType, c: int) -> float:
        """A bead's confidence in [0, 1]: calibrated similarity clipped (or length/anchor LLR squashed)."""
        if t[0] == 0 or t[1] == 0:
            return 0.0
        sub = BandFeatures(
            [t], f.i[c : c + 1], f.j[c : c + 1], {t: np.array([True])},
            emb={t: f.emb[t][c : c + 1]} if t in f.emb else {},
            ls={t: f.ls[t][c : c + 1]} if t in f.ls else {},
            lt={t: f.lt[t][c : c + 1]} if t in f.lt else {},
            anc={t: f.anc[t][c : c + 1]} if t in f.anc else {},
        )  # fmt: skip
        if self.sim is not None:
            v = float(self.sim.q(sub.emb[t])[0])
            if self.length is not None and t in sub.ls:
                v *= float(self.length.factor(sub.ls[t], sub.lt[t])[0])
            return min(1.0, max(0.0, v))
        e = float(self.evidence(sub, t)[0])
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, e))))


@dataclass
class RandomPairs:
    """Evidence for random 1-1 sentence pairs of the two documents (the 'not aligned' distribution)."""

    emb: np.ndarray | None
    anc: np.ndarray | None


def random_pairs(src: Side, tgt: Side, f: BandFeatures, samples: int = 4000) -> RandomPairs:
    if src.n == 0 or tgt.n == 0:
        return RandomPairs(None, None)
    rng = np.random.default_rng(54321)
    ii = rng.integers(0, src.n, samples)
    jj = rng.integers(0, tgt.n, samples)
    emb = anc = None
    if src.emb is not None and tgt.emb is not None and f.emb:
        xs, ys = src.emb[ii], tgt.emb[jj]
        emb = np.einsum("ij,ij->i", xs, ys).astype(np.float64) / np.maximum(
            np.linalg.norm(xs, axis=1) * np.linalg.norm(ys, axis=1), 1e-9
        )
        if f.hub_s is not None and f.hub_t is not None:
            emb = emb - 0.5 * (f.hub_s[ii] + f.hub_t[jj])
        if f.margin == "neighbour":  # the same margin as the beads, so that calibration compares like with like
            S, T = src.emb, tgt.emb

            def cos(x: np.ndarray, y: np.ndarray) -> np.ndarray:
                return np.einsum("ij,ij->i", x, y).astype(np.float64)

            emb = emb - neighbour_mean(
                (cos(xs, T[np.maximum(jj - 1, 0)]), jj > 0),
                (cos(xs, T[np.minimum(jj + 1, tgt.n - 1)]), jj + 1 < tgt.n),
                (cos(ys, S[np.maximum(ii - 1, 0)]), ii > 0),
                (cos(ys, S[np.minimum(ii + 1, src.n - 1)]), ii + 1 < src.n),
            )
    if src.anc is not None and tgt.anc is not None and f.anc:
        xa, ya = src.anc[ii], tgt.anc[jj]
        hx, hy = np.abs(xa).sum(axis=1) > 0, np.abs(ya).sum(axis=1) > 0
        anc = np.where(hx | hy, np.einsum("ij,ij->i", xa, ya), np.nan)
    return RandomPairs(emb, anc)


def _median_mad(x: np.ndarray) -> tuple[float, float]:
    med = float(np.median(x))
    return med, float(np.median(np.abs(x - med))) * 1.4826


def _calibrate(rnd: np.ndarray, aligned: np.ndarray | None) -> SimCalibration:
    """mu0, s0 from random pairs; mu1 = median similarity of (presumed) aligned beads, at least mu0 + 2 s0."""
    mu0, s0 = _median_mad(rnd)
    s0 = max(s0, 1e-3)
    if aligned is not None and aligned.shape[0] >= 5:
        mu1, s1 = _median_mad(aligned)
    else:
        mu1, s1 = mu0 + 4 * s0, s0
    return SimCalibration(mu0, s0, max(mu1, mu0 + 2 * s0), max(s1, s0))


def member_calibration(f: BandFeatures, src: Side, tgt: Side, raw11: np.ndarray, samples: int = 4000) -> SimCalibration:
    """Plain cosines (no margin) of random sentence pairs and of the mutual best 1-1 pairs of the band."""
    rng = np.random.default_rng(54321)
    xs, ys = src.emb[rng.integers(0, src.n, samples)], tgt.emb[rng.integers(0, tgt.n, samples)]  # type: ignore[index]
    rnd = np.einsum("ij,ij->i", xs, ys).astype(np.float64)
    return _calibrate(rnd, raw11[mutual_best(f, raw11, src.n, tgt.n)])


def mutual_best(f: BandFeatures, values: np.ndarray, n: int, m: int) -> np.ndarray:
    """Mask of the 1-1 cells best in their row and in their column (likely translations)."""
    ok = f.valid[(1, 1)] & ~np.isnan(values)
    r = np.full(n + 1, -np.inf)
    c = np.full(m + 1, -np.inf)
    v = np.where(ok, values, -np.inf)
    np.maximum.at(r, f.i, v)
    np.maximum.at(c, f.j, v)
    return ok & (v == r[f.i]) & (v == c[f.j])


def initial_model(f: BandFeatures, src: Side, tgt: Side, rnd: RandomPairs, params: ScoreParams) -> BeadModel:
    """A model from the documents alone, before any alignment: mutual best pairs stand for aligned ones."""
    model = BeadModel(dict(params.weights), base_log_priors(f.types), skip=params.skip, counterpart=params.counterpart)
    if f.ls:
        model.length = length_model(src, tgt)
    if f.emb and rnd.emb is not None and (1, 1) in f.emb:
        best = mutual_best(f, f.emb[(1, 1)], src.n, tgt.n)
        model.sim = _calibrate(rnd.emb, f.emb[(1, 1)][best])
        if f.anc and rnd.anc is not None and (1, 1) in f.anc:
            model.anc = BinnedLLR.fit(f.anc[(1, 1)][best], rnd.anc, ANCHOR_EDGES)
    return model


def refit(
    model: BeadModel,
    f: BandFeatures,
    band: Band,
    spans: Sequence[tuple[int, int, int, int]],
    src: Side,
    tgt: Side,
    rnd: RandomPairs,
) -> BeadModel:
    """One Viterbi-EM step: re-estimate the model's distributions from an alignment of these documents."""
    idx: dict[BeadType, list[int]] = {}
    counts: dict[BeadType, int] = {t: 0 for t in f.types}
    for s0, s1, t0, t1 in spans:
        t = (s1 - s0, t1 - t0)
        if t in counts:
            counts[t] += 1
        if t[0] and t[1] and t in f.valid:
            c = int(band.index(np.array([s1]), np.array([t1]))[0])
            if c >= 0:
                idx.setdefault(t, []).append(c)
    total = sum(counts.values())
    base = {t: math.exp(v) for t, v in base_log_priors(f.types).items()}
    lp = {t: math.log((counts[t] + PRIOR_STRENGTH * base[t]) / (total + PRIOR_STRENGTH)) for t in f.types}
    new = dataclasses.replace(model, log_prior=lp)

    def gather(d: dict[BeadType, np.ndarray]) -> np.ndarray:
        parts = [d[t][np.array(c)] for t, c in idx.items() if t in d]
        return np.concatenate(parts) if parts else np.zeros(0)

    if model.sim is not None and rnd.emb is not None and f.emb:
        new.sim = _calibrate(rnd.emb, gather(f.emb))
    if model.length is not None:
        s2 = estimate_s2(spans, src, tgt, model.length.c)
        if s2 is not None:
            new.length = length_model(src, tgt, s2=s2)
    if rnd.anc is not None and f.anc:
        new.anc = BinnedLLR.fit(gather(f.anc), rnd.anc, ANCHOR_EDGES)
    return new


def refit_members(
    f: BandFeatures, band: Band, spans: Sequence[tuple[int, int, int, int]], src: Side, tgt: Side
) -> None:
    """The counterpart test's Viterbi-EM step: where true members lie, from an alignment of these documents.

    The members (content share >= 1/2) of the alignment's multi-sentence beads give the mean and spread of
    a true member's share-corrected coverage ``mu0 + (cov - mu0) / share`` (median and MAD: robust to the
    omissions the alignment still merges), replacing the mutual-best 1-1 pairs' values; ``f.member`` is
    rescored with them. Loosely translated documents, whose true members vary widely, are tested more
    leniently.
    """
    cal = f.member_cal
    if cal is None or src.emb is None or tgt.emb is None:
        return
    sides = (src, tgt)
    rho = []
    for a0, a1, b0, b1 in spans:
        if a1 == a0 or b1 == b0 or (a1 - a0 < 2 and b1 - b0 < 2):
            continue
        for own, (lo, hi), other, (olo, ohi) in ((0, (a0, a1), 1, (b0, b1)), (1, (b0, b1), 0, (a0, a1))):
            if hi - lo < 2:
                continue
            o = sides[other].emb[olo:ohi].sum(axis=0)  # type: ignore[index]
            o = o / max(float(np.linalg.norm(o)), 1e-9)
            lengths = sides[own].lengths
            total = max(float(lengths[lo:hi].sum()), 1.0)
            for r in range(lo, hi):
                share = math.sqrt(float(lengths[r]) / total)
                if share >= 0.5:
                    cov = float(sides[own].emb[r] @ o)  # type: ignore[index]
                    rho.append(cal.mu0 + (cov - cal.mu0) / share)
    if len(rho) < 10:
        return
    mu1, spread = _median_mad(np.array(rho))
    new = SimCalibration(cal.mu0, cal.s0, max(mu1, cal.mu0 + 2 * cal.s0), max(spread, cal.s0))
    f.member = member_evidence(
        band, f.types, src.emb, tgt.emb, f.i, f.j, (src.lengths, tgt.lengths), new.member_shortfall
    )
