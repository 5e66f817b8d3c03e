"""The aligner's rule for equal-scoring alternatives (the module docstring of :mod:`pipeline.align.search`).

Each case builds bead scores under which two or more paths score the same and asserts the documented winner.
Bead scores are given by a small table: a 1-1 bead scores by the two sentences' labels (the same label on both
sides: a translation), every other bead type by its type.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from pipeline.align.search import SCORE_QUANTUM, Span, bead_types, dense_band, dp, max_marginals

TYPES = bead_types(max_bead=4, max_side=3)  # 1-1, 1-2, 1-3, 2-1, 2-2, 3-1, 1-0, 0-1
FORBIDDEN = -50.0


def scores(src: str, tgt: str, one_one: Mapping[str, float], others: Mapping[tuple[int, int], float]) -> np.ndarray:
    """Scores of every bead type at every cell: a 1-1 bead of two equal labels ``one_one[label]`` (else
    forbidden), another type ``others[type]`` (else forbidden)."""
    band = dense_band(len(src), len(tgt))
    i, j = band.cells()
    out = np.full((len(TYPES), band.ncells), FORBIDDEN)
    for t, bead in enumerate(TYPES):
        for c, (ii, jj) in enumerate(zip(i, j, strict=True)):
            if bead == (1, 1):
                if ii and jj and src[ii - 1] == tgt[jj - 1]:
                    out[t, c] = one_one.get(src[ii - 1], FORBIDDEN)
            else:
                out[t, c] = others.get(bead, FORBIDDEN)
    return out


def best_path(src: str, tgt: str, one_one: Mapping[str, float], others: Mapping[tuple[int, int], float]) -> list[Span]:
    spans, _ = dp(dense_band(len(src), len(tgt)), TYPES, scores(src, tgt, one_one, others))
    return spans


SKIP = {(1, 0): -0.3, (0, 1): -0.3}

# (id, source labels, target labels, 1-1 scores by label, other bead scores, the documented winner)
CASES = [
    # rule 2: two 1-1 beads (0.5 + 0.5) before one 2-2 bead (1.0)
    ("1-1+1-1 over 2-2", "AB", "AB", {"A": 0.5, "B": 0.5}, {(2, 2): 1.0, **SKIP}, [(0, 1, 0, 1), (1, 2, 1, 2)]),
    # rule 1: a 1-1 bead (0.5) before a 1-0 and a 0-1 bead (0.25 + 0.25)
    ("1-1 over 1-0+0-1", "A", "A", {"A": 0.5}, {(1, 0): 0.25, (0, 1): 0.25}, [(0, 1, 0, 1)]),
    # rule 1: a 1-0 bead ends the path before a 0-1 bead: 0-1 then 1-0
    ("0-1,1-0 over 1-0,0-1", "A", "B", {}, SKIP, [(0, 0, 0, 1), (0, 1, 1, 1)]),
    # rule 2: the last bead 1-2 before 2-1 (each after a null bead of the same score)
    (
        "1-2 over 2-1",
        "AB",
        "CD",
        {},
        {(1, 2): 1.0, (2, 1): 1.0, (1, 0): 0.0, (0, 1): 0.0},
        [(0, 1, 0, 0), (1, 2, 0, 2)],
    ),  # noqa: E501
    # rules 1 and 2: 0-1 then 1-1 (-0.3 + 1.0) over 1-1 then 0-1 and over one 1-2 bead (0.7)
    ("1-1 last over 1-2", "A", "XA", {"A": 1.0}, {(1, 2): 0.7, **SKIP}, [(0, 0, 0, 1), (0, 1, 1, 2)]),
    # rule 3: a 1-0 bead after a match bead (-0.6 - 0.3) before one continuing a run of 1-0 beads or one after a
    # 0-1 bead (-0.3 x 3); and rule 1: the 1-0 bead last before a 0-1 bead (1-0, 1-0, 0-1 scores the same)
    ("1-0 after a match first", "AB", "A", {"A": -0.6}, SKIP, [(0, 1, 0, 1), (1, 2, 1, 1)]),
    # a repeated source sentence with one counterpart: the last copy is linked, the first gets the 1-0 bead
    ("repeated source", "AA", "A", {"A": 1.0}, SKIP, [(0, 1, 0, 0), (1, 2, 0, 1)]),
    ("repeated target", "A", "AA", {"A": 1.0}, SKIP, [(0, 0, 0, 1), (0, 1, 1, 2)]),
    # three of five copies linked: the null beads go first
    (
        "five copies, three counterparts",
        "AAAAA",
        "AAA",
        {"A": 0.47},
        SKIP,
        [(0, 1, 0, 0), (1, 2, 0, 0), (2, 3, 0, 1), (3, 4, 1, 2), (4, 5, 2, 3)],
    ),
    # the same bead scores in another order: (0.3 + 0.47) - 0.3 and (0.3 - 0.3) + 0.47 differ in floating point
    # (0.47000000000000003 vs 0.47); rounded bead scores tie exactly, and the rule (null bead first) decides
    (
        "float noise does not decide",
        "BAA",
        "BA",
        {"A": 0.47, "B": 0.3},
        SKIP,
        [(0, 1, 0, 1), (1, 2, 1, 1), (2, 3, 1, 2)],
    ),
]

FIELDS = ("src", "tgt", "one_one", "others", "winner")


@pytest.mark.parametrize(FIELDS, [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_equal_scoring_alternatives_follow_the_documented_rule(
    src: str, tgt: str, one_one: dict[str, float], others: dict[tuple[int, int], float], winner: list[Span]
) -> None:
    assert best_path(src, tgt, one_one, others) == winner


@pytest.mark.parametrize(FIELDS, [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_cases_are_ties(
    src: str, tgt: str, one_one: dict[str, float], others: dict[tuple[int, int], float], winner: list[Span]
) -> None:
    """Each case is a tie: some other path through a bead the winner does not use scores as much (max-marginals)."""
    band = dense_band(len(src), len(tgt))
    mm, best = max_marginals(band, TYPES, scores(src, tgt, one_one, others))
    i, j = band.cells()
    used = {(s1 - s0, t1 - t0, s1, t1) for s0, s1, t0, t1 in winner}
    rivals = [
        (a, b, int(i[c]), int(j[c]))
        for t, (a, b) in enumerate(TYPES)
        for c in range(band.ncells)
        if mm[t, c] == best and (a, b, int(i[c]), int(j[c])) not in used
    ]
    assert rivals, "no other path scores as much: not a tie"


def test_bead_scores_are_rounded_to_the_quantum() -> None:
    """The search sees bead scores rounded to SCORE_QUANTUM (2**-30), so path scores are exact sums."""
    assert SCORE_QUANTUM == 2.0**-30
    s = scores("A", "A", {"A": 0.1}, SKIP)
    _, bead = dp(dense_band(1, 1), TYPES, s)
    assert bead == [round(0.1 / SCORE_QUANTUM) * SCORE_QUANTUM]
    assert abs(bead[0] - 0.1) <= SCORE_QUANTUM / 2
