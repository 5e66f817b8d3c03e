"""Embedding similarity of beads: centring, exact cosines of multi-sentence beads, margins.

Embeddings are centred per document first (:func:`center`: removes the component shared by all
sentences of a language/model, which makes random pairs of e5 sentences look 0.8-similar). The cosine
of a bead is that of the normalised sums of its member sentence embeddings, computed exactly from
sentence-level similarities (:func:`block_cosines`: a multi-sentence bead needs no extra embedding), or
from embeddings of joined sentences (:func:`pair_cos`). Margins correct for hubness: Bertalign's
neighbour margin (:func:`neighbour_mean`) or a LASER-style kNN margin (:func:`knn_mean`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.align.search import Band, BeadType


def center(emb: np.ndarray) -> np.ndarray:
    """Subtract the document's mean embedding and renormalise (a no-op for isotropic embeddings)."""
    if emb.shape[0] < 2:
        return emb
    x = emb.astype(np.float32) - emb.mean(axis=0, dtype=np.float64).astype(np.float32)
    nrm = np.linalg.norm(x, axis=1, keepdims=True)
    nrm[nrm < 1e-6] = 1.0
    return (x / nrm).astype(np.float32)


# --------------------------------------------------------------------------- block sums of similarities


@dataclass
class RowSims:
    """Sentence-level similarities near the band, as per-row prefix sums (ragged rows)."""

    rlo: np.ndarray  # (n,) first column kept for each source row
    off: np.ndarray  # (n,) offset of each row in ``cs``
    cs: np.ndarray  # prefix sums with a leading 0 per ... (see block())

    def block(self, i: np.ndarray, j: np.ndarray, a: int, b: int) -> np.ndarray:
        """Sum of s(r, c) over r in [i-a, i), c in [j-b, j), for cells with i >= a, j >= b."""
        total = np.zeros(i.shape[0], dtype=np.float64)
        for p in range(1, a + 1):
            r = i - p
            o = self.off[r] - self.rlo[r]
            top = self.cs.shape[0] - 1
            total += self.cs[np.clip(o + j, 0, top)] - self.cs[np.clip(o + j - b, 0, top)]
        return total


def _row_ranges(band: Band, max_side: int) -> tuple[np.ndarray, np.ndarray]:
    """For each source row r, the target columns any bead of the band may touch in that row."""
    n, m = band.n, band.m
    i, j = band.cells()
    jmin = np.full(n + 1, m + 1, dtype=np.int64)
    jmax = np.full(n + 1, -1, dtype=np.int64)
    np.minimum.at(jmin, i, j)
    np.maximum.at(jmax, i, j)
    rlo = np.full(n, m + 1, dtype=np.int64)
    rhi = np.full(n, -1, dtype=np.int64)
    # beads ending at (i, j) touch rows i-a .. i-1 and columns j-b .. j-1; their neighbours (for the
    # neighbour margin) row i, row i-a-1, column j and column j-b-1
    for p in range(0, max_side + 2):
        idx = np.arange(n) + p
        ok = idx <= n
        rlo[ok] = np.minimum(rlo[ok], jmin[idx[ok]] - max_side - 1)
        rhi[ok] = np.maximum(rhi[ok], jmax[idx[ok]])
    rlo = np.clip(rlo, 0, m)
    rhi = np.clip(rhi, -1, m - 1)
    rhi = np.maximum(rhi, rlo - 1)
    return rlo, rhi


