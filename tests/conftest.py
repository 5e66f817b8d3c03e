"""Shared fixtures: offline Hugging Face caches, one torch thread, tiny MarianMT models built locally.

A test that needs a file of ``../shared`` gets it from :func:`shared_files.shared_path`, which skips with the
one reason ``../shared missing: <path>``; the session ends with ``N tests skipped: ../shared missing (...)``
and fails when ``PIPELINE_REQUIRE_SHARED`` is set (``.ci/run``) and N > 0 (:mod:`shared_files`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Before anything imports huggingface_hub/transformers: no network, caches in a private temp dir.
_CACHE = Path(os.environ.get("PYTEST_HF_CACHE", "/tmp")) / f"pipeline-tests-hf-{os.getpid()}"
os.environ["HF_HOME"] = str(_CACHE)
os.environ["HF_HUB_CACHE"] = str(_CACHE / "hub")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["XDG_CACHE_HOME"] = str(_CACHE / "xdg")  # translation and CTranslate2 caches
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("OMP_NUM_THREADS", "1")

from shared_files import pytest_configure  # noqa: E402,F401 - counts the skips for a missing ../shared file
from tiny_models import build_en_uk_model, build_spm_model  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def en_uk_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Random weights of a small Marian model around the real opus-mt-en-uk tokenizer files."""
    return build_en_uk_model(tmp_path_factory.mktemp("en-uk"))


@pytest.fixture(scope="session")
def en_ru_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny shared-vocabulary model with SentencePiece trained on the seed and its Russian translation."""
    return build_spm_model(tmp_path_factory.mktemp("en-ru"), "ru", layout="shared")


@pytest.fixture(scope="session")
def en_ko_broken_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model with the published opus-mt-tc-big-en-ko layout: vocab.json = target table, shared."""
    return build_spm_model(tmp_path_factory.mktemp("en-ko"), "ko", layout="broken-target-only")


@pytest.fixture(scope="session")
def en_zle_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny multi-target model with >>rus<< / >>ukr<< tokens (like opus-mt-tc-big-en-zle)."""
    return build_spm_model(tmp_path_factory.mktemp("en-zle"), "ru", layout="multi-target")
