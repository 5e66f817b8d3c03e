"""Bead scorers: evidence that a span of source sentences and a span of target sentences are translations.

Raw evidence is computed for every bead type ending at every cell of the search band
(:func:`band_features`), then turned into bead scores by a :class:`BeadModel` whose parameters are
estimated from the two documents themselves (:func:`initial_model`, :func:`refit`):

* ``embedding``: cosine of the normalised sums of the member sentence embeddings, computed exactly
  from sentence-level similarities (:func:`block_cosines`: a multi-sentence bead needs no extra
  embedding). Embeddings are centred per document first (removes the component shared by all
  sentences of a language/model, which makes random pairs of e5 sentences look 0.8-similar).
  Optional: a kNN margin (LASER-style hubness correction) or embeddings of joined sentences.
* ``length``: character lengths (whitespace excluded) with the target/source ratio of the documents;
  a Gale-Church log-likelihood ratio (aligned vs random pairs, the variance re-estimated from the
  documents, so length counts for as much as it tells in this pair of languages and texts).
* ``anchors``: numbers, URLs, tokens occurring in both documents, punctuation classes; IDF-weighted,
  hashed, compared by cosine and turned into a log-likelihood ratio (aligned vs random pairs).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.align.search import Band, BeadType

# --------------------------------------------------------------------------- per-sentence features


@dataclass
class Side:
    """Per-sentence features of one document, at one resolution."""

    lengths: np.ndarray  # (n,) float64, characters without whitespace (>= 1)
    emb: np.ndarray | None = None  # (n, d) float32, centred and L2-normalised, or None
    anc: np.ndarray | None = None  # (n, h) float32 hashed anchor vectors, or None (coarse levels)

    @property
    def n(self) -> int:
        return int(self.lengths.shape[0])


def char_lengths(texts: Sequence[str]) -> np.ndarray:
    """Characters without whitespace, at least 1 (so ratios are defined)."""
    return np.array([max(1, sum(1 for ch in t if not ch.isspace())) for t in texts], dtype=np.float64)


def center(emb: np.ndarray) -> np.ndarray:
    """Subtract the document's mean embedding and renormalise (a no-op for isotropic embeddings)."""
    if emb.shape[0] < 2:
        return emb
    x = emb.astype(np.float32) - emb.mean(axis=0, dtype=np.float64).astype(np.float32)
    nrm = np.linalg.norm(x, axis=1, keepdims=True)
    nrm[nrm < 1e-6] = 1.0
    return (x / nrm).astype(np.float32)


def coarsen(side: Side, factor: int = 2) -> Side:
    """The same document with groups of ``factor`` consecutive sentences merged (for coarse search)."""
    from pipeline.align.search import downsample

    emb = None
    if side.emb is not None:
        e = downsample(side.emb, factor)
        nrm = np.linalg.norm(e, axis=1, keepdims=True)
        nrm[nrm < 1e-6] = 1.0
        emb = (e / nrm).astype(np.float32)
    return Side(lengths=downsample(side.lengths, factor), emb=emb, anc=None)


# --------------------------------------------------------------------------- anchors

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.]+\b", re.IGNORECASE)
_NUM = re.compile(r"\d+(?:[.,'\u2009\u202f ]\d{3})*(?:[.,]\d+)?")
_WORD = re.compile(r"\w+")

#: sentence punctuation classes, language-neutral (full-width and typographic variants included)
_PUNCT_CLASSES = {
    "?": "?",
    "？": "?",
    "¿": "?",
    ";": "?" if False else ";",
    "!": "!",
    "！": "!",
    "¡": "!",
    ":": ":",
    "：": ":",
    "(": "(",
    "（": "(",
    "[": "(",
    "【": "(",
    "…": "…",
    "%": "%",
    "％": "%",
}


def _digits(s: str) -> str:
    return "".join(str(unicodedata.digit(ch, 0)) if ch.isdigit() else ch for ch in s)


def sentence_anchors(text: str) -> Counter[str]:
    """Candidate anchors of one sentence: numbers, URLs, words (filtered later by document), punctuation."""
    out: Counter[str] = Counter()
    t = _digits(text)
    for u in _URL.findall(t):
        out["u:" + u.lower().rstrip(".,;)")] += 1
    t2 = _URL.sub(" ", t)
    for num in _NUM.findall(t2):
        v = re.sub(r"[.,'\u2009\u202f ](?=\d{3}\b)", "", num).replace(",", ".")
        out["n:" + v] += 1
    for w in _WORD.findall(t2):
        if not w.isdigit() and len(w) >= 2:
            out["w:" + w.lower()] += 1
    for ch in t2:
        cls = _PUNCT_CLASSES.get(ch)
        if cls is not None and cls != ";":
            out["p:" + cls] += 1
    opens, closes = quote_sides(t2)
    if opens:
        out['p:"<'] = 1
    if closes:
        out['p:">'] = 1
    return out


