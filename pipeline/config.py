"""Layered configuration, validated once at the edge into typed objects.

Layers, later wins: ``configs/base.yaml`` -> ``configs/<lang>.yaml`` (when a language is given) ->
each ``--config FILE`` -> each ``--set dotted.key=value``. Every problem is reported with its dotted
path, where the value came from, and the fix. Unknown keys are errors.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.align.config import AlignConfig
from pipeline.corpus.config import CorpusConfig
from pipeline.errors import ConfigError
from pipeline.qa.config import QAConfig

LANGS = ("ko", "uk", "ru")
SRC_LANG = "en"


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def config_dir() -> Path:
    env = os.environ.get("PIPELINE_CONFIG_DIR")
    return Path(env) if env else repo_root() / "configs"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SegmentConfig(_Strict):
    segmenter: str = Field(description="segmenter registry name (rules)")
    furniture: list[str] = Field(
        description="regular expressions matching whole paragraphs of page furniture to drop (reported)"
    )

    @field_validator("segmenter")
    @classmethod
    def _segmenter(cls, v: str) -> str:
        from pipeline.segment import known_segmenters  # light: regular expressions only

        if v not in known_segmenters():
            raise ValueError(f"unknown segmenter {v!r}; choose one of {', '.join(known_segmenters())}")
        return v

    @field_validator("furniture")
    @classmethod
    def _furniture(cls, v: list[str]) -> list[str]:
        for n, pattern in enumerate(v):
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as e:
                raise ValueError(f"item {n} {pattern!r} is not a valid regular expression ({e})") from None
        return v


class TranslateConfig(_Strict):
    backend: Literal["transformers", "ctranslate2"] = Field(
        description="translation backend: transformers (generate) or ctranslate2 (converted once, cached on disk)"
    )
    model: str | None = Field(description="Hugging Face hub id or local folder of a MarianMT model")
    revision: str | None = Field(description="hub revision (commit, tag, branch) to pin; null = main")
    target_prefix: str | None = Field(
        description="target-language token prepended to every source, e.g. '>>ukr<<'; null = what the model needs"
    )
    device: str = Field(description="auto, cpu, cuda or cuda:N")
    num_beams: int = Field(ge=1, le=64, description="beam size")
    max_new_tokens: int = Field(ge=1, le=4096, description="upper bound on generated tokens per unit")
    max_input_tokens: int = Field(ge=8, le=4096, description="longer inputs are split and rejoined")
    batch_tokens: int = Field(
        ge=1, le=1_000_000, description="token budget per batch: units x longest unit, in source tokens (padded)"
    )
    batch_size: int = Field(ge=1, le=4096, description="at most this many units per batch (sorted by length)")
    unit: Literal["sentence", "paragraph"] = Field(description="what is sent to the model")
    threads: int | None = Field(ge=1, description="CPU threads (torch, or CTranslate2 intra_threads); null = default")
    compute_type: Literal[
        "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32"
    ] = Field(description="ctranslate2 backend: weights and compute type; auto = int8 on CPU, float16 on CUDA")
    ct2_dir: str | None = Field(
        description="ctranslate2 backend: folder of converted models; null = ~/.cache/opus-align-pipeline/ctranslate2"
    )
    cache: bool = Field(description="persistent translation cache (SQLite): reruns are instant, killed runs resume")
    cache_path: str | None = Field(
        description="translation cache file; null = ~/.cache/opus-align-pipeline/translations.sqlite3"
    )

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        if v in ("auto", "cpu", "cuda") or (v.startswith("cuda:") and v[5:].isdigit()):
            return v
        raise ValueError("must be auto, cpu, cuda or cuda:N")


class OutputConfig(_Strict):
    dir: str = Field(description="root folder; files go to <dir>/<lang>/")
    name: str = Field(description="base name of the output files; {stem} = input file stem")
    formats: list[Literal["tmx", "jsonl", "tsv", "moses", "hf"]] = Field(min_length=1, description="formats to write")
    creation_date: datetime | None = Field(
        description="fixed ISO-8601 UTC time stamp for outputs; null = SOURCE_DATE_EPOCH or now"
    )
    review: bool = Field(
        True, description="also write <name>.review.html, a self-contained page to review and correct the pairs"
    )


class Config(_Strict):
    src_lang: Literal["en"] = Field(description="source language")
    lang: str | None = Field(description="target language (ko, uk, ru)")
    input: str | None = Field(description="default input text file")
    segment: SegmentConfig
    translate: TranslateConfig
    check_links: bool = Field(
        description="with translate.unit=sentence: re-align the output with the aligner and give each link its score"
    )
    align: AlignConfig = Field(
        default_factory=lambda: AlignConfig(), description="sentence aligner (pipeline/align/config.py)"
    )
    output: OutputConfig
    qa: QAConfig = Field(
        default_factory=lambda: QAConfig(), description="quality checks and flags (pipeline/qa/config.py)"
    )
    corpus: CorpusConfig = Field(
        default_factory=lambda: CorpusConfig(), description="translate-corpus (pipeline/corpus/config.py)"
    )

    @field_validator("lang")
    @classmethod
    def _lang(cls, v: str | None) -> str | None:
        if v is not None and v not in LANGS:
            raise ValueError(f"unknown target language {v!r}; choose one of {', '.join(LANGS)}")
        return v


# --------------------------------------------------------------------------- loading


def load_config(
    *,
    lang: str | None = None,
    config_files: list[str] | tuple[str, ...] = (),
    overrides: list[str] | tuple[str, ...] = (),
) -> Config:
    """Build a validated :class:`Config` from the layers; raise :class:`ConfigError` on any problem."""
    if lang is not None and lang not in LANGS:
        raise ConfigError(
            f"config error: unknown language {lang!r} for lang (from --lang)",
            f"choose one of {', '.join(LANGS)} (e.g. --lang ko)",
        )
    data: dict[str, Any] = {}
    origin: dict[str, str] = {}
    base = config_dir() / "base.yaml"
    _merge(data, _read_yaml(base), origin, str(base))
    if lang is not None:
        lang_file = config_dir() / f"{lang}.yaml"
        if lang_file.exists():
            _merge(data, _read_yaml(lang_file), origin, str(lang_file))
        data["lang"] = lang
        origin["lang"] = "--lang"
    for f in config_files:
        _merge(data, _read_yaml(Path(f)), origin, str(f))
    for item in overrides:
        key, value = _parse_override(item)
        _set_dotted(data, key, value)
        origin[key] = f"--set {item}"
    return validate(data, origin)


def validate(data: dict[str, Any], origin: dict[str, str] | None = None) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise _to_config_error(e, data, origin or {}) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}", "check the path given to --config")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise ConfigError(f"config file {path} is not valid YAML{where}: {problem}", "fix the YAML syntax") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text", "save it as UTF-8") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            f"config file {path} must hold a mapping of keys, not a {type(loaded).__name__}",
            "write it as `section:` / `  key: value` lines like configs/base.yaml",
        )
    return loaded


def _merge(dst: dict[str, Any], src: dict[str, Any], origin: dict[str, str], where: str, prefix: str = "") -> None:
    for k, v in src.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v, origin, where, path + ".")
        else:
            dst[k] = v
            origin[path] = where
            if isinstance(v, dict):
                for sub in _leaf_paths(v, path + "."):
                    origin[sub] = where


def _leaf_paths(d: dict[str, Any], prefix: str) -> list[str]:
    out = []
    for k, v in d.items():
        out.append(prefix + str(k))
        if isinstance(v, dict):
            out += _leaf_paths(v, f"{prefix}{k}.")
    return out


def _parse_override(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(
            f"--set {item!r} is not of the form dotted.key=value", "write e.g. --set translate.num_beams=2"
        )
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key, value


def _set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(
                f"--set {key}: {'.'.join(parts[: i + 1])} is a value, not a section",
                "set the key itself, e.g. --set " + ".".join(parts[: i + 1]) + "=...",
            )
        node = nxt
    node[parts[-1]] = value


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class holding the field at ``loc`` (for suggestions)."""
    cur: type[BaseModel] | None = model
    for part in loc:
        if cur is None or not isinstance(part, str) or part not in cur.model_fields:
            return cur
        ann = cur.model_fields[part].annotation
        cur = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return cur


