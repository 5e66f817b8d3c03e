"""Translation stage: a registry of backends, each turning source texts into target texts.

Backends are imported lazily by name, so importing this package never imports torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config import TranslateConfig


@dataclass(frozen=True)
class Output:
    """One translated unit: target text and the model's confidence (exp of mean token log-prob).

    ``error`` is set (and ``text`` empty) when this unit could not be translated: the reason, for the
    run report. Such outputs are never cached.
    """

    text: str
    score: float | None
    error: str | None = None


class Translator(Protocol):
    name: str  # backend id with version, e.g. "transformers-5.2"
    model_id: str
    model_revision: str
    device: str

    def translate(self, texts: Sequence[str]) -> list[Output]: ...


BACKENDS: dict[str, str] = {
    "transformers": "pipeline.translate.hf:HFTranslator",
    "ctranslate2": "pipeline.translate.ct2:CT2Translator",
}


def get_translator(cfg: TranslateConfig, lang: str) -> Translator:
    """The configured backend for ``lang``, behind the persistent translation cache when ``cfg.cache``.

    Both built-in backends (and the cache wrapper) keep ``stats``: sentences, tokens, seconds, cache hits.
    """
    try:
        target = BACKENDS[cfg.backend]
    except KeyError:
        raise ConfigError(
            f"unknown translate.backend {cfg.backend!r}", f"choose one of {', '.join(sorted(BACKENDS))}"
        ) from None
    if not cfg.model:
        raise ConfigError(
            f"no translation model configured for {lang}", "pass --model ID_OR_DIR or set translate.model"
        )
    module, _, cls = target.partition(":")
    factory = getattr(importlib.import_module(module), cls)
    translator: Translator = factory(cfg, lang)
    if cfg.cache:
        from pipeline.translate.cache import wrap_with_cache

        translator = wrap_with_cache(translator, cfg)
    return translator