_QUOTES = "\"'“”„«»‘’「」『』"
_OPEN_AFTER = set(" \t([{—–-:：，,、")
_CLOSE_BEFORE = set(".,!?;:…—-)。？！，；：")


def quote_sides(text: str) -> tuple[bool, bool]:
    """Whether a sentence opens a quotation and whether it closes one.

    A speech of several sentences opens in its first and closes in its last, in both languages, so the
    two are separate anchors. Marks are told apart by position, not by shape, since the same mark opens
    in one language and closes in another (“ closes German „…“ and opens English “…”): a mark at the start
    or after a space, bracket, dash or colon and before text opens; one after text and before a space,
    punctuation or the end closes. 「」『』 are explicit; « » with spaces on both sides are French (« opens).
    A single ' or ’ counts only as a quote (British 'dialogue'), not as an apostrophe (don't, boys', '90s).
    """
    opens = closes = False
    n = len(text)
    for k, ch in enumerate(text):
        if ch not in _QUOTES:
            continue
        if ch in "「『":
            opens = True
            continue
        if ch in "」』":
            closes = True
            continue
        prev = text[k - 1] if k > 0 else " "
        nxt = text[k + 1] if k + 1 < n else " "
        if prev.isspace() and nxt.isspace() and ch in "\u00ab\u00bb":  # French spacing: « text »
            if ch == "\u00ab":
                opens = True
            else:
                closes = True
            continue
        if (prev in _OPEN_AFTER or prev in _QUOTES) and not nxt.isspace():
            if ch in "'’" and not (nxt.isalpha()):
                continue
            opens = True
        elif not prev.isspace() and (nxt.isspace() or nxt in _CLOSE_BEFORE or nxt in _QUOTES):
            if ch in "'’" and not (prev in _CLOSE_BEFORE or prev in _QUOTES):
                continue  # an apostrophe (boys') unless after end punctuation
            closes = True
    return opens, closes


def document_anchors(
    src: Sequence[str], tgt: Sequence[str]
) -> tuple[list[Counter[str]], list[Counter[str]], dict[str, float]]:
    """Anchors of both documents, keeping words only where the same word occurs in both documents.

    Returns the per-sentence anchor counters and an IDF-like weight per anchor
    (``log(1 + N / df)``, N = sentences of both documents), so frequent shared tokens count little.
    """
    a_src = [sentence_anchors(t) for t in src]
    a_tgt = [sentence_anchors(t) for t in tgt]
    df_src: Counter[str] = Counter()
    df_tgt: Counter[str] = Counter()
    for c in a_src:
        df_src.update(c.keys())
    for c in a_tgt:
        df_tgt.update(c.keys())
    shared = {k for k in df_src if k in df_tgt}
    keep = {k for k in shared if not k.startswith("w:")}  # numbers, urls, punctuation: kept if shared
    words = {k for k in shared if k.startswith("w:")}
    keep |= words
    for c in a_src + a_tgt:
        for k in [k for k in c if k not in keep and not k.startswith(("n:", "u:", "p:"))]:
            del c[k]
    N = len(src) + len(tgt)
    weights = {k: math.log(1.0 + N / (df_src.get(k, 0) + df_tgt.get(k, 0))) for k in set(df_src) | set(df_tgt)}
    return a_src, a_tgt, weights


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


# --------------------------------------------------------------------------- raw features over a band


@dataclass
class ScoreParams:
    """Scorer settings (see :class:`pipeline.align.config.AlignConfig` for their meaning)."""

    weights: dict[str, float] = field(default_factory=lambda: {"embedding": 1.0, "length": 1.0, "anchors": 1.0})
    margin: str = "none"
    margin_k: int = 4
    knn_window: int = 200
    skip: float = -0.3
    gap_extend: float = 1.0 / 3.0


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
    margin: str = "none"  # "neighbour": ``emb`` has the neighbour margin subtracted
    hub_s: np.ndarray | None = None  # kNN means per sentence (margin="knn")
    hub_t: np.ndarray | None = None


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
    sides are all-zero (where only one side is, nothing is shared: 0, as for :func:`random_pairs`).
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
        if concat is not None:
            for a, b in list(f.emb):
                if a <= n and b <= m and a < len(concat[0]) and b < len(concat[1]):
                    ii, jj = np.clip(i, a, n), np.clip(j, b, m)
                    f.emb[(a, b)] = _pair_cos(concat[0][a], concat[1][b], ii - a, jj - b)
                    if nb is not None:
                        nb[(a, b)] = _concat_neighbours(concat, src.emb, tgt.emb, a, b, ii, jj)
        if nb is not None:
            f.margin = "neighbour"
            for t, v in nb.items():
                f.emb[t] = f.emb[t] - v
        if params.margin == "knn":
            if dense:
                f.hub_s = knn_mean(src.emb, tgt.emb, params.margin_k)
                f.hub_t = knn_mean(tgt.emb, src.emb, params.margin_k)
            else:
                f.hub_s, f.hub_t = _windowed_hubs(band, src.emb, tgt.emb, params)
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


