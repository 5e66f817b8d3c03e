"""mt_score from the decoding itself equals mt_score from generate(output_scores=True), beam and greedy."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import load_config
from pipeline.translate.hf import HFTranslator

# Different lengths in one batch (padding); the long ones run into max_new_tokens (the forced </s> step),
# the short ones end on their own.
TEXTS = [
    "Hi.",
    "Soldiers crossed the river at dawn and the town was quiet for the first time in weeks.",
    "The minister said the talks would resume.",
    "No.",
    "Prices rose again in March, the statistics office reported on Tuesday, citing fuel and food.",
    "A short one here.",
]


def _reference_scores(
    tr: HFTranslator, batch: list[list[int]], float64: bool = True, **kwargs: Any
) -> tuple[list[str], list[float]]:
    """The way mt_score was computed before: every step's scores kept by generate().

    Greedy: ``compute_transition_scores`` over the stored scores, in float64 unless ``float64=False``. In
    float32 (the code before) its log_softmax over the 61k-token vocabulary is off by up to ~1e-4 per step,
    more than the tolerance; the recorder computes it in float64.
    """
    import torch

    enc = tr.tokenizer.pad({"input_ids": batch}, return_tensors="pt")
    with torch.inference_mode():
        gen = tr.model.generate(
            **enc,
            num_beams=tr.cfg.num_beams,
            max_new_tokens=tr.cfg.max_new_tokens,
            do_sample=False,
            output_scores=True,
            return_dict_in_generate=True,
            **kwargs,
        )
    seq_scores = getattr(gen, "sequences_scores", None)
    if seq_scores is None:  # greedy: mean log-prob of the chosen tokens
        steps = tuple(s.double() for s in gen.scores) if float64 else gen.scores
        trans = tr.model.compute_transition_scores(gen.sequences, steps, normalize_logits=True)
        mask = torch.isfinite(trans) & (gen.sequences[:, 1:] != tr.model.config.pad_token_id)
        seq_scores = torch.where(mask, trans, torch.zeros_like(trans)).sum(1) / mask.sum(1).clamp(min=1)
    texts = tr.tokenizer.batch_decode(gen.sequences, skip_special_tokens=True)
    return [t.strip() for t in texts], [math.exp(min(0.0, float(s))) for s in seq_scores]


def _noisy_translator(model: Path, beams: int, max_new: int, seed: int, noise: float = 1.0) -> Any:
    """The copying model with noise on its weights: scores far from 1, beams that disagree, some long outputs."""
    import torch

    cfg = load_config(
        lang="uk",
        overrides=[
            f"translate.model={model}",
            f"translate.num_beams={beams}",
            f"translate.max_new_tokens={max_new}",
            "translate.max_length_factor=null",  # the reference below decodes unbounded, as the code before did
            "translate.cache=false",
        ],
    )
    tr = HFTranslator(cfg.translate, "uk")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in tr.model.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * noise * (p.std() if p.numel() > 1 else 1.0))
    return tr


@pytest.mark.parametrize("beams", [1, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_mt_score_equals_the_stored_scores_way(en_uk_model: Path, beams: int, seed: int) -> None:
    tr = _noisy_translator(en_uk_model, beams, max_new=14, seed=seed)
    batch = tr.encode(TEXTS)
    assert len({len(b) for b in batch}) > 3  # padded batch
    outputs, _ = tr._translate_ids(batch)
    texts, expected = _reference_scores(tr, batch)
    assert [o.text for o in outputs] == texts
    got = [o.score for o in outputs]
    assert got == pytest.approx(expected, abs=1e-5), (got, expected)
    assert len({round(s, 3) for s in expected}) > 2  # the values differ: the test compares something
    assert any(s < 0.9 for s in expected)


def test_mt_score_with_min_new_tokens_and_outputs_that_end_on_their_own(en_uk_model: Path) -> None:
    """Processors that move the </s> step (min_new_tokens) and outputs well short of max_new_tokens."""
    for beams in (1, 3):
        tr = _noisy_translator(en_uk_model, beams, max_new=40, seed=2)
        batch = tr.encode(TEXTS)
        tr.min_new_tokens = 5
        outputs, _ = tr._translate_ids(batch)
        _, expected = _reference_scores(tr, batch, min_new_tokens=5)
        assert [o.score for o in outputs] == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("beams", [1, 4])
def test_mt_score_when_outputs_end_at_different_steps(en_uk_model: Path, beams: int) -> None:
    """One output ends early (</s>, then pad for greedy), the others run to max_new_tokens."""
    tr = _noisy_translator(en_uk_model, beams, max_new=40, seed=3, noise=0.8)
    batch = tr.encode(TEXTS)
    outputs, n_tokens = tr._translate_ids(batch)
    _, expected = _reference_scores(tr, batch)
    assert n_tokens < 40 * len(TEXTS) - 10  # some output ended well before the others
    assert [o.score for o in outputs] == pytest.approx(expected, abs=1e-5)


def test_greedy_mt_score_is_within_the_float32_rounding_of_the_code_before(en_uk_model: Path) -> None:
    tr = _noisy_translator(en_uk_model, 1, max_new=14, seed=1)
    batch = tr.encode(TEXTS)
    outputs, _ = tr._translate_ids(batch)
    _, before = _reference_scores(tr, batch, float64=False)
    assert [o.score for o in outputs] == pytest.approx(before, abs=2e-4)


def test_generate_is_not_asked_to_keep_the_scores(en_uk_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tr = _noisy_translator(en_uk_model, 2, max_new=8, seed=0)
    seen: list[dict[str, Any]] = []
    real = tr.model.generate

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(tr.model, "generate", spy)
    tr._translate_ids(tr.encode(TEXTS[:2]))
    assert seen and not seen[0].get("output_scores") and not seen[0].get("output_logits")
