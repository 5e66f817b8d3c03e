"""MarianMT through Hugging Face ``transformers``: tokenizer + ``generate()``, token-budget batches."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from pipeline.errors import ModelError, failure_reason
from pipeline.hub import hub_reachable
from pipeline.translate.base import Decoding, Output
from pipeline.translate.batching import BatchedTranslator
from pipeline.translate.config import TranslateConfig
from pipeline.translate.models import LANG_TOKENS, ModelFiles, offline_message
from pipeline.translate.tokenizer import load_tokenizer

log = logging.getLogger(__name__)

_LANG_TOKEN = re.compile(r"^>>[a-z]{2,3}(_[A-Za-z]+)?<<$")


def pick_device(requested: str) -> str:
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"device {requested} requested but CUDA is not available", "use --set translate.device=cpu")
    return requested


def target_prefix_for(vocab: dict[str, int], lang: str, configured: str | None, model: str) -> str | None:
    """The ``>>xxx<<`` token a multi-target model needs for ``lang`` (None for single-target models)."""
    lang_tokens = sorted(t for t in vocab if _LANG_TOKEN.match(t))
    if configured:
        if configured not in vocab:
            raise ModelError(
                f"target prefix {configured!r} is not a token of model {model}",
                f"use one of {', '.join(lang_tokens[:12]) or 'none (this model needs no prefix)'}",
            )
        return configured
    if not lang_tokens:
        return None
    wanted = f">>{LANG_TOKENS.get(lang, lang)}<<"
    if wanted not in vocab:
        raise ModelError(
            f"model {model} is multi-target and has no {wanted} token for language {lang}",
            f"choose a model for {lang}, or set translate.target_prefix to one of {', '.join(lang_tokens[:12])}",
        )
    return wanted


def load_marian_model(files: ModelFiles, revision: str | None) -> Any:
    """``MarianMTModel`` from the resolved folder, else from the hub (weights not yet in the cache)."""
    from transformers import MarianMTModel

    load_from = str(files.config.parent)
    try:
        return MarianMTModel.from_pretrained(load_from, local_files_only=True)
    except OSError as e:
        if files.is_local:
            raise ModelError(f"cannot load model weights from {load_from}: {e}", "re-save the model") from None
        if not hub_reachable():  # weights not cached: fail now rather than after the client's retries
            raise offline_message(files.model) from None
        try:
            return MarianMTModel.from_pretrained(files.model, revision=revision or "main")
        except OSError:
            raise offline_message(files.model) from None
    except Exception as e:  # noqa: BLE001 - safetensors, torch, JSON: a damaged or incomplete model folder
        raise ModelError(
            f"model {files.model} failed to load from {load_from} ({failure_reason(e)}) (translate.model, --model)",
            "its files are damaged or incomplete: download the model again (for a hub model, delete its folder "
            "in the Hugging Face cache) or pass another --model",
        ) from None


def check_sizes(tokenizer: Any, rows: int, model: str) -> None:
    """The tokenizer's ids must index the model's embedding matrix."""
    vocab = tokenizer.encoder
    top = max(vocab.values()) if vocab else 0
    if top >= rows:
        raise ModelError(
            f"tokenizer ids go up to {top} but model {model} has {rows} input embeddings",
            "the tokenizer files do not belong to this model",
        )


class HFTranslator(BatchedTranslator):
    """Translate with ``MarianMTModel.generate``; deterministic (no sampling)."""

    def __init__(self, cfg: TranslateConfig, lang: str) -> None:
        super().__init__()
        files = self._resolve_model(cfg, lang)  # before torch is imported: a missing model fails in ~1.5 s

        import torch
        import transformers

        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.device = pick_device(cfg.device)
        self.name = f"transformers-{transformers.__version__}"
        model = load_marian_model(files, cfg.revision)
        pad_id = model.config.pad_token_id
        if pad_id is None:
            raise ModelError(f"model {self.model_id} has no pad_token_id in its config", "fix its config.json")
        self.tokenizer, self.vocab_check = load_tokenizer(files.tokenizer, pad_id=pad_id, model=self.model_id)
        check_sizes(self.tokenizer, model.get_input_embeddings().weight.shape[0], self.model_id)
        self.prefix = target_prefix_for(self.tokenizer.get_vocab(), lang, cfg.target_prefix, self.model_id)
        self.model = model.to(self.device).eval()
        self.max_input_tokens = min(cfg.max_input_tokens, int(model.config.max_position_embeddings))
        self._skip = {pad_id, self.tokenizer.eos_token_id}

    # ------------------------------------------------------------------ internals

    def _translate_ids(self, batch: list[list[int]]) -> tuple[list[Output], int]:
        outs, n_tokens = self._generate(batch, None)
        return [o[0] for o in outs], n_tokens

    def _translate_nbest(self, batch: list[list[int]], decoding: Decoding) -> tuple[list[list[Output]], int]:
        return self._generate(batch, decoding)

    def _generate(self, batch: list[list[int]], decoding: Decoding | None) -> tuple[list[list[Output]], int]:
        """One ``generate()`` call: per input its outputs (one, or ``decoding.num_hypotheses`` with ``decoding``;
        the beam is then at least that wide), and the target tokens generated."""
        import torch
        from transformers import LogitsProcessorList

        from pipeline.translate.bounded import RowBudget
        from pipeline.translate.scores import BeamScores, GreedyScores, eos_ids

        returns = decoding.num_hypotheses if decoding is not None else 1
        beams = max(self.cfg.num_beams, returns)
        enc = self.tokenizer.pad({"input_ids": batch}, return_tensors="pt").to(self.device)
        budgets = [self.budget(ids) for ids in batch]
        ceiling = self.cfg.max_new_tokens
        processors: list[Any] = []
        if any(b < ceiling for b in budgets):  # bounded decoding: rows under the ceiling end at their own budget
            eos_id = self.tokenizer.eos_token_id
            processors.append(RowBudget([b if b < ceiling else None for b in budgets], beams, eos_id))
        extra: dict[str, Any] = {}
        if self.min_new_tokens:
            extra["min_new_tokens"] = self.min_new_tokens
        if decoding is not None:  # the repair ladder's and the alternatives' options
            extra["num_return_sequences"] = returns
            if decoding.no_repeat_ngram_size:
                extra["no_repeat_ngram_size"] = decoding.no_repeat_ngram_size
            if decoding.repetition_penalty != 1.0:
                extra["repetition_penalty"] = decoding.repetition_penalty
        gen_cfg = self.model.generation_config
        renormalize = gen_cfg.renormalize_logits is True  # as generate() reads it
        penalty = 1.0 if gen_cfg.length_penalty is None else float(gen_cfg.length_penalty)  # generate()'s default
        eos = eos_ids(gen_cfg) or eos_ids(self.model.config)
        # mt_score is read from the decoding itself (pipeline/translate/scores.py): output_scores=True would
        # keep every step's full-vocabulary scores for every beam (gigabytes on long outputs)
        recorder: BeamScores | GreedyScores
        if beams > 1:
            recorder = BeamScores(beams, eos, renormalize, penalty)
        else:
            recorder = GreedyScores(renormalize)
        with torch.inference_mode():
            sequences = self.model.generate(
                **enc,
                num_beams=beams,
                max_new_tokens=max(budgets),
                do_sample=False,
                logits_processor=LogitsProcessorList([*processors, recorder]),  # the recorder sees the forced </s>
                **extra,
            )
        texts = self.tokenizer.batch_decode(sequences, skip_special_tokens=True)
        if isinstance(recorder, BeamScores):
            logp = recorder.finish(sequences, returns)
        else:
            logp = recorder.finish(sequences, self.model.config.pad_token_id)
        scores = [float(math.exp(min(0.0, s))) for s in logp]
        seqs = sequences[:, 1:].tolist()  # without the decoder start token
        n_tokens = sum(1 for row in seqs for t in row if t not in self._skip)
        outs = [Output(t.strip(), s) for t, s in zip(texts, scores, strict=True)]
        return [outs[i : i + returns] for i in range(0, len(outs), returns)], n_tokens
