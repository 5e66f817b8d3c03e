"""The aligners: ``hybrid`` (embeddings + length + anchors in one search) and ``length`` (Gale-Church-like).

Both run the same search (:func:`search`): a DP over beads in a band of the (source x target) grid;
exhaustive for small documents, coarse-to-fine (recursive halving, then a band around the upsampled
path) for large ones. At each resolution the bead model is estimated from the documents themselves
(random sentence pairs for "not aligned", mutual best pairs, then the alignment itself, for
"aligned") and refined by a few Viterbi-EM steps; runs of 1-0 / 0-1 beads get affine costs.

Two alignments of equal score are decided by one fixed rule (:mod:`pipeline.align.search`, "Ties"; docs/aligner.md):
from the end backwards, a match bead before a 1-0 before a 0-1, 1-1 before larger beads; so a sentence repeated
on one side with one counterpart links its last copy. Bead scores are rounded to 2**-30 so that rounding noise of
the path sums never decides.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.align.anchors import anchor_vectors, document_anchors
from pipeline.align.beads import (
    BandFeatures,
    BeadModel,
    ScoreParams,
    band_features,
    initial_model,
    random_pairs,
    refit,
    refit_members,
)
from pipeline.align.config import AlignConfig, resolve_auto
from pipeline.align.search import (
    Band,
    BeadType,
    Span,
    band_around,
    bead_types,
    centers_from_corners,
    corners,
    dense_band,
    dp,
    max_marginals,
    predecessors,
)
from pipeline.align.sides import Side, char_lengths, coarsen
from pipeline.align.similarity import center, concat_neighbours, pair_cos
from pipeline.records import Link

log = logging.getLogger(__name__)

VERSION = "v3"


@dataclass
class SearchStats:
    """What a search did (for benchmarks and logs)."""

    levels: int = 0
    cells: int = 0
    seconds: float = 0.0
    level_sizes: list[tuple[int, int, int]] = field(default_factory=list)  # (n, m, cells) per level
    runs: int = 0  # multi-sentence runs embedded as joined text (multi=concat-near-path)


def search(
    src: Side,
    tgt: Side,
    types: Sequence[BeadType],
    params: ScoreParams,
    *,
    band: int = 8,
    dense_max_cells: int = 300_000,
    em_iters: int = 2,
    concat: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    stats: SearchStats | None = None,
    _level: int = 0,
) -> tuple[list[Span], list[float]]:
    """Best bead path (spans ``(s0, s1, t0, t1)``, ends exclusive) and per-bead confidences in [0, 1]."""
    n, m = src.n, tgt.n
    if n == 0 or m == 0:
        return _trivial(n, m), [0.0] * (n + m)
    dense = (n + 1) * (m + 1) <= dense_max_cells
    if dense:
        bd = dense_band(n, m)
    else:
        cs, ct = coarsen(src), coarsen(tgt)
        cspans, _ = search(
            cs, ct, types, params, band=band, dense_max_cells=dense_max_cells, em_iters=min(em_iters, 1),
            stats=stats, _level=_level + 1,
        )  # fmt: skip
        pts = corners(cspans, n / cs.n, m / ct.n, n, m)
        bd = band_around(n, m, centers_from_corners(pts, n, m), band)
    if stats is not None:
        stats.levels = max(stats.levels, _level + 1)
        stats.cells += bd.ncells
        stats.level_sizes.append((n, m, bd.ncells))
    f = band_features(bd, types, src, tgt, params, dense=dense, concat=concat if _level == 0 else None)
    fit = _fit(bd, types, f, src, tgt, params, em_iters)
    log.debug("level %d: %d x %d, %d cells, sim=%s length=%s", _level, n, m, bd.ncells, fit.model.sim, fit.model.length)
    return fit.spans, fit.confidences()


@dataclass
class _Fit:
    """A bead model fitted in a band and the best path under it."""

    band: Band
    features: BandFeatures
    model: BeadModel
    spans: list[Span]
    scores: np.ndarray
    pred: np.ndarray
    extend: np.ndarray | None

    def confidences(self) -> list[float]:
        conf = []
        for s0, s1, t0, t1 in self.spans:
            c = int(self.band.index(np.array([s1]), np.array([t1]))[0])
            conf.append(self.model.confidence(self.features, (s1 - s0, t1 - t0), c))
        return conf


def _fit(
    bd: Band,
    types: Sequence[BeadType],
    f: BandFeatures,
    src: Side,
    tgt: Side,
    params: ScoreParams,
    em_iters: int,
) -> _Fit:
    """Initial model from the documents, then ``em_iters`` Viterbi-EM steps, each with a DP in ``bd``."""
    rnd = random_pairs(src, tgt, f)
    model = initial_model(f, src, tgt, rnd, params)
    pred = predecessors(bd, types)
    tx, ty = types.index((1, 0)), types.index((0, 1))

    def run() -> tuple[list[Span], np.ndarray, np.ndarray | None]:
        S = model.scores(f)
        extend = None
        if model.sim is not None:  # affine costs for runs of skips (the length-only model has priors)
            extend = np.stack([S[tx], S[ty]]).astype(np.float64) * params.gap_extend
        return dp(bd, types, S, pred, extend)[0], S, extend

    spans, S, extend = run()
    for _ in range(em_iters):
        model = refit(model, f, bd, spans, src, tgt, rnd)
        if model.counterpart > 0:
            refit_members(f, bd, spans, src, tgt)
        spans, S, extend = run()
    return _Fit(bd, f, model, spans, S, pred, extend)


#: Source and target runs ``(start, length)`` -> their joined-text embeddings (rows L2-normalised).
RunEmbedder = Callable[
    [Sequence[tuple[int, int]], Sequence[tuple[int, int]]], tuple[dict[int, np.ndarray], dict[int, np.ndarray]]
]


def search_near_path(
    src: Side,
    tgt: Side,
    types: Sequence[BeadType],
    params: ScoreParams,
    runs: RunEmbedder,
    *,
    band: int = 8,
    dense_max_cells: int = 300_000,
    em_iters: int = 2,
    slack: float = 1.0,
    stats: SearchStats | None = None,
) -> tuple[list[Span], list[float]]:
    """Two passes: :func:`search` with summed sentence embeddings, then joined-text embeddings near its path.

    The second pass searches a band of half-width ``band`` around the first path. In it, the
    multi-sentence beads whose best path scores (max-marginals, under the sum model refitted in the
    band) lie within ``slack`` of the optimum are rescored with embeddings of their joined texts
    (``runs`` embeds just the runs these beads need); the other multi-sentence beads are left out of
    the second search, as implausible. 1-1, 1-0 and 0-1 beads keep their first-pass evidence.
    """
    n, m = src.n, tgt.n
    spans1, conf1 = search(
        src, tgt, types, params, band=band, dense_max_cells=dense_max_cells, em_iters=em_iters, stats=stats
    )
    if n == 0 or m == 0 or src.emb is None or tgt.emb is None or params.weights.get("embedding", 0.0) <= 0:
        return spans1, conf1
    bd = band_around(n, m, centers_from_corners(corners(spans1), n, m), band)
    if stats is not None:
        stats.cells += bd.ncells
        stats.level_sizes.append((n, m, bd.ncells))
    f = band_features(bd, types, src, tgt, params, dense=False)
    fit = _fit(bd, types, f, src, tgt, params, em_iters)
    if fit.model.sim is None:
        return spans1, conf1
    mm, best = max_marginals(bd, types, fit.scores, fit.pred, fit.extend)
    i, j = bd.cells()
    cand: dict[BeadType, np.ndarray] = {}
    need_s: set[tuple[int, int]] = set()
    need_t: set[tuple[int, int]] = set()
    for t, (a, b) in enumerate(types):
        if a == 0 or b == 0 or (a, b) == (1, 1):
            continue
        c = np.flatnonzero(f.valid[(a, b)] & (mm[t] >= best - slack))
        cand[(a, b)] = c
        if a > 1:
            need_s.update((int(x), a) for x in np.unique(i[c] - a))
        if b > 1:
            need_t.update((int(y), b) for y in np.unique(j[c] - b))
    if stats is not None:
        stats.runs += len(need_s) + len(need_t)
    es, et = runs(sorted(need_s), sorted(need_t))
    es[1], et[1] = src.emb, tgt.emb
    zs = np.zeros_like(src.emb[:1])
    conc = (
        [es.get(a, zs) for a in range(max(es) + 1)],
        [et.get(b, zs) for b in range(max(et) + 1)],
    )
    for (a, b), c in cand.items():
        keep = np.zeros(bd.ncells, dtype=bool)
        keep[c] = True
        f.valid[(a, b)] = f.valid[(a, b)] & keep
        if c.size:
            ii, jj = i[c], j[c]
            v = pair_cos(conc[0][a], conc[1][b], ii - a, jj - b)
            if f.margin == "neighbour":
                v = v - concat_neighbours(conc, src.emb, tgt.emb, a, b, ii, jj)
            if f.hub_s is not None and f.hub_t is not None:  # margin=knn: the same hubness term as before
                v = v - 0.5 * (_run_mean(f.hub_s, ii, a) + _run_mean(f.hub_t, jj, b))
            f.emb[(a, b)][c] = v
    fit2 = _fit(bd, types, f, src, tgt, params, em_iters)
    log.debug("near-path pass: %d cells, %d + %d runs embedded", bd.ncells, len(need_s), len(need_t))
    return fit2.spans, fit2.confidences()


def _run_mean(x: np.ndarray, end: np.ndarray, a: int) -> np.ndarray:
    """Mean of ``x[end-a:end]`` for each end."""
    cs = np.concatenate([[0.0], np.cumsum(x)])
    return (cs[end] - cs[end - a]) / a


def _trivial(n: int, m: int) -> list[Span]:
    return [(i, i + 1, 0, 0) for i in range(n)] + [(n, n, j, j + 1) for j in range(m)]


def spans_to_links(spans: Sequence[Span], confidences: Sequence[float]) -> list[Link]:
    return [
        Link(tuple(range(s0, s1)), tuple(range(t0, t1)), float(min(1.0, max(0.0, c))))
        for (s0, s1, t0, t1), c in zip(spans, confidences, strict=False)
    ]


def score_params(cfg: AlignConfig, *, embeddings: bool) -> ScoreParams:
    w = {k: float(v) for k, v in cfg.scorers.items()}
    if not embeddings:
        w["embedding"] = 0.0
    if cfg.skip == "auto" or cfg.counterpart == "auto":
        raise ValueError("score_params needs a configuration with its auto settings resolved (resolve_auto)")
    return ScoreParams(
        weights=w,
        margin=cfg.margin,
        margin_k=cfg.margin_k,
        skip=cfg.skip,
        gap_extend=cfg.gap_extend,
        counterpart=cfg.counterpart,
    )


def build_sides(
    src: Sequence[str],
    tgt: Sequence[str],
    src_emb: np.ndarray | None,
    tgt_emb: np.ndarray | None,
    *,
    anchors: bool = True,
) -> tuple[Side, Side]:
    """Per-sentence features: lengths, embeddings centred per document, hashed anchor vectors."""
    ls, lt = char_lengths(src), char_lengths(tgt)
    es = center(src_emb) if src_emb is not None else None
    et = center(tgt_emb) if tgt_emb is not None else None
    as_ = at = None
    if anchors:
        a_src, a_tgt, weights = document_anchors(src, tgt)
        as_, at = anchor_vectors(a_src, weights), anchor_vectors(a_tgt, weights)
    return Side(ls, es, as_), Side(lt, et, at)


def align_features(
    src: Sequence[str],
    tgt: Sequence[str],
    src_emb: np.ndarray | None,
    tgt_emb: np.ndarray | None,
    cfg: AlignConfig,
    *,
    concat: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    runs: RunEmbedder | None = None,
    stats: SearchStats | None = None,
) -> list[Link]:
    """Align with given sentence embeddings (None: length and anchors only).

    ``concat``: embeddings of every run of sentences (multi=concat); ``runs``: a function that embeds
    the runs asked for (multi=concat-near-path)."""
    t0 = time.perf_counter()
    # multi/margin "auto" depend on the embedder: HybridAligner.align resolves them; a caller that does not
    # (embeddings given directly) gets the one-pass profile
    cfg = resolve_auto(cfg, "none")
    params = score_params(cfg, embeddings=src_emb is not None and tgt_emb is not None)
    s_side, t_side = build_sides(src, tgt, src_emb, tgt_emb, anchors=params.weights.get("anchors", 0.0) > 0)
    types = bead_types(cfg.max_bead, cfg.max_side)
    if runs is not None and cfg.multi == "concat-near-path":
        spans, conf = search_near_path(
            s_side, t_side, types, params, runs, band=cfg.band, dense_max_cells=cfg.dense_max_cells,
            em_iters=cfg.em_iters, slack=cfg.near_slack, stats=stats,
        )  # fmt: skip
    else:
        spans, conf = search(
            s_side, t_side, types, params, band=cfg.band, dense_max_cells=cfg.dense_max_cells,
            em_iters=cfg.em_iters, concat=concat, stats=stats,
        )  # fmt: skip
    if stats is not None:
        stats.seconds += time.perf_counter() - t0
    return spans_to_links(spans, conf)
