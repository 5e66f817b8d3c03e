from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.commands import add_glossary_argument

NAME = "translate"
HELP = "segment, translate, align and write TMX/JSONL for one target language"

log = logging.getLogger(__name__)


def add_config_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", action="append", default=[], metavar="FILE", help="extra YAML config (repeatable)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="override any config key, e.g. --set translate.num_beams=2 (repeatable)",
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", required=True, help="target language: ko, uk or ru")
    p.add_argument(
        "--input",
        metavar="FILE",
        help="English text, web page (.html), Markdown (.md), Word document (.docx) or subtitles (.srt, .vtt) "
        "(default: the config's input, the seed)",
    )
    p.add_argument(
        "--input-format",
        metavar="NAME",
        help="read the input as this format instead of by its extension: text, html, markdown, docx, srt, vtt "
        "(sets read.format)",
    )
    add_config_arguments(p)
    p.add_argument("--model", metavar="ID_OR_DIR", help="hub id or local MarianMT folder (sets translate.model)")
    p.add_argument("--revision", help="hub revision to pin (sets translate.revision)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: outputs/<lang>/)")
    p.add_argument(
        "--ref",
        metavar="FILE",
        help="reference translations, one per source sentence (in order): BLEU and chrF in the summary and "
        "<name>.eval.json",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the translation cache (sets translate.cache=false)",
    )
    add_glossary_argument(p)


class _OnFirstUse:
    """Builds the translator when the run first needs it (after the input is read and segmented)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self.built: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_make", "built"):
            raise AttributeError(name)
        if self.built is None:
            self.built = self._make()
        return getattr(self.built, name)


def run(args: argparse.Namespace) -> int:
    from pipeline.commands import translate_overrides, with_glossaries
    from pipeline.config import load_config
    from pipeline.run import resolve_input, translate_file
    from pipeline.translate import get_translator

    overrides = translate_overrides(args)
    cfg = load_config(lang=args.lang, config_files=args.config, overrides=overrides)
    cfg = with_glossaries(cfg, args.glossary)
    lang = cfg.lang or args.lang
    translator = _OnFirstUse(lambda: get_translator(cfg.translate, lang))
    report = translate_file(
        cfg,
        resolve_input(cfg, args.input),
        Path(args.out) if args.out else None,
        translator=translator,
        ref=Path(args.ref) if args.ref else None,
    )
    built = translator.built
    if built is not None:  # None: the run stopped before it needed the model
        log.info("%s", built.stats.summary(backend=built.name, device=built.device))
    log.info("%s", report.summary())
    return 0
