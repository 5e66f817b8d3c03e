"""The aligners: ``hybrid`` (embeddings + length + anchors in one search) and ``length`` (Gale-Church-like).

Both run the same search (:func:`search`): a DP over beads in a band of the (source x target) grid;
exhaustive for small documents, coarse-to-fine (recursive halving, then a band around the upsampled
path) for large ones. At each resolution the bead model is estimated from the documents themselves
(random sentence pairs for "not aligned", mutual best pairs, then the alignment itself, for
"aligned") and refined by a few Viterbi-EM steps; runs of 1-0 / 0-1 beads get affine costs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.align import scorers as sc
from pipeline.align.config import AlignConfig
from pipeline.align.search import (
    BeadType,
    Span,
    band_around,
    bead_types,
    centers_from_corners,
    corners,
    dense_band,
    dp,
    predecessors,
)
from pipeline.records import Link

log = logging.getLogger(__name__)

VERSION = "v1"


@dataclass
class SearchStats:
    """What a search did (for benchmarks and logs)."""

    levels: int = 0
    cells: int = 0
    seconds: float = 0.0
    level_sizes: list[tuple[int, int, int]] = field(default_factory=list)  # (n, m, cells) per level


def search(
    src: sc.Side,
    tgt: sc.Side,
    types: Sequence[BeadType],
    params: sc.ScoreParams,
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
        cs, ct = sc.coarsen(src), sc.coarsen(tgt)
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
    f = sc.band_features(bd, types, src, tgt, params, dense=dense, concat=concat if _level == 0 else None)
    rnd = sc.random_pairs(src, tgt, f)
    model = sc.initial_model(f, src, tgt, rnd, params)
    pred = predecessors(bd, types)
    tx, ty = types.index((1, 0)), types.index((0, 1))

    def run() -> list[Span]:
        S = model.scores(f)
        extend = None
        if model.sim is not None:  # affine costs for runs of skips (the length-only model has priors)
            extend = np.stack([S[tx], S[ty]]).astype(np.float64) * params.gap_extend
        return dp(bd, types, S, pred, extend)[0]

    spans = run()
    for _ in range(em_iters):
        model = sc.refit(model, f, bd, spans, src, tgt, rnd)
        spans = run()
    log.debug("level %d: %d x %d, %d cells, sim=%s length=%s", _level, n, m, bd.ncells, model.sim, model.length)
    conf = []
    for s0, s1, t0, t1 in spans:
        c = int(bd.index(np.array([s1]), np.array([t1]))[0])
        conf.append(model.confidence(f, (s1 - s0, t1 - t0), c))
    return spans, conf


def _trivial(n: int, m: int) -> list[Span]:
    return [(i, i + 1, 0, 0) for i in range(n)] + [(n, n, j, j + 1) for j in range(m)]


def spans_to_links(spans: Sequence[Span], confidences: Sequence[float]) -> list[Link]:
    return [
        Link(tuple(range(s0, s1)), tuple(range(t0, t1)), float(min(1.0, max(0.0, c))))
        for (s0, s1, t0, t1), c in zip(spans, confidences, strict=False)
    ]


def score_params(cfg: AlignConfig, *, embeddings: bool) -> sc.ScoreParams:
    w = {k: float(v) for k, v in cfg.scorers.items()}
    if not embeddings:
        w["embedding"] = 0.0
    return sc.ScoreParams(
        weights=w,
        margin=cfg.margin,
        margin_k=cfg.margin_k,
        skip=cfg.skip,
        gap_extend=cfg.gap_extend,
    )


def build_sides(
    src: Sequence[str],
    tgt: Sequence[str],
    src_emb: np.ndarray | None,
    tgt_emb: np.ndarray | None,
    *,
    anchors: bool = True,
) -> tuple[sc.Side, sc.Side]:
    """Per-sentence features: lengths, embeddings centred per document, hashed anchor vectors."""
    ls, lt = sc.char_lengths(src), sc.char_lengths(tgt)
    es = sc.center(src_emb) if src_emb is not None else None
    et = sc.center(tgt_emb) if tgt_emb is not None else None
    as_ = at = None
    if anchors:
        a_src, a_tgt, weights = sc.document_anchors(src, tgt)
        as_, at = sc.anchor_vectors(a_src, weights), sc.anchor_vectors(a_tgt, weights)
    return sc.Side(ls, es, as_), sc.Side(lt, et, at)


def align_features(
    src: Sequence[str],
    tgt: Sequence[str],
    src_emb: np.ndarray | None,
    tgt_emb: np.ndarray | None,
    cfg: AlignConfig,
    *,
    concat: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    stats: SearchStats | None = None,
) -> list[Link]:
    """Align with given sentence embeddings (None: length and anchors only)."""
    t0 = time.perf_counter()
    params = score_params(cfg, embeddings=src_emb is not None and tgt_emb is not None)
    s_side, t_side = build_sides(src, tgt, src_emb, tgt_emb, anchors=params.weights.get("anchors", 0.0) > 0)
    types = bead_types(cfg.max_bead, cfg.max_side)
    spans, conf = search(
        s_side, t_side, types, params, band=cfg.band, dense_max_cells=cfg.dense_max_cells,
        em_iters=cfg.em_iters, concat=concat, stats=stats,
    )  # fmt: skip
    if stats is not None:
        stats.seconds += time.perf_counter() - t0
    return spans_to_links(spans, conf)
