"""Layered configuration, validated once at the edge into typed objects.

Layers, later wins: ``configs/base.yaml`` -> ``configs/<lang>.yaml`` (when a language is given) ->
each ``--config FILE`` -> each ``--set dotted.key=value``. Every problem is reported with its dotted
path, where the value came from, and the fix. Unknown keys are errors.
"""

from __future__ import annotations

import difflib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from pipeline.align.config import AlignConfig
from pipeline.corpus.config import CorpusConfig
from pipeline.errors import ConfigError
from pipeline.glossary.config import GlossaryConfig
from pipeline.qa.config import QAConfig
from pipeline.read.config import ReadConfig
from pipeline.segment.config import SegmentConfig
from pipeline.settings import Section, operational
from pipeline.translate.config import TranslateConfig
from pipeline.write.config import OutputConfig

__all__ = ["Config", "OutputConfig", "SegmentConfig", "TranslateConfig", "load_config", "validate"]

LANGS = ("ko", "uk", "ru")
SRC_LANG = "en"


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def config_dir() -> Path:
    env = os.environ.get("PIPELINE_CONFIG_DIR")
    return Path(env) if env else repo_root() / "configs"


class Config(Section):
    """The whole configuration: each stage's section (with its defaults, in the stage's ``config.py``)."""

    src_lang: Literal["en"] = Field("en", description="source language")
    lang: str | None = Field(None, description="target language (ko, uk, ru); set by --lang")
    input: str | None = operational(None, description="default input text file (--input)")
    read: ReadConfig = Field(
        default_factory=lambda: ReadConfig(), description="input documents (pipeline/read/config.py)"
    )
    segment: SegmentConfig = Field(
        default_factory=lambda: SegmentConfig(), description="sentence segmentation (pipeline/segment/config.py)"
    )
    translate: TranslateConfig = Field(
        default_factory=lambda: TranslateConfig(), description="translation (pipeline/translate/config.py)"
    )
    check_links: bool = Field(
        True,
        description="with translate.unit=sentence, links are 1-1 by construction; check_links re-aligns the output "
        "with the aligner and gives every link the aligner's score (0.0 where it disagrees), so a low score marks a "
        "translation that does not match its source. With unit=paragraph the aligner makes the links",
    )
    align: AlignConfig = Field(
        default_factory=lambda: AlignConfig(), description="sentence aligner (pipeline/align/config.py)"
    )
    output: OutputConfig = Field(
        default_factory=lambda: OutputConfig(), description="output files (pipeline/write/config.py)"
    )
    qa: QAConfig = Field(
        default_factory=lambda: QAConfig(), description="quality checks and flags (pipeline/qa/config.py)"
    )
    glossary: GlossaryConfig = Field(
        default_factory=lambda: GlossaryConfig(),
        description="terms checked in every target, optionally kept by force (pipeline/glossary/config.py)",
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

    @model_validator(mode="after")
    def _enforce_is_checked(self) -> Config:
        if self.glossary.enforce and not (self.qa.enabled and self.qa.term_missing.enabled):
            raise ValueError(
                "glossary.enforce needs the term_missing check (a placeholder the model drops is flagged by it), "
                "but qa.enabled or qa.term_missing.enabled is false; turn the check on, or glossary.enforce off"
            )
        return self


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
        is_value = _is_value(tuple(parts[: i + 1]))
        if nxt is None and not is_value:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(
                f"--set {key}: {'.'.join(parts[: i + 1])} is a value, not a section",
                "set the key itself, e.g. --set " + ".".join(parts[: i + 1]) + "=...",
            )
        node = nxt
    node[parts[-1]] = value


def _is_value(path: tuple[str, ...]) -> bool:
    """Whether ``path`` names a setting that is a value (not a section) of :class:`Config`."""
    parent = _model_at(Config, path[:-1])
    if parent is None or path[-1] not in parent.model_fields:
        return False
    ann = parent.model_fields[path[-1]].annotation
    return not (isinstance(ann, type) and issubclass(ann, BaseModel)) and ann is not dict and "dict" not in str(ann)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class holding the field at ``loc`` (for suggestions); a plugin check's section under
    ``qa`` is its own configuration model."""
    cur: type[BaseModel] | None = model
    for part in loc:
        if cur is None or not isinstance(part, str):
            return cur
        if part not in cur.model_fields:
            plugin = cur.plugin_section(part) if issubclass(cur, QAConfig) else None
            if plugin is None:
                return cur
            cur = plugin
            continue
        ann = cur.model_fields[part].annotation
        cur = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return cur


def _known_keys(model: type[BaseModel]) -> list[str]:
    """The keys a section takes: its fields, and under ``qa`` the sections of the checks plugins registered."""
    return sorted([*model.model_fields, *(model.plugin_sections() if issubclass(model, QAConfig) else ())])


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
            known = _known_keys(parent) if parent else []
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean {'.'.join(str(p) for p in loc[:-1] + (close[0],))}?" if close else "remove it;"
            problems.append(f"unknown key {path}{where}; {hint} known keys here: {', '.join(known)}")
        elif not loc:  # a rule across sections (a model validator of Config): its message says the fix
            problems.append(err["msg"].removeprefix("Value error, "))
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


# --------------------------------------------------------------------------- reference


def reference_markdown() -> str:
    """Every key of :class:`Config` with its default and description, as Markdown (``docs/configuration.md``)."""
    lines = [
        "# Configuration reference",
        "",
        "Generated by `python -m pipeline config --reference` from the sections' definitions (each stage's",
        "`config.py`); a test keeps this page current. Layers, later wins: these defaults -> `configs/base.yaml` ->",
        "`configs/<lang>.yaml` -> each `--config FILE` -> each `--set dotted.key=value`. Print what a run will",
        "use with `python -m pipeline config --lang ko`. *Operational* keys change how a run goes, never what it",
        "writes: changing them does not redo the shards `translate-corpus` already wrote.",
        "",
    ]
    _reference(Config, "", lines)
    return "\n".join(lines) + "\n"


def _reference(model: type[BaseModel], prefix: str, lines: list[str]) -> None:
    from pipeline.settings import is_operational

    rows: list[str] = []
    sections: list[tuple[str, type[BaseModel], str]] = []
    for name, f in model.model_fields.items():
        ann = f.annotation
        key = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            sections.append((key, ann, f.description or ""))
            continue
        default = f.get_default(call_default_factory=True)
        shown = json.dumps(default.isoformat() if isinstance(default, datetime) else default, ensure_ascii=False)
        if len(shown) > 100 and isinstance(default, list):  # e.g. the furniture patterns
            shown = f"[{len(default)} items]"
        mark = " *(operational)*" if is_operational(model, name) else ""
        text, shown = (f.description or "").replace("|", "\\|"), shown.replace("|", "\\|")
        rows.append(f"| `{key}` | `{shown}` | {text}{mark} |")
    if rows:
        lines += ["| key | default | what it does |", "|---|---|---|", *rows, ""]
    for key, sub, desc in sections:
        mark = " *(operational)*" if is_operational(model, key.rsplit(".", 1)[-1]) else ""
        lines += [f"{'#' * min(2 + key.count('.'), 4)} `{key}`", "", f"{desc}{mark}", ""]
        _reference(sub, key + ".", lines)
