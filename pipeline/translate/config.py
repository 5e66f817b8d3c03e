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


#: the flags of a degenerate output (a loop, a cut, the source copied, another language, nothing)
DEGENERATE_FLAGS = ("repetition", "length_ratio", "wrong_language", "identical", "empty_target")


class RepairConfig(Section):
    """The repair ladder (:mod:`pipeline.repair`): units whose pairs carry one of ``flags`` are decoded again."""

    enabled: bool = Field(
        True,
        description="decode again the units whose pairs carry one of flags: (a) with no_repeat_ngram_size and "
        "repetition_penalty, (b) the n-best hypotheses reranked by the checks, (c) a long unit split at clause "
        "boundaries; the first candidate that passes the checks wins (docs/review.md)",
    )
    flags: list[str] = Field(
        list(DEGENERATE_FLAGS), description="the QA flags that send a unit to the ladder (the degenerate ones)"
    )
    no_repeat_ngram_size: int = Field(
        3, ge=0, le=20, description="step a: no n-gram of this size twice in the output (0: off)"
    )
    repetition_penalty: float = Field(
        1.3, ge=1.0, le=10.0, description="step a: a token already in the output is this much less likely"
    )
    num_hypotheses: int = Field(
        4, ge=0, le=16, description="step b: hypotheses decoded and reranked by the checks (0: no step b)"
    )
    max_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="a document with more than this share of its units flagged (and more than 2) skips the ladder: "
        "the model is at fault there (a broken model, a wrong target token), not one decode, and decoding most "
        "units again would cost several times the run",
    )
    split_min_words: int = Field(
        12,
        ge=0,
        le=10_000,
        description="step c: units of at least this many words are split at clause boundaries (; : dashes, "
        "', and' ', but' and the like) and their parts translated (0: no step c)",
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
    repair: RepairConfig = Field(
        default_factory=lambda: RepairConfig(), description="the repair ladder for degenerate outputs"
    )
    alternatives: int = Field(
        0,
        ge=0,
        le=16,
        description="keep this many other distinct hypotheses of each sentence (the model's n-best) for the "
        "translator: XLIFF <alt-trans>, JSONL alternatives, the review page; costs one more decode per unit",
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