def row_sims(band: Band, src: np.ndarray, tgt: np.ndarray, max_side: int, budget: int = 1 << 22) -> RowSims:
    """Cosines of all (source, target) sentence pairs any bead of the band needs."""
    n = band.n
    rlo, rhi = _row_ranges(band, max_side)
    width = rhi - rlo + 1
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(width + 1, out=off[1:])
    cs = np.zeros(int(off[-1]) + 1, dtype=np.float64)
    r0 = 0
    while r0 < n:
        # grow the chunk while the dense block stays within budget
        r1 = r0 + 1
        lo, hi = int(rlo[r0]), int(rhi[r0])
        while r1 < n:
            nlo, nhi = min(lo, int(rlo[r1])), max(hi, int(rhi[r1]))
            if (r1 + 1 - r0) * max(1, nhi - nlo + 1) > budget:
                break
            lo, hi, r1 = nlo, nhi, r1 + 1
        if hi >= lo:
            M = src[r0:r1] @ tgt[lo : hi + 1].T
            w = width[r0:r1]
            tot = int(w.sum())
            if tot:
                rows = np.repeat(np.arange(r1 - r0), w)
                starts = np.repeat(np.cumsum(w) - w, w)
                cols = np.arange(tot) - starts + np.repeat(rlo[r0:r1] - lo, w)
                vals = M[rows, cols].astype(np.float64)
                # place each row's values after its leading zero
                dest = np.repeat(off[r0:r1] + 1, w) + (np.arange(tot) - starts)
                cs[dest] = vals
        r0 = r1
    # prefix sums restart at each row: cumulative sum then subtract the row start
    c = np.cumsum(cs)
    starts_all = c[off[:-1]]
    cs_out = c - np.repeat(np.append(starts_all, c[-1]), np.diff(np.append(off, len(c))))
    return RowSims(rlo=rlo, off=off[:-1], cs=cs_out)


def span_norms(emb: np.ndarray, max_side: int) -> list[np.ndarray]:
    """``out[a][s]`` = squared norm of the sum of rows s .. s+a-1 (a = 0..max_side; rows past the end: 0)."""
    n = emb.shape[0]
    G = np.zeros((n + max_side, max_side), dtype=np.float64)  # G[s, d] = e_s . e_{s+d}
    for d in range(max_side):
        if n - d > 0:
            G[: n - d, d] = np.einsum("ij,ij->i", emb[: n - d], emb[d:], dtype=np.float64)
    out = [np.zeros(n + 1, dtype=np.float64)]
    for a in range(1, max_side + 1):
        tot = np.zeros(n + 1, dtype=np.float64)
        for p in range(a):
            tot[: n + 1] += G[p : p + n + 1, 0]
            for q in range(p + 1, a):
                tot[: n + 1] += 2 * G[p : p + n + 1, q - p]
        out.append(tot)
    return out


# --------------------------------------------------------------------------- margins


def knn_mean(
    A: np.ndarray,
    B: np.ndarray,
    k: int,
    lo: np.ndarray | None = None,
    hi: np.ndarray | None = None,
    budget: int = 1 << 21,
) -> np.ndarray:
    """Mean cosine of each row of A with its k most similar rows of B (optionally only B[lo[r]:hi[r]]).

    Rows are processed in chunks whose similarity block stays under ``budget`` entries (bounded memory).
    """
    n, m = A.shape[0], B.shape[0]
    out = np.zeros(n, dtype=np.float64)
    if n == 0 or m == 0:
        return out
    if lo is None or hi is None:
        lo = np.zeros(n, dtype=np.int64)
        hi = np.full(n, m, dtype=np.int64)
    r0 = 0
    while r0 < n:
        r1, c0, c1 = r0 + 1, int(lo[r0]), int(hi[r0])
        while r1 < n:
            n0, n1 = min(c0, int(lo[r1])), max(c1, int(hi[r1]))
            if (r1 + 1 - r0) * max(1, n1 - n0) > budget:
                break
            c0, c1, r1 = n0, n1, r1 + 1
        if c1 > c0:
            M = A[r0:r1] @ B[c0:c1].T
            cols = np.arange(c0, c1)
            mask = (cols[None, :] < lo[r0:r1, None]) | (cols[None, :] >= hi[r0:r1, None])
            M[mask] = -np.inf
            kk = min(k, c1 - c0)
            top = -np.partition(-M, kk - 1, axis=1)[:, :kk]
            fin = np.isfinite(top)
            cnt = fin.sum(axis=1)
            out[r0:r1] = np.where(cnt > 0, np.where(fin, top, 0.0).sum(axis=1) / np.maximum(cnt, 1), 0.0)
        r0 = r1
    return out


# --------------------------------------------------------------------------- bead cosines


