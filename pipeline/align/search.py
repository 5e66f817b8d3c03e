"""Monotone bead search: dynamic programming over a band of anti-diagonals (pure numpy, no I/O).

Coordinates: a cell ``(i, j)`` is the point after ``i`` source and ``j`` target sentences; a bead of
type ``(a, b)`` ending at ``(i, j)`` covers source ``i-a .. i-1`` and target ``j-b .. j-1``. Cells are
stored by anti-diagonal ``k = i + j`` (as in Vecalign): diagonal ``k`` holds the cells
``lo[k] <= i <= hi[k]``. Every bead steps from a lower diagonal to a higher one, so the DP processes one
diagonal at a time, vectorised over the cells of the diagonal *and* the bead types; the cost is
``O(cells * types)`` with a few numpy calls per diagonal.

A dense band holds every cell (small documents). For large documents, :func:`band_around` builds a
band of fixed half-width around a path found at a coarser resolution (see :func:`downsample`), which
keeps time and memory linear in ``n + m``.

**Ties.** Two paths of equal score are told apart by one fixed rule, applied from the end of the documents
backwards: at each cell the path's last bead is

1. a match bead (both sides non-empty) before a 1-0 bead before a 0-1 bead;
2. among match beads, the type listed first by :func:`bead_types`: 1-1, then by source size, then by target
   size (1-2, 1-3, ..., 2-1, 2-2, ...);
3. a 1-0 or 0-1 bead that follows a match bead before one that continues a run of its own kind before one
   that follows the other kind.

So two 1-1 beads beat an equal 2-2 bead, a 1-1 bead beats a 1-0 and a 0-1 bead of the same total, and null
beads go as early as they can: a sentence repeated on one side with one counterpart on the other links its
*last* copy, the earlier copies get the 1-0 (0-1) beads. Bead scores are rounded to multiples of
:data:`SCORE_QUANTUM` before the search, so that every path score is an exact sum: paths made of the same bead
scores in another order tie exactly, and rounding noise of floating-point sums never decides between them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BeadType = tuple[int, int]
#: Bead scores are rounded to multiples of this before the search (2**-30: exact sums for path scores up to
#: 2**23 in magnitude; a change of at most 5e-10 per bead).
SCORE_QUANTUM = 2.0**-30
#: A bead found by the search: (src_start, src_end, tgt_start, tgt_end), ends exclusive.
Span = tuple[int, int, int, int]


def bead_types(max_bead: int = 5, max_side: int = 4) -> list[BeadType]:
    """All (a, b) with 1 <= a, b <= max_side and a + b <= max_bead, then 1-0 and 0-1; 1-1 first."""
    types: list[BeadType] = [(1, 1)]
    for a in range(1, max_side + 1):
        for b in range(1, max_side + 1):
            if (a, b) != (1, 1) and a + b <= max_bead:
                types.append((a, b))
    types += [(1, 0), (0, 1)]
    return types


@dataclass(frozen=True)
class Band:
    """The searched cells: on anti-diagonal ``k`` the cells with ``lo[k] <= i <= hi[k]``."""

    n: int
    m: int
    lo: np.ndarray  # (n+m+1,) int64
    hi: np.ndarray  # (n+m+1,) int64, inclusive
    base: np.ndarray  # (n+m+2,) int64, flat index of the first cell of each diagonal

    @property
    def ncells(self) -> int:
        return int(self.base[-1])

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat arrays (i, j) of all cells, diagonal by diagonal."""
        sizes = (self.hi - self.lo + 1).astype(np.int64)
        k = np.repeat(np.arange(self.n + self.m + 1, dtype=np.int64), sizes)
        i = np.arange(self.ncells, dtype=np.int64) - np.repeat(self.base[:-1], sizes) + np.repeat(self.lo, sizes)
        return i, k - i

    def index(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Flat index of cells (i, j); -1 where a cell is outside the band or the grid."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        k = i + j
        ok = (i >= 0) & (j >= 0) & (i <= self.n) & (j <= self.m)
        kc = np.where(ok, k, 0)
        ok &= (i >= self.lo[kc]) & (i <= self.hi[kc])
        return np.where(ok, self.base[kc] + i - self.lo[kc], -1)


def _make_band(n: int, m: int, lo: np.ndarray, hi: np.ndarray) -> Band:
    sizes = hi - lo + 1
    if np.any(sizes <= 0):
        raise ValueError("empty diagonal in band")
    base = np.zeros(n + m + 2, dtype=np.int64)
    np.cumsum(sizes, out=base[1:])
    return Band(n, m, lo.astype(np.int64), hi.astype(np.int64), base)


def _grid_limits(n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(n + m + 1, dtype=np.int64)
    return np.maximum(0, k - m), np.minimum(n, k)


def dense_band(n: int, m: int) -> Band:
    """Every cell of the (n+1) x (m+1) grid."""
    lo, hi = _grid_limits(n, m)
    return _make_band(n, m, lo, hi)


def band_around(n: int, m: int, centers: np.ndarray, width: int) -> Band:
    """Cells within ``width`` of ``centers[k]`` (the path's i on diagonal k), clipped to the grid."""
    glo, ghi = _grid_limits(n, m)
    c = np.clip(np.asarray(centers, dtype=np.int64), glo, ghi)
    lo = np.maximum(glo, c - width)
    hi = np.minimum(ghi, c + width)
    return _make_band(n, m, lo, hi)


def predecessors(band: Band, types: Sequence[BeadType]) -> np.ndarray:
    """(T, ncells) flat index of the cell each bead type starts from; -1 where not in the band."""
    i, j = band.cells()
    pred = np.empty((len(types), band.ncells), dtype=np.int64)
    for t, (a, b) in enumerate(types):
        pred[t] = band.index(i - a, j - b)
    return pred


def dp(
    band: Band,
    types: Sequence[BeadType],
    scores: np.ndarray,
    pred: np.ndarray | None = None,
    extend: np.ndarray | None = None,
) -> tuple[list[Span], list[float]]:
    """Best-scoring monotone bead sequence from (0, 0) to (n, m) inside ``band``.

    ``scores[t, c]`` is the score of a bead of type ``types[t]`` ending at cell ``c`` (flat band
    index); -inf forbids it. ``extend`` (optional, shape (2, ncells)) gives the score of a 1-0 (row 0)
    or 0-1 (row 1) bead that *continues* a run of the same kind, so runs of insertions can cost less
    per sentence than isolated ones (affine gap costs, as in Gotoh's sequence alignment); without it a
    skip always costs its ``scores`` value. Returns the beads in order and their scores (rounded to
    :data:`SCORE_QUANTUM`). Equal-scoring paths: the module's tie rule.
    """
    D, best, best_state, BPt, BPs, pred, tx, ty = _forward(band, types, scores, pred, extend)
    end = int(band.ncells - 1)
    if not np.isfinite(best[end]):
        raise ValueError("no path through the band")  # cannot happen with 1-0 / 0-1 types and a connected band
    spans: list[Span] = []
    sc: list[float] = []
    c = end
    state = int(best_state[end])
    i, j = band.n, band.m
    while c != 0:
        t = int(BPt[c]) if state == 0 else (tx if state == 1 else ty)
        a, b = types[t]
        prev = int(pred[t, c])
        prev_state = int(BPs[state, c])
        spans.append((i - a, i, j - b, j))
        sc.append(float(D[state, c] - D[prev_state, prev]))
        i, j, c, state = i - a, j - b, prev, prev_state
    spans.reverse()
    sc.reverse()
    return spans, sc


def _forward(
    band: Band,
    types: Sequence[BeadType],
    scores: np.ndarray,
    pred: np.ndarray | None,
    extend: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """The forward pass of :func:`dp`: state scores, best score per cell, back pointers."""
    if pred is None:
        pred = predecessors(band, types)
    T, ncells = scores.shape
    if pred.shape != (T, ncells) or T != len(types):
        raise ValueError("scores / predecessors do not match the band and the bead types")
    S = np.where(pred >= 0, _quantize(scores), -np.inf)
    P = np.where(pred >= 0, pred, ncells)
    tx = types.index((1, 0)) if (1, 0) in types else -1
    ty = types.index((0, 1)) if (0, 1) in types else -1
    tm = np.array([t for t, (a, b) in enumerate(types) if a and b], dtype=np.int64)
    if extend is None:
        E = np.stack([S[tx] if tx >= 0 else np.full(ncells, -np.inf), S[ty] if ty >= 0 else np.full(ncells, -np.inf)])
    else:
        E = np.where(
            np.stack(
                [
                    P[tx] < ncells if tx >= 0 else np.zeros(ncells, bool),
                    P[ty] < ncells if ty >= 0 else np.zeros(ncells, bool),
                ]
            ),
            _quantize(extend),
            -np.inf,
        )
    # states: 0 after a match bead (or at the start), 1 after a 1-0 bead, 2 after a 0-1 bead. Ties (the module's
    # rule): argmax takes the first of equal values, so the order of ``tm``, of the rows of ``c3`` and of the
    # states is the rule's order.
    D = np.full((3, ncells + 1), -np.inf, dtype=np.float64)  # column ncells: -inf sentinel for pred -1
    best = np.full(ncells + 1, -np.inf, dtype=np.float64)  # max over states
    best_state = np.zeros(ncells + 1, dtype=np.int8)
    BPt = np.zeros(ncells, dtype=np.int8)  # match type of state 0
    BPs = np.zeros((3, ncells), dtype=np.int8)  # previous state of each state
    D[0, 0] = best[0] = 0.0
    base = band.base
    Sm = S[tm]
    Pm = P[tm]
    for k in range(1, band.n + band.m + 1):
        c0, c1 = int(base[k]), int(base[k + 1])
        w = c1 - c0
        ar = np.arange(w)
        if tm.size:
            cand = best[Pm[:, c0:c1]] + Sm[:, c0:c1]
            bt = cand.argmax(axis=0)
            D[0, c0:c1] = cand[bt, ar]
            BPt[c0:c1] = tm[bt]
            BPs[0, c0:c1] = best_state[Pm[bt, c0 + ar]]
        for st, t in ((1, tx), (2, ty)):
            if t < 0:
                continue
            p = P[t, c0:c1]
            other = 3 - st  # the other skip state
            c3 = np.stack([D[0, p] + S[t, c0:c1], D[st, p] + E[st - 1, c0:c1], D[other, p] + S[t, c0:c1]])
            bs = c3.argmax(axis=0)
            D[st, c0:c1] = c3[bs, ar]
            BPs[st, c0:c1] = np.array([0, st, other], dtype=np.int8)[bs]
        blk = D[:, c0:c1]
        best_state[c0:c1] = blk.argmax(axis=0)
        best[c0:c1] = blk[best_state[c0:c1], ar]
    return D, best, best_state, BPt, BPs, pred, tx, ty


def _quantize(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to multiples of :data:`SCORE_QUANTUM` (infinities kept): sums of these are exact."""
    with np.errstate(invalid="ignore"):
        return np.round(np.asarray(x, dtype=np.float64) / SCORE_QUANTUM) * SCORE_QUANTUM


def max_marginals(
    band: Band,
    types: Sequence[BeadType],
    scores: np.ndarray,
    pred: np.ndarray | None = None,
    extend: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Score of the best path through each bead, and of the best path overall.

    ``out[t, c]``: the best score of a path from (0, 0) to (n, m) that uses a bead of type ``types[t]``
    ending at cell ``c`` (-inf where there is none): forward best into the bead's start + the bead +
    the best completion from its end (a forward pass over the reversed documents: reversing the grid
    reverses the flat cell order). The states of the affine skip costs are not carried across the
    bead, so values are exact up to the cheaper continuation of a skip run at either end.
    """
    if pred is None:
        pred = predecessors(band, types)
    T, ncells = scores.shape
    _, fwd, *_ = _forward(band, types, scores, pred, extend)
    i, j = band.cells()
    rlo = band.n - band.hi[::-1]
    rhi = band.n - band.lo[::-1]
    rband = _make_band(band.n, band.m, rlo, rhi)
    # a bead of type t *starting* at cell c ends at end[t, c]; in the reversed grid it ends at ncells-1-c
    rs = np.full((T, ncells), -np.inf, dtype=np.float64)
    rext = None if extend is None else np.full((2, ncells), -np.inf, dtype=np.float64)
    for t, (a, b) in enumerate(types):
        e = band.index(i + a, j + b)
        ok = e >= 0
        v = np.full(ncells, -np.inf, dtype=np.float64)
        v[ok] = scores[t, e[ok]]
        rs[t] = v[::-1]
        if rext is not None and extend is not None and (a, b) in ((1, 0), (0, 1)):
            w = np.full(ncells, -np.inf, dtype=np.float64)
            w[ok] = extend[0 if a else 1, e[ok]]
            rext[0 if a else 1] = w[::-1]
    _, bwd_r, *_ = _forward(rband, types, rs, None, rext)
    bwd = bwd_r[:ncells][::-1]
    out = np.full((T, ncells), -np.inf, dtype=np.float64)
    q = _quantize(scores)  # as the passes saw them
    for t in range(T):
        p = pred[t]
        ok = p >= 0
        out[t, ok] = fwd[p[ok]] + q[t, ok] + bwd[ok]
    return out, float(fwd[ncells - 1])


def corners(
    spans: Sequence[Span], scale_src: float = 1.0, scale_tgt: float = 1.0, n: int = 0, m: int = 0
) -> list[tuple[int, int]]:
    """Corner points of a path (runs of 1-0/0-1 beads merged into one step), optionally scaled up.

    Scaled corners are rounded and clipped to (n, m); the last corner is (n, m).
    """
    pts: list[tuple[int, int]] = [(0, 0)]
    pending = False
    for s0, s1, t0, t1 in spans:
        is_skip = s0 == s1 or t0 == t1
        if not is_skip and pending:
            pts.append((s0, t0))
        pending = is_skip
        if not is_skip:
            pts.append((s1, t1))
    if pending and spans:
        last = spans[-1]
        pts.append((last[1], last[3]))
    out: list[tuple[int, int]] = []
    for x, y in pts:
        xs = min(n, int(round(x * scale_src))) if scale_src != 1.0 else x
        ys = min(m, int(round(y * scale_tgt))) if scale_tgt != 1.0 else y
        if not out or (xs, ys) != out[-1]:
            out.append((xs, ys))
    if scale_src != 1.0 or scale_tgt != 1.0:
        if out[-1] != (n, m):
            out.append((n, m))
    return out


def centers_from_corners(pts: Sequence[tuple[int, int]], n: int, m: int) -> np.ndarray:
    """i of a straight-line staircase through monotone corner points, on every diagonal 0..n+m."""
    cen = np.zeros(n + m + 1, dtype=np.int64)
    for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=False):
        dx, dy = x1 - x0, y1 - y0
        steps = dx + dy
        if steps <= 0:
            continue
        s = np.arange(1, steps + 1, dtype=np.float64)
        cen[x0 + y0 + 1 : x1 + y1 + 1] = x0 + np.floor(dx * s / steps + 0.5).astype(np.int64)
    return cen


def downsample(x: np.ndarray, factor: int = 2) -> np.ndarray:
    """Sum consecutive groups of ``factor`` rows (the last group may be smaller)."""
    n = x.shape[0]
    groups = -(-n // factor)
    pad = groups * factor - n
    if pad:
        x = np.concatenate([x, np.zeros((pad,) + x.shape[1:], dtype=x.dtype)])
    return x.reshape((groups, factor) + x.shape[1:]).sum(axis=1)
