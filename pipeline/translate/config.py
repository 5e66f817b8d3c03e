"""The ``translate:`` section of the configuration, with its defaults, and the backends it can name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import Field, field_validator

from pipeline.registry import Registry
from pipeline.settings import Section, operational
from pipeline.translate.base import Translator

#: ``translate.backend``: name -> ``"module:attr"`` of a factory ``(translate_cfg, lang) -> Translator``
#: (:mod:`pipeline.registry`); imported only when a run uses it, so naming one never imports torch.
BACKENDS: Registry[Callable[[TranslateConfig, str], Translator]] = Registry(
    "backends",
    "backend",
    "translate.backend",
    {"transformers": "pipeline.translate.hf:HFTranslator", "ctranslate2": "pipeline.translate.ct2:CT2Translator"},
)


class TranslateConfig(Section):
    backend: str = Field(
        "transformers",
        description="translation backend: transformers (generate) or ctranslate2 (faster: converted once, cached "
        "in ct2_dir)",
    )
    model: str | None = Field(
        None, description="Hugging Face hub id or local folder of a MarianMT model; set per language in configs/"
    )
    revision: str | None = Field(
        None, description="hub revision (commit, tag, branch) to pin; null = the hub's main branch"
    )
    target_prefix: str | None = Field(
        None,
        description="target-language token prepended to every source, e.g. '>>ukr<<'; null = what the model needs",
    )
    device: str = operational("auto", description="auto (CUDA if available, else CPU), cpu, cuda or cuda:N")
    num_beams: int = Field(4, ge=1, le=64, description="beam size (OPUS-MT's default: 4)")
    max_new_tokens: int = Field(
        256, ge=1, le=4096, description="upper bound on generated tokens per unit (the ceiling of its budget)"
    )
    max_length_factor: float | None = Field(
        3.0,
        gt=0,
        le=64,
        description="bounded decoding (Marian's --max-length-factor): a unit's output budget is "
        "min(max_new_tokens, max(max_length_floor, ceil(factor x its source tokens))), source tokens without the "
        "target-language token and </s>; a unit that runs to its budget ends there with </s> (a looping output "
        "is cut early). 3.0 covers the measured target/source token ratios of en->uk/ru and an upper bound for "
        "en->ko (docs/performance.md); null = every unit may run to max_new_tokens",
    )
    max_length_floor: int = Field(
        32,
        ge=2,
        le=4096,
        description="the smallest output budget of bounded decoding, in tokens (</s> included): short units "
        "(headings, list items) are never cut by the factor",
    )
    max_input_tokens: int = Field(512, ge=8, le=4096, description="longer inputs are split and rejoined, never cut")
    batch_tokens: int = operational(
        1024,
        ge=1,
        le=1_000_000,
        description="token budget per batch: units x longest unit, in padded source tokens (units are sorted by "
        "length; results come back in input order)",
    )
    batch_size: int = operational(64, ge=1, le=4096, description="at most this many units per batch")
    unit: Literal["sentence", "paragraph"] = Field(
        "sentence",
        description="what is sent to the model: sentence (one unit per sentence, 1-1 links) or paragraph (whole "
        "paragraphs; the output is segmented and linked by the aligner)",
    )
    threads: int | None = operational(
        None, ge=1, description="CPU threads (torch, or CTranslate2 intra_threads); null = the library's default"
    )
    compute_type: Literal[
        "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32"
    ] = Field("auto", description="ctranslate2: weights and compute type; auto = int8 on CPU, float16 on CUDA")
    ct2_dir: str | None = operational(
        None,
        description="ctranslate2: folder of converted models; null = $XDG_CACHE_HOME/opus-align-pipeline/ctranslate2",
    )
    cache: bool = operational(
        True,
        description="persistent translation cache (SQLite): reruns are instant, killed runs resume (--no-cache: off)",
    )
    cache_path: str | None = operational(
        None,
        description="translation cache file; null = $XDG_CACHE_HOME/opus-align-pipeline/translations.sqlite3 "
        "(~/.cache/...)",
    )

    @field_validator("backend")
    @classmethod
    def _backend(cls, v: str) -> str:
        return BACKENDS.check(v)

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        if v in ("auto", "cpu", "cuda") or (v.startswith("cuda:") and v[5:].isdigit()):
            return v
        raise ValueError("must be auto, cpu, cuda or cuda:N")
