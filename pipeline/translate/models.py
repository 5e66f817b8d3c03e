"""Which model serves which language, and where its files come from (hub id or local folder).

Nothing here imports torch: resolving files uses ``huggingface_hub`` only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.fingerprint import snapshot_commit
from pipeline.hub import hub_cache_dir, hub_reachable

log = logging.getLogger(__name__)

DEFAULT_MODELS: dict[str, str] = {
    "ru": "Helsinki-NLP/opus-mt-en-ru",
    "uk": "Helsinki-NLP/opus-mt-en-uk",
    "ko": "Helsinki-NLP/opus-mt-tc-big-en-ko",
}

# ISO 639-3 codes used by multi-target OPUS-MT models in their ">>xxx<<" prefix tokens.
LANG_TOKENS: dict[str, str] = {"ru": "rus", "uk": "ukr", "ko": "kor", "be": "bel"}

TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")
OPTIONAL_TOKENIZER_FILES = ("target_vocab.json", "special_tokens_map.json")


@dataclass(frozen=True)
class ModelFiles:
    """Local paths of a model's tokenizer and config files."""

    model: str  # what the user gave: hub id or folder
    revision: str  # resolved commit hash for hub models, "local" for folders
    is_local: bool
    config: Path
    tokenizer: dict[str, Path]


def offline_message(model: str) -> ModelError:
    return ModelError(
        f"model {model} is not in the Hugging Face cache ({hub_cache_dir()}) and the hub cannot be reached "
        "(translate.model, --model)",
        f"download it where the hub is reachable (`hf download {model}`) and copy the cache, "
        "or pass a local model folder with --model DIR",
    )


def _hub_file(repo: str, filename: str, revision: str | None, *, required: bool = True) -> Path | None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError, RepositoryNotFoundError

    try:
        return Path(hf_hub_download(repo, filename, revision=revision, local_files_only=True))
    except (LocalEntryNotFoundError, EntryNotFoundError, FileNotFoundError):
        pass
    except OSError:
        pass
    if not hub_reachable():  # HF_HUB_OFFLINE, or one short connection attempt failed: no client retries
        if required:
            raise offline_message(repo)
        return None
    try:
        log.debug("fetching %s of %s from the hub", filename, repo)
        return Path(hf_hub_download(repo, filename, revision=revision))
    except LocalEntryNotFoundError:  # no connection, not cached (a subclass of EntryNotFoundError)
        raise offline_message(repo) from None
    except EntryNotFoundError:
        if required:
            raise ModelError(f"model {repo} has no file {filename}", "is it a MarianMT (OPUS-MT) model?") from None
        return None
    except RepositoryNotFoundError:
        raise ModelError(
            f"model {repo} does not exist on the Hugging Face hub (or is private)",
            "check the id, or pass a local model folder with --model DIR",
        ) from None
    except (OSError, ValueError) as e:  # connection errors are OSError subclasses
        if "revision" in str(e).lower() and revision:
            raise ModelError(f"revision {revision!r} of model {repo} not found", "check translate.revision") from None
        raise offline_message(repo) from None


def resolve_files(model: str, revision: str | None = None) -> ModelFiles:
    """Find (or fetch) the config and tokenizer files of a MarianMT model."""
    folder = Path(model).expanduser()
    if folder.is_dir():
        return _local_files(folder, model)
    if model.startswith((".", "/", "~")) or model.count("/") > 1:
        raise ModelError(
            f"model folder not found: {model} (translate.model, --model)",
            f"check the path, or give a hub id such as {DEFAULT_MODELS['uk']}",
        )
    config = _hub_file(model, "config.json", revision)
    assert config is not None
    _check_marian_config(config, model)
    tok: dict[str, Path] = {}
    for name in TOKENIZER_FILES:
        p = _hub_file(model, name, revision)
        assert p is not None
        tok[name] = p
    for name in OPTIONAL_TOKENIZER_FILES:
        p = _hub_file(model, name, revision, required=False)
        if p is not None:
            tok[name] = p
    commit = snapshot_commit(config, revision)
    return ModelFiles(model=model, revision=commit, is_local=False, config=config, tokenizer=tok)


def _local_files(folder: Path, model: str) -> ModelFiles:
    config = folder / "config.json"
    if not config.is_file():
        raise ModelError(
            f"{folder} is not a MarianMT model folder (no config.json) (translate.model, --model)",
            "pass a folder saved with MarianMTModel.save_pretrained() plus its tokenizer files",
        )
    _check_marian_config(config, model)
    missing = [n for n in TOKENIZER_FILES if not (folder / n).is_file()]
    if missing:
        raise ModelError(
            f"model folder {folder} lacks the MarianTokenizer files {', '.join(missing)} (translate.model, --model)",
            "copy source.spm, target.spm, vocab.json and tokenizer_config.json from the model's hub page",
        )
    tok = {n: folder / n for n in TOKENIZER_FILES + OPTIONAL_TOKENIZER_FILES if (folder / n).is_file()}
    weights = [n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).is_file()]
    if not weights and not any(folder.glob("model-*.safetensors")):
        raise ModelError(
            f"model folder {folder} has no weights (model.safetensors) (translate.model, --model)",
            "save the model there with MarianMTModel.save_pretrained(), or pass another folder",
        )
    return ModelFiles(model=model, revision="local", is_local=True, config=config, tokenizer=tok)


def _check_marian_config(path: Path, model: str) -> None:
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelError(
            f"config.json of model {model} is unreadable or not JSON (translate.model, --model)",
            "re-download or re-save the model",
        ) from None
    kind = cfg.get("model_type") if isinstance(cfg, dict) else None
    if kind != "marian":
        raise ModelError(
            f"model {model} is not a MarianMT model (model_type is {kind!r}) (translate.model, --model)",
            "use an OPUS-MT model such as Helsinki-NLP/opus-mt-en-uk",
        )
