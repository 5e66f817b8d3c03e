"""The baselines ``bench`` compares the pipeline's backends with (:mod:`pipeline.bench.translation`), and the
settings that decide what each system decodes (compared before any clock starts: :mod:`pipeline.bench.equal`)."""

from __future__ import annotations

from typing import Any

__all__ = ["backend_settings", "forced_settings", "naive_generate", "raw_ct2"]


def raw_ct2(translator: Any, source: list[list[str]], *, beams: int, out_tokens: int, budget: int) -> list[list[str]]:
    """System d: ``translate_batch`` on pre-tokenized input, batched by the token budget, ``beams`` wide,
    exactly ``out_tokens`` target tokens per sentence; the best hypothesis of each, as tokens."""
    res = translator.translate_batch(
        source,
        beam_size=beams,
        min_decoding_length=out_tokens,
        max_decoding_length=out_tokens,
        max_batch_size=budget,
        batch_type="tokens",
    )
    return [r.hypotheses[0] for r in res]


def naive_generate(
    model: Any, tok: Any, texts: list[str], *, beams: int, out_tokens: int, device: str
) -> tuple[int, list[str]]:
    """System a: ``generate()`` one sentence at a time, text to text, ``beams`` wide, exactly ``out_tokens`` new
    tokens; (target tokens, texts)."""
    import torch

    n, out = 0, []
    for text in texts:
        enc = tok([text], return_tensors="pt").to(device)
        with torch.inference_mode():
            gen = model.generate(
                **enc, num_beams=beams, max_new_tokens=out_tokens, min_new_tokens=out_tokens, do_sample=False
            )
        out += tok.batch_decode(gen, skip_special_tokens=True)
        n += int(gen.shape[1]) - 1
    return n, out


def backend_settings(tr: Any) -> dict[str, Any]:
    """The settings that decide what a pipeline backend decodes (compared against the other systems')."""
    return {
        "num_beams": tr.cfg.num_beams,
        "min_new_tokens": tr.min_new_tokens,
        "max_new_tokens": tr.cfg.max_new_tokens,
        "max_length_factor": tr.cfg.max_length_factor,
        "prefix": tr.prefix,
    }


def forced_settings(beams: int, out_tokens: int) -> dict[str, Any]:
    """The settings of a baseline called with ``beams`` and exactly ``out_tokens`` new tokens (no prefix, no
    length factor)."""
    return {
        "num_beams": beams,
        "min_new_tokens": out_tokens,
        "max_new_tokens": out_tokens,
        "max_length_factor": None,
        "prefix": None,
    }
