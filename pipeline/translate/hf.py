"""MarianMT through Hugging Face ``transformers``: tokenizer + ``generate()``, batched and sorted."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import Any

from pipeline.config import TranslateConfig
from pipeline.errors import ModelError
from pipeline.translate import Output
from pipeline.translate.models import LANG_TOKENS, offline_message, resolve_files
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


class HFTranslator:
    """Translate with ``MarianMTModel.generate``; deterministic (no sampling)."""

    def __init__(self, cfg: TranslateConfig, lang: str) -> None:
        import torch
        import transformers
        from transformers import MarianMTModel

        self.cfg = cfg
        if not cfg.model:
            raise ModelError(f"no translation model configured for {lang}", "pass --model ID_OR_DIR")
        self.model_id: str = cfg.model
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        files = resolve_files(self.model_id, cfg.revision)
        self.model_revision = files.revision
        self.device = pick_device(cfg.device)
        self.name = f"transformers-{transformers.__version__}"
        load_from = str(files.config.parent)
        try:
            model: Any = MarianMTModel.from_pretrained(load_from, local_files_only=True)
        except OSError as e:
            if files.is_local:
                raise ModelError(f"cannot load model weights from {load_from}: {e}", "re-save the model") from None
            model = self._load_remote(cfg)
        except (ValueError, RuntimeError) as e:
            raise ModelError(
                f"model {self.model_id} failed to load: {str(e).splitlines()[0]}", "check the model files"
            ) from None
        pad_id = model.config.pad_token_id
        if pad_id is None:
            raise ModelError(f"model {self.model_id} has no pad_token_id in its config", "fix its config.json")
        self.tokenizer, self.vocab_check = load_tokenizer(files.tokenizer, pad_id=pad_id, model=self.model_id)
        self._check_sizes(model)
        self.prefix = target_prefix_for(self.tokenizer.get_vocab(), lang, cfg.target_prefix, self.model_id)
        self.model = model.to(self.device).eval()
        self.max_input_tokens = min(cfg.max_input_tokens, int(model.config.max_position_embeddings))

    def _load_remote(self, cfg: TranslateConfig) -> Any:
        from transformers import MarianMTModel

        try:
            return MarianMTModel.from_pretrained(self.model_id, revision=cfg.revision or "main")
        except OSError:
            raise offline_message(self.model_id) from None

    def _check_sizes(self, model: Any) -> None:
        enc_rows = model.get_input_embeddings().weight.shape[0]
        vocab = self.tokenizer.encoder
        top = max(vocab.values()) if vocab else 0
        if top >= enc_rows:
            raise ModelError(
                f"tokenizer ids go up to {top} but model {self.model_id} has {enc_rows} input embeddings",
                "the tokenizer files do not belong to this model",
            )

    # ------------------------------------------------------------------ public API

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]]

    def translate(self, texts: Sequence[str]) -> list[Output]:
        """Translate ``texts``; results come back in input order."""
        if not texts:
            return []
        inputs = [f"{self.prefix} {t}" if self.prefix else t for t in texts]
        pieces, owners = self._split_long(inputs)
        lengths = self.count_tokens(pieces)
        order = sorted(range(len(pieces)), key=lambda i: -lengths[i])
        results: list[Output | None] = [None] * len(pieces)
        bs = self.cfg.batch_size
        for start in range(0, len(order), bs):
            idx = order[start : start + bs]
            for i, out in zip(idx, self._generate([pieces[i] for i in idx]), strict=True):
                results[i] = out
        return self._rejoin(results, owners, len(texts))

    # ------------------------------------------------------------------ internals

    def _split_long(self, inputs: list[str]) -> tuple[list[str], list[int]]:
        """Split inputs over the model's token limit at word boundaries (never truncate)."""
        pieces: list[str] = []
        owners: list[int] = []
        limit = self.max_input_tokens - 2
        for n, (text, length) in enumerate(zip(inputs, self.count_tokens(inputs), strict=True)):
            if length <= limit:
                pieces.append(text)
                owners.append(n)
                continue
            log.warning("input %d has %d tokens (limit %d): translating it in parts", n, length, limit)
            prefix = f"{self.prefix} " if self.prefix else ""
            body = text[len(prefix) :]
            for chunk in self._chunks(body, limit - (2 if prefix else 0)):
                pieces.append(prefix + chunk)
                owners.append(n)
        return pieces, owners

    def _chunks(self, text: str, limit: int) -> list[str]:
        words = text.split(" ")
        counts = [len(ids) for ids in self.tokenizer(words, add_special_tokens=False)["input_ids"]]
        chunks: list[str] = []
        cur: list[str] = []
        used = 0
        for word, c in zip(words, counts, strict=True):
            if c > limit:  # a single "word" longer than the limit: split by characters
                if cur:
                    chunks.append(" ".join(cur))
                    cur, used = [], 0
                step = max(1, len(word) * limit // (c + 1))
                chunks += [word[i : i + step] for i in range(0, len(word), step)]
                continue
            if used + c > limit and cur:
                chunks.append(" ".join(cur))
                cur, used = [], 0
            cur.append(word)
            used += c
        if cur:
            chunks.append(" ".join(cur))
        return [c for c in chunks if c.strip()]

    def _rejoin(self, results: list[Output | None], owners: list[int], n: int) -> list[Output]:
        texts: list[list[str]] = [[] for _ in range(n)]
        scores: list[list[float]] = [[] for _ in range(n)]
        for owner, out in zip(owners, results, strict=True):
            assert out is not None
            texts[owner].append(out.text)
            if out.score is not None:
                scores[owner].append(out.score)
        return [
            Output(" ".join(t).strip(), (math.prod(s) ** (1 / len(s))) if s else None)
            for t, s in zip(texts, scores, strict=True)
        ]

    def _generate(self, batch: list[str]) -> list[Output]:
        import torch

        enc = self.tokenizer(batch, return_tensors="pt", padding=True).to(self.device)
        with torch.inference_mode():
            gen = self.model.generate(
                **enc,
                num_beams=self.cfg.num_beams,
                max_new_tokens=self.cfg.max_new_tokens,
                do_sample=False,
                output_scores=True,
                return_dict_in_generate=True,
            )
        texts = self.tokenizer.batch_decode(gen.sequences, skip_special_tokens=True)
        scores = self._sequence_scores(gen)
        return [Output(t.strip(), s) for t, s in zip(texts, scores, strict=True)]

    def _sequence_scores(self, gen: Any) -> list[float | None]:
        import torch

        seq_scores = getattr(gen, "sequences_scores", None)
        if seq_scores is None:  # greedy: mean log-prob of the chosen tokens
            trans = self.model.compute_transition_scores(gen.sequences, gen.scores, normalize_logits=True)
            mask = torch.isfinite(trans) & (gen.sequences[:, 1:] != self.model.config.pad_token_id)
            logp = torch.where(mask, trans, torch.zeros_like(trans)).sum(1) / mask.sum(1).clamp(min=1)
            seq_scores = logp
        return [float(math.exp(min(0.0, float(s)))) for s in seq_scores.cpu()]