def block_cosines(
    band: Band,
    types: Sequence[BeadType],
    X: np.ndarray,
    Y: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    empty: float = 0.0,
    neighbours: dict[BeadType, np.ndarray] | None = None,
) -> dict[BeadType, np.ndarray]:
    """Cosine of the sums of the rows of X and Y covered by each bead type ending at each cell.

    Exact, from sentence-level similarities: ``cos(sum X_I, sum Y_J) = sum_{I x J} x.y / (|sum X_I| |sum Y_J|)``,
    so a multi-sentence bead costs a few lookups instead of an embedding. ``empty``: value where both
    sides are all-zero (where only one side is, nothing is shared: 0, as for
    :func:`pipeline.align.beads.random_pairs`).
    ``neighbours``: if given, filled with the neighbour margin term of each bead type
    (:func:`neighbour_mean`), from the same sentence similarities.
    """
    n, m = band.n, band.m
    max_side = max(max(a, b) for a, b in types)
    rs = row_sims(band, X, Y, max_side)
    ns = span_norms(X, max_side)
    nt = span_norms(Y, max_side)
    out: dict[BeadType, np.ndarray] = {}
    nb: dict[BeadType, np.ndarray] = {}
    for a, b in types:
        if a == 0 or b == 0:
            continue
        if a > n or b > m:
            out[(a, b)] = np.zeros(i.shape[0], dtype=np.float64)
            nb[(a, b)] = np.zeros(i.shape[0], dtype=np.float64)
            continue
        ii = np.clip(i, a, n)
        jj = np.clip(j, b, m)
        num = rs.block(ii, jj, a, b)
        dx, dy = np.sqrt(ns[a][ii - a]), np.sqrt(nt[b][jj - b])
        den = dx * dy
        # one side empty (e.g. anchors on one side only): nothing shared, cosine 0; both empty: ``empty``
        out[(a, b)] = np.where(den > 1e-9, num / np.maximum(den, 1e-9), np.where((dx > 1e-9) | (dy > 1e-9), 0.0, empty))
        if neighbours is not None:
            # the source side against the target sentences just before and after the bead, and the
            # target side against the source sentences around it (rows of X and Y are unit vectors)
            t_left = rs.block(ii, jj - b, a, 1) / np.maximum(dx, 1e-9)
            t_right = rs.block(ii, np.minimum(jj + 1, m), a, 1) / np.maximum(dx, 1e-9)
            s_left = rs.block(ii - a, jj, 1, b) / np.maximum(dy, 1e-9)
            s_right = rs.block(np.minimum(ii + 1, n), jj, 1, b) / np.maximum(dy, 1e-9)
            nb[(a, b)] = neighbour_mean(
                (t_left, jj - b > 0), (t_right, jj < m), (s_left, ii - a > 0), (s_right, ii < n)
            )
    if neighbours is not None:
        neighbours.update(nb)
    return out


#: (coverage of a member sentence by the other side of its bead, the member's share of its side's content)
#: -> evidence (nats) that the member has a counterpart there
MemberLLR = Callable[[np.ndarray, np.ndarray], np.ndarray]


def member_evidence(
    band: Band,
    types: Sequence[BeadType],
    X: np.ndarray,
    Y: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    lengths: tuple[np.ndarray, np.ndarray],
    llr: MemberLLR,
) -> dict[BeadType, np.ndarray]:
    """For each bead type with a side of several sentences: the evidence of its weakest member sentence.

    A member r of a side A is covered by the other side B as ``cos(e_r, sum B)`` (exact from sentence
    similarities). In a true bead that is about the bead's similarity scaled by r's share of A's content,
    ``sqrt(len_r / len_A)`` (characters): a short fragment ("he said.") carries little of the bead and is
    tested weakly, a whole sentence strongly. A sentence without a counterpart (an omission absorbed into
    a neighbouring bead) is covered only like a random pair. ``llr(coverage, share)`` turns that into
    nats; sides of one sentence are not tested (their coverage is the bead's own similarity).
    """
    n, m = band.n, band.m
    max_side = max(max(a, b) for a, b in types)
    rs = row_sims(band, X, Y, max_side)
    ns, nt = span_norms(X, max_side), span_norms(Y, max_side)
    cl = (np.concatenate([[0.0], np.cumsum(lengths[0])]), np.concatenate([[0.0], np.cumsum(lengths[1])]))
    out: dict[BeadType, np.ndarray] = {}
    for a, b in types:
        if a == 0 or b == 0 or (a < 2 and b < 2) or a > n or b > m:
            continue
        ii, jj = np.clip(i, a, n), np.clip(j, b, m)
        dx, dy = np.sqrt(ns[a][ii - a]), np.sqrt(nt[b][jj - b])
        worst = np.zeros(ii.shape[0])
        for side, k in ((0, a), (1, b)):
            if k < 2:
                continue
            end = ii if side == 0 else jj
            total = np.maximum(cl[side][end] - cl[side][end - k], 1.0)
            for p in range(k):
                r = end - k + p
                if side == 0:
                    cov = rs.block(r + 1, jj, 1, b) / np.maximum(dy, 1e-9)
                else:
                    cov = rs.block(ii, r + 1, a, 1) / np.maximum(dx, 1e-9)
                share = np.sqrt((cl[side][r + 1] - cl[side][r]) / total)
                worst = np.minimum(worst, llr(cov, share))
        out[(a, b)] = worst
    return out