def _to_config_error(e: ValidationError, data: dict[str, Any], origin: dict[str, str]) -> ConfigError:
    problems = []
    for err in e.errors():
        loc = tuple(err["loc"])
        path = ".".join(str(p) for p in loc)
        key = ".".join(str(p) for p in loc if not isinstance(p, int))  # list items: the list's key
        src = origin.get(key) or next((v for k, v in origin.items() if k.startswith(key + ".")), None)
        where = f" (from {src})" if src else ""
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = _model_at(Config, loc[:-1])
            known = sorted(parent.model_fields) if parent else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean {'.'.join(str(p) for p in loc[:-1] + (close[0],))}?" if close else "remove it;"
            problems.append(f"unknown key {path}{where}; {hint} known keys here: {', '.join(known)}")
        elif kind == "missing":
            problems.append(f"missing key {path}; add it to your config (see configs/base.yaml)")
        else:
            got = err.get("input")
            shown = repr(got) if not isinstance(got, dict) else "a mapping"
            msg = err["msg"].removeprefix("Value error, ")
            section = _model_at(Config, loc) if kind == "model_type" else None
            if section is not None and section is not Config:  # a whole section given as a value
                first_key = next(iter(section.model_fields))
                fix = f"{key} is a section: set its keys, e.g. --set {key}.{first_key}=... (see configs/base.yaml)"
            else:
                fix = f"fix it with --set {key}=..." + (f" or in {src}" if src and not src.startswith("--") else "")
            problems.append(f"{path}{where}: {msg} (got {shown}); {fix}")
    first = problems[0]
    more = f" (+{len(problems) - 1} more: {' | '.join(problems[1:])})" if len(problems) > 1 else ""
    return ConfigError(f"config error: {first}{more}")