def _concat_neighbours(
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
        (_pair_cos(concat[0][a], te, xs, np.maximum(jj - b - 1, 0)), jj - b > 0),
        (_pair_cos(concat[0][a], te, xs, np.minimum(jj, m - 1)), jj < m),
        (_pair_cos(se, concat[1][b], np.maximum(ii - a - 1, 0), ys), ii - a > 0),
        (_pair_cos(se, concat[1][b], np.minimum(ii, n - 1), ys), ii < n),
    )


def _pair_cos(A: np.ndarray, B: np.ndarray, si: np.ndarray, tj: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Row-wise cosines of A[si] and B[tj] (rows L2-normalised), in chunks."""
    out = np.empty(si.shape[0], dtype=np.float64)
    for s in range(0, si.shape[0], chunk):
        out[s : s + chunk] = np.einsum("ij,ij->i", A[si[s : s + chunk]], B[tj[s : s + chunk]])
    return out


def _windowed_hubs(band: Band, se: np.ndarray, te: np.ndarray, params: ScoreParams) -> tuple[np.ndarray, np.ndarray]:
    """kNN means restricted to a window of the other document around the band (linear time)."""
    n, m = band.n, band.m
    i, j = band.cells()
    R = params.knn_window

    def centre(idx: np.ndarray, other: np.ndarray, size: int) -> np.ndarray:
        tot = np.zeros(size + 1, dtype=np.float64)
        cnt = np.zeros(size + 1, dtype=np.float64)
        np.add.at(tot, idx, other)
        np.add.at(cnt, idx, 1)
        return (tot / np.maximum(cnt, 1))[:size].astype(np.int64)

    jc, ic = centre(i, j, n), centre(j, i, m)
    return (
        knn_mean(se, te, params.margin_k, np.clip(jc - R, 0, m), np.clip(jc + R + 1, 0, m)),
        knn_mean(te, se, params.margin_k, np.clip(ic - R, 0, n), np.clip(ic + R + 1, 0, n)),
    )


# --------------------------------------------------------------------------- length model

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


# --------------------------------------------------------------------------- bead models


@dataclass
class SimCalibration:
    """Where the embedding similarity of random pairs (mu0, spread s0) and of aligned beads (mu1) lie."""

    mu0: float
    s0: float
    mu1: float

    def q(self, x: np.ndarray) -> np.ndarray:
        """Similarity rescaled so that random pairs score 0 and typical aligned beads 1."""
        return (x - self.mu0) / (self.mu1 - self.mu0)

    def q_per_nat(self) -> float:
        """How much q one nat of other evidence is worth: an aligned bead is (mu1-mu0)^2 / (2 s0^2) nats
        more likely than a random one under a Gaussian model of the similarity, and is worth q = 1."""
        return 2.0 * self.s0**2 / (self.mu1 - self.mu0) ** 2


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

    def bead_scores(self, f: BandFeatures, t: BeadType) -> np.ndarray:
        if self.sim is None:
            return self.log_prior[t] + self.evidence(f, t)
        if t[0] == 0 or t[1] == 0:
            return np.full(f.i.shape[0], self.skip, dtype=np.float64)
        s = self.weights.get("embedding", 1.0) * self.sim.q(f.emb[t])
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
    mu1 = float(np.median(aligned)) if aligned is not None and aligned.shape[0] >= 5 else mu0 + 4 * s0
    return SimCalibration(mu0, s0, max(mu1, mu0 + 2 * s0))


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
    model = BeadModel(dict(params.weights), base_log_priors(f.types), skip=params.skip)
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
    new = BeadModel(model.weights, lp, model.sim, model.length, model.anc, model.skip)

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


def anchor_vectors(anchors: Sequence[Counter[str]], weights: dict[str, float], dim: int = 512) -> np.ndarray:
    """Hashed, IDF-weighted anchor vectors (n, dim), L2-normalised; all-zero rows for no anchors."""
    out = np.zeros((len(anchors), dim), dtype=np.float32)
    for r, c in enumerate(anchors):
        for k, v in c.items():
            h = int.from_bytes(hashlib.blake2b(k.encode(), digest_size=4).digest(), "little") % dim
            out[r, h] += v * weights.get(k, 1.0)
    nrm = np.linalg.norm(out, axis=1, keepdims=True)
    nrm[nrm == 0] = 1.0
    return out / nrm
