"""Translation stage: a registry of backends, each turning source texts into target texts.

Backends are imported lazily by name, so importing this package never imports torch.
"""

from __future__ import annotations

from pipeline.errors import ConfigError
from pipeline.translate.base import Output, Translator
from pipeline.translate.config import BACKENDS, TranslateConfig

__all__ = ["BACKENDS", "Output", "TranslateConfig", "Translator", "get_translator"]


def get_translator(cfg: TranslateConfig, lang: str) -> Translator:
    """The configured backend for ``lang``, behind the persistent translation cache when ``cfg.cache``.

    Both built-in backends (and the cache wrapper) keep ``stats``: sentences, tokens, seconds, cache hits.
    """
    BACKENDS.target(cfg.backend)  # an unknown name fails before the model check
    if not cfg.model:
        raise ConfigError(
            f"no translation model configured for {lang}", "pass --model ID_OR_DIR or set translate.model"
        )
    translator: Translator = BACKENDS.load(cfg.backend)(cfg, lang)
    if cfg.cache:
        from pipeline.translate.cache import wrap_with_cache

        translator = wrap_with_cache(translator, cfg)
    return translator
