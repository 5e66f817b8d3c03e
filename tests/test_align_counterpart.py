"""The counterpart test (``align.counterpart``): a sentence with no counterpart on the other side stays a 1-0 /
0-1 bead instead of merging into its neighbour, and true multi-sentence beads stay whole.

Constructed documents with given embeddings: target sentences are noisy copies of their sources (cosines
like a weak multilingual embedder), lengths carry no information, anchors are off, so the embedding
evidence alone decides."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.align.beads import SimCalibration
from pipeline.align.config import AlignConfig
from pipeline.align.hybrid import align_features

N, DIM, NOISE = 60, 64, 1.5


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _document(seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    src = _unit(rng.normal(size=(N, DIM)))
    tgt = _unit(src + NOISE * rng.normal(size=(N, DIM)) / np.sqrt(DIM))
    return src, tgt, rng


def _texts(rng: np.random.Generator, n: int, m: int) -> tuple[list[str], list[str]]:
    """Lengths drawn independently on both sides: the length model learns that they tell nothing."""
    return ["x" * int(v) for v in rng.integers(20, 80, n)], ["y" * int(v) for v in rng.integers(20, 80, m)]


def _align(src_e: np.ndarray, tgt_e: np.ndarray, texts: tuple[list[str], list[str]], counterpart: float) -> list:  # type: ignore[type-arg]
    cfg = AlignConfig(scorers={"anchors": 0.0}, counterpart=counterpart)
    links = align_features(texts[0], texts[1], src_e.astype(np.float32), tgt_e.astype(np.float32), cfg)
    return [(link.src_idx, link.tgt_idx) for link in links]


def _omission(at: int = 30) -> tuple[np.ndarray, np.ndarray, tuple[list[str], list[str]]]:
    """A source sentence on the same topic as its successor, whose translation the translator left out."""
    src, tgt, rng = _document()
    orphan = _unit(0.6 * src[at + 1] + rng.normal(size=DIM) / np.sqrt(DIM))
    src_e = np.vstack([src[:at], orphan[None], src[at:]])
    return src_e, tgt, _texts(rng, N + 1, N)


def test_an_omitted_sentence_merges_without_the_test_and_stays_alone_with_it() -> None:
    src_e, tgt_e, texts = _omission()
    without = _align(src_e, tgt_e, texts, 0.0)
    assert ((29, 30), (29,)) in without and ((30,), ()) not in without  # absorbed: the omission is hidden
    with_test = _align(src_e, tgt_e, texts, 1.0)
    assert ((30,), ()) in with_test and ((29,), (29,)) in with_test and ((31,), (30,)) in with_test
    assert sum(1 for s, t in with_test if not s or not t) == 1


def _addition(seed: int, at: int = 30) -> tuple[np.ndarray, np.ndarray, tuple[list[str], list[str]]]:
    """A target sentence on the same topic as its successor that has no source (the translator added it)."""
    src, tgt, rng = _document(seed)
    added = _unit(0.6 * tgt[at + 1] + rng.normal(size=DIM) / np.sqrt(DIM))
    return src, np.vstack([tgt[:at], added[None], tgt[at:]]), _texts(rng, N, N + 1)


def test_an_added_target_sentence_merges_without_the_test_and_stays_alone_with_it() -> None:
    src_e, tgt_e, texts = _addition(seed=4)
    without = _align(src_e, tgt_e, texts, 0.0)
    assert ((30,), (30, 31)) in without and ((), (30,)) not in without
    with_test = _align(src_e, tgt_e, texts, 1.0)
    assert ((), (30,)) in with_test and ((29,), (29,)) in with_test and ((30,), (31,)) in with_test


def test_over_twenty_documents_the_test_finds_most_omissions_and_additions() -> None:
    """Not one lucky document: seeds 20-39, an omission and an addition each (measured: 4 -> 14, 4 -> 17)."""
    found = {"omission": [0, 0], "addition": [0, 0]}
    for seed in range(20, 40):
        src, tgt, rng = _document(seed)
        orphan = _unit(0.6 * src[31] + rng.normal(size=DIM) / np.sqrt(DIM))
        cases = {
            "omission": (np.vstack([src[:30], orphan[None], src[30:]]), tgt, _texts(rng, N + 1, N), ((30,), ())),
            "addition": (*_addition(seed), ((), (30,))),
        }
        for kind, (s_e, t_e, texts, null) in cases.items():
            for k, weight in enumerate((0.0, 1.0)):
                found[kind][k] += null in _align(s_e, t_e, texts, weight)
    for without, with_test in found.values():
        assert with_test >= 12 and with_test >= without + 8, found


def test_true_multi_sentence_beads_stay_whole_with_the_test() -> None:
    """Target 20 translates sources 20 and 21 together; source 40 is translated as targets 39 and 40."""
    src, _, rng = _document(seed=5)
    tgt = [src[j] for j in range(20)] + [src[20] + src[21]] + [src[j] for j in range(22, 40)]
    half = rng.normal(size=DIM)
    tgt += [src[40] + half, src[40] - half] + [src[j] for j in range(41, N)]
    tgt_e = _unit(np.array(tgt) + NOISE * rng.normal(size=(len(tgt), DIM)) / np.sqrt(DIM))
    links = _align(src, tgt_e, _texts(rng, N, len(tgt)), 1.0)
    assert ((20, 21), (20,)) in links and ((40,), (39, 40)) in links
    assert all(s and t for s, t in links)  # no sentence left alone


def test_member_shortfall_is_the_random_pair_evidence_scaled_by_the_members_share() -> None:
    cal = SimCalibration(mu0=0.0, s0=0.1, mu1=0.5, s1=0.15)
    cov = np.array([0.0, 0.0, 0.0, 0.35, 0.5, -0.3])
    share = np.array([1.0, 0.7, 0.05, 0.7, 1.0, 1.0])
    out = cal.member_shortfall(cov, share)
    assert np.all(out <= 0.0)
    # a whole sentence covered like a random pair: log N(0; .5, .15) - log N(0; 0, .1) = log(2/3) - 5.56 nats
    assert out[0] == pytest.approx(np.log(0.1 / 0.15) - 0.5 * (0.5 / 0.15) ** 2, rel=1e-9)
    assert out[0] < out[1] < out[2] < 0.0 and out[2] > -0.1  # less content, weaker evidence; a fragment ~ 0
    assert out[3] == 0.0 and out[4] == 0.0  # covered as its share of a translation would be: no penalty
    assert out[5] == out[0]  # below random counts as random
    wider = SimCalibration(mu0=0.0, s0=0.1, mu1=0.5, s1=0.3).member_shortfall(cov, share)
    assert wider[0] > out[0]  # a document whose true members vary more tests them more leniently
