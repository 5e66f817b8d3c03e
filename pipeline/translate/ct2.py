"""MarianMT through CTranslate2: the model converted once (cached on disk), then ``translate_batch``.

The same contract as the transformers backend: the source is tokenized with the pipeline's
``MarianTokenizer`` (so the en-ko separate-vocabulary repair and the ``>>xxx<<`` target prefixes
apply), CTranslate2 decodes, and the target tokens are decoded by that tokenizer through the *target*
vocabulary. The converter's own vocabulary export reads one table from the tokenizer for both sides,
which is wrong for the separate-vocabulary layout, so the conversion (:mod:`pipeline.translate.ct2_convert`)
writes the vocabularies itself: source tokens by encoder id, target tokens by decoder id, unused ids filled
with placeholders.

Converted models live under ``translate.ct2_dir`` (null: ``$XDG_CACHE_HOME/opus-align-pipeline/ctranslate2``),
one folder per model id, revision or local-files fingerprint, quantization and CTranslate2 version.
A folder is written to a temporary name and renamed into place; its ``pipeline-ct2.json`` records
what it was made from and every file's size and SHA-256, checked on each load. A folder that fails
the check, or that CTranslate2 cannot load, is reported in one line and rebuilt.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
from pathlib import Path
from typing import Any

from pipeline.errors import ModelError
from pipeline.translate.base import Decoding, Output
from pipeline.translate.batching import BatchedTranslator
from pipeline.translate.cache import cache_root
from pipeline.translate.config import TranslateConfig
from pipeline.translate.ct2_convert import Conversion, ConvertRequest, convert_in_child
from pipeline.translate.tokenizer import load_tokenizer

log = logging.getLogger(__name__)

CPU_DEFAULT = "int8"
GPU_DEFAULT = "float16"


def default_ct2_dir() -> Path:
    return cache_root() / "ctranslate2"


def ct2_device(requested: str) -> tuple[str, int]:
    """(device, index) for CTranslate2 from ``translate.device``."""
    import ctranslate2

    gpus = ctranslate2.get_cuda_device_count()
    if requested == "auto":
        return ("cuda", 0) if gpus > 0 else ("cpu", 0)
    if requested == "cpu":
        return "cpu", 0
    index = int(requested.partition(":")[2] or 0)
    if index >= gpus:
        raise ModelError(
            f"device {requested} requested but CTranslate2 sees {gpus} CUDA device(s)",
            "use --set translate.device=cpu (or a CUDA build of ctranslate2)",
        )
    return "cuda", index


#: the extra that installs what CTranslate2's PyPI wheels need on a GPU (pyproject.toml)
GPU_EXTRA = "pip install '.[gpu]'"
#: CTranslate2's words for a CUDA library or runtime it cannot use (not a damaged model folder)
_CUDA_TROUBLE = re.compile(r"libcu\w*\.so|cublas|cudnn|CUDA (driver|runtime|failed)|cuda error", re.IGNORECASE)
#: ... of which these name a missing or unloadable library: what the gpu extra installs
_MISSING_LIBRARY = re.compile(r"libcu\w*\.so|cublas|cudnn|not found or cannot be loaded", re.IGNORECASE)


def cuda_error(device: str, e: BaseException) -> ModelError:
    """The one line for CTranslate2 failing on a GPU: its first line and, where a CUDA library is missing
    or cannot be loaded, the extra that installs cuBLAS."""
    first = (str(e).strip().splitlines() or [repr(e)])[0]
    if _MISSING_LIBRARY.search(first):
        fix = (
            f"CTranslate2's PyPI wheels need CUDA 12's cuBLAS: {GPU_EXTRA} in the project (installs nvidia-cublas-cu12)"
        )
    else:
        fix = "check that the GPU and its driver work (nvidia-smi)"
    return ModelError(
        f"CTranslate2 cannot compute on {device}: {first}",
        f"{fix}, or use --set translate.backend=transformers, or --set translate.device=cpu",
    )


def preload_cublas() -> list[str]:
    """Load cuBLAS from the ``nvidia-cublas-cu12`` package (the ``gpu`` extra) where it is installed.

    CTranslate2 opens ``libcublas.so.12`` by name, which the dynamic loader finds on its own search path
    only; the pip package puts it inside site-packages. A library loaded here first (``RTLD_GLOBAL``) is
    the one that name then resolves to. Nothing happens where the package is missing (a system CUDA, or
    torch's copy, may serve) or off Linux. Returns the files loaded.
    """
    import ctypes
    import importlib.util

    if not sys.platform.startswith("linux"):
        return []
    try:
        spec = importlib.util.find_spec("nvidia.cublas")
    except (ImportError, ValueError):
        return []
    loaded: list[str] = []
    for where in list(spec.submodule_search_locations or []) if spec else []:
        for name in ("libcublasLt.so.12", "libcublas.so.12"):  # cublas needs cublasLt
            lib = Path(where) / "lib" / name
            if lib.is_file():
                try:
                    ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
                    loaded.append(str(lib))
                except OSError as e:
                    log.debug("cannot preload %s: %s", lib, e)
        if loaded:
            break
    return loaded


def resolve_compute_type(requested: str, device: str) -> str:
    """``auto``: int8 on CPU, float16 on GPU; falls back to float32 where the device lacks the type."""
    import ctranslate2

    supported = set(ctranslate2.get_supported_compute_types(device))
    wanted = requested if requested != "auto" else (GPU_DEFAULT if device == "cuda" else CPU_DEFAULT)
    if wanted in supported:
        return wanted
    if requested != "auto":
        raise ModelError(
            f"compute type {requested} is not supported on {device} by this CTranslate2 build",
            f"use one of {', '.join(sorted(supported))} (translate.compute_type)",
        )
    return "float32"


class CT2Translator(BatchedTranslator):
    """Translate with ``ctranslate2.Translator.translate_batch`` on pre-tokenized input."""

    def __init__(self, cfg: TranslateConfig, lang: str) -> None:
        import ctranslate2

        from pipeline.translate.hf import target_prefix_for

        super().__init__()
        files = self._resolve_model(cfg, lang)
        device, index = ct2_device(cfg.device)
        if device == "cuda":
            preload_cublas()
        self.device = device if device == "cpu" else f"cuda:{index}"
        self.compute_type = resolve_compute_type(cfg.compute_type, device)
        self.name = f"ctranslate2-{ctranslate2.__version__}-{self.compute_type}"
        model_cfg = json.loads(files.config.read_text(encoding="utf-8"))
        pad_id = model_cfg.get("pad_token_id")
        if not isinstance(pad_id, int):
            raise ModelError(f"model {self.model_id} has no pad_token_id in its config", "fix its config.json")
        self.pad_id = pad_id
        self.tokenizer, self.vocab_check = load_tokenizer(files.tokenizer, pad_id=pad_id, model=self.model_id)
        self.prefix = target_prefix_for(self.tokenizer.get_vocab(), lang, cfg.target_prefix, self.model_id)
        max_pos = int(model_cfg.get("max_position_embeddings") or 512)
        self.max_input_tokens = min(cfg.max_input_tokens, max_pos)
        root = Path(cfg.ct2_dir).expanduser() if cfg.ct2_dir else default_ct2_dir()
        conversion = Conversion(files, self.model_fingerprint, self.compute_type, root)
        self.model_dir = conversion.folder
        self.translator = self._load(conversion, device, index)
        self.max_decoding = min(cfg.max_new_tokens, max_pos)
        if conversion.generation.get("forced_eos"):
            # transformers spends the last of max_new_tokens on a forced </s>; CTranslate2 does not count it
            self.max_decoding = max(1, self.max_decoding - 1)
        # What CTranslate2 reads and writes: tokens of the converted model's own vocabularies (ids by position).
        self.source_vocab = self._read_vocab("source")
        self.target_ids = {t: i for i, t in enumerate(self._read_vocab("target"))}
        if device == "cuda":
            self._probe_cuda()

    def _probe_cuda(self) -> None:
        """Decode one token now: CTranslate2 loads cuBLAS only when it first computes, and a missing library
        (its wheels are built for CUDA 12) would otherwise fail every batch of the run."""
        try:
            self.translator.translate_batch([[self.source_vocab[0]]], max_decoding_length=1, beam_size=1)
        except RuntimeError as e:
            raise cuda_error(self.device, e) from None

    # ------------------------------------------------------------------ loading

    def _load(self, conversion: Conversion, device: str, index: int) -> Any:
        import ctranslate2

        problem = conversion.problem() if conversion.folder.exists() else "not converted yet"
        if problem is not None and conversion.folder.exists():
            conversion.remove(problem)
        for attempt in (1, 2):
            if problem is not None:
                self._convert(conversion)
            try:
                return ctranslate2.Translator(
                    str(conversion.folder),
                    device=device,
                    device_index=index,
                    compute_type=self.compute_type,
                    intra_threads=self.cfg.threads or 0,
                    inter_threads=1,
                )
            except (RuntimeError, ValueError, OSError) as e:
                if device == "cuda" and _CUDA_TROUBLE.search(str(e)):  # the GPU's libraries, not the folder
                    raise cuda_error(f"cuda:{index}", e) from None
                if attempt == 2:
                    raise ModelError(
                        f"CTranslate2 cannot load the converted model {conversion.folder}: {str(e).splitlines()[0]}",
                        "delete that folder, or use translate.backend=transformers",
                    ) from None
                problem = f"CTranslate2 cannot load it: {str(e).splitlines()[0]}"
                conversion.remove(problem)
        raise AssertionError("unreachable")

    def _convert(self, conversion: Conversion) -> None:
        log.info("converting %s to CTranslate2 (%s), once", self.model_id, self.compute_type)
        request = ConvertRequest(conversion, self.cfg.revision, self.pad_id, self.model_id, self.cfg.threads)
        conversion.generation = convert_in_child(request)
        log.info("converted %s to CTranslate2 (%s) in %s", self.model_id, self.compute_type, conversion.folder)

    def _read_vocab(self, side: str) -> list[str]:
        for name in (f"{side}_vocabulary.json", "shared_vocabulary.json"):
            path = self.model_dir / name
            if path.is_file():
                tokens: list[str] = json.loads(path.read_text(encoding="utf-8"))
                return tokens
        raise ModelError(f"converted model {self.model_dir} has no {side} vocabulary", "delete that folder")

    # ------------------------------------------------------------------ translating

    def _translate_ids(self, batch: list[list[int]]) -> tuple[list[Output], int]:
        outs, n_tokens = self._translate_grouped(batch, None)
        return [o[0] for o in outs], n_tokens

    def _translate_nbest(self, batch: list[list[int]], decoding: Decoding) -> tuple[list[list[Output]], int]:
        return self._translate_grouped(batch, decoding)

    def _translate_grouped(self, batch: list[list[int]], decoding: Decoding | None) -> tuple[list[list[Output]], int]:
        """One ``translate_batch`` per distinct output budget of the batch (bounded decoding).

        ``translate_batch`` takes one ``max_decoding_length`` per call and has no per-example limit (nor a
        per-step hook for beam search), so the batch's rows are grouped by budget (:meth:`budget`); rows
        come back in batch order. A budget under ``max_new_tokens`` counts ``</s>`` as transformers does, so
        it allows ``budget - 1`` tokens; at the ceiling the limit is the one of a run without a factor.
        """
        groups: dict[int, list[int]] = {}
        for i, ids in enumerate(batch):
            b = self.budget(ids)
            limit = self.max_decoding if b >= self.cfg.max_new_tokens else min(self.max_decoding, max(1, b - 1))
            groups.setdefault(limit, []).append(i)
        outputs: list[list[Output]] = [[Output("", None)] for _ in batch]
        n_tokens = 0
        for limit, rows in sorted(groups.items(), reverse=True):
            outs, n = self._decode([batch[i] for i in rows], limit, decoding)
            n_tokens += n
            for i, out in zip(rows, outs, strict=True):
                outputs[i] = out
        return outputs, n_tokens

    def _decode(
        self, batch: list[list[int]], max_len: int, decoding: Decoding | None = None
    ) -> tuple[list[list[Output]], int]:
        vocab = self.source_vocab
        source = [[vocab[i] for i in ids] for ids in batch]
        extra: dict[str, Any] = {}
        beams = self.cfg.num_beams
        if decoding is not None:  # the repair ladder's and the alternatives' options
            beams = max(beams, decoding.num_hypotheses)
            extra = {
                "num_hypotheses": decoding.num_hypotheses,
                "no_repeat_ngram_size": decoding.no_repeat_ngram_size,
                "repetition_penalty": decoding.repetition_penalty,
            }
        results = self.translator.translate_batch(
            source,
            beam_size=beams,
            max_decoding_length=max_len,
            min_decoding_length=min(self.min_new_tokens, max_len) if self.min_new_tokens else 0,
            return_scores=True,
            max_batch_size=0,
            **extra,
        )
        outputs: list[list[Output]] = []
        n_tokens = 0
        target_ids = self.target_ids
        unk = self.tokenizer.unk_token_id
        for res in results:
            hyps: list[Output] = []
            for k, tokens in enumerate(res.hypotheses):
                n_tokens += len(tokens)
                text = self.tokenizer.decode([target_ids.get(t, unk) for t in tokens], skip_special_tokens=True)
                score = math.exp(min(0.0, float(res.scores[k]))) if len(res.scores) > k else None
                hyps.append(Output(text.strip(), score))
            outputs.append(hyps or [Output("", None)])
        return outputs, n_tokens

    def cache_settings(self) -> dict[str, Any]:
        return {**super().cache_settings(), "compute_type": self.compute_type}