def neighbour_mean(*parts: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Bertalign's neighbour margin term from (similarities, exists) pairs ``(t_left, t_right, s_left, s_right)``:
    the mean of each side's similarity to the other document's sentences next to the bead, averaged over
    the two sides (a side with one neighbour uses that one; with none, 0)."""
    halves = []
    for (left, lok), (right, rok) in (parts[:2], parts[2:]):
        cnt = lok.astype(np.float64) + rok.astype(np.float64)
        tot = np.where(lok, left, 0.0) + np.where(rok, right, 0.0)
        halves.append(tot / np.maximum(cnt, 1.0))
    return 0.5 * (halves[0] + halves[1])


def concat_neighbours(
    concat: tuple[Sequence[np.ndarray], Sequence[np.ndarray]],
    se: np.ndarray,
    te: np.ndarray,
    a: int,
    b: int,
    ii: np.ndarray,
    jj: np.ndarray,
) -> np.ndarray:
    """Neighbour margin term (:func:`neighbour_mean`) of beads whose sides are embeddings of joined text."""
    n, m = se.shape[0], te.shape[0]
    xs, ys = ii - a, jj - b  # first row of each side's run in concat[.][a] / concat[.][b]
    return neighbour_mean(
        (pair_cos(concat[0][a], te, xs, np.maximum(jj - b - 1, 0)), jj - b > 0),
        (pair_cos(concat[0][a], te, xs, np.minimum(jj, m - 1)), jj < m),
        (pair_cos(se, concat[1][b], np.maximum(ii - a - 1, 0), ys), ii - a > 0),
        (pair_cos(se, concat[1][b], np.minimum(ii, n - 1), ys), ii < n),
    )


def pair_cos(A: np.ndarray, B: np.ndarray, si: np.ndarray, tj: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Row-wise cosines of A[si] and B[tj] (rows L2-normalised), in chunks."""
    out = np.empty(si.shape[0], dtype=np.float64)
    for s in range(0, si.shape[0], chunk):
        out[s : s + chunk] = np.einsum("ij,ij->i", A[si[s : s + chunk]], B[tj[s : s + chunk]])
    return out


def windowed_hubs(band: Band, se: np.ndarray, te: np.ndarray, k: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """kNN means (:func:`knn_mean`, ``k`` neighbours) restricted to a window of the other document around the
    band, ``window`` sentences either side (linear time)."""
    n, m = band.n, band.m
    i, j = band.cells()
    R = window

    def centre(idx: np.ndarray, other: np.ndarray, size: int) -> np.ndarray:
        tot = np.zeros(size + 1, dtype=np.float64)
        cnt = np.zeros(size + 1, dtype=np.float64)
        np.add.at(tot, idx, other)
        np.add.at(cnt, idx, 1)
        return (tot / np.maximum(cnt, 1))[:size].astype(np.int64)

    jc, ic = centre(i, j, n), centre(j, i, m)
    return (
        knn_mean(se, te, k, np.clip(jc - R, 0, m), np.clip(jc + R + 1, 0, m)),
        knn_mean(te, se, k, np.clip(ic - R, 0, n), np.clip(ic + R + 1, 0, n)),
    )
