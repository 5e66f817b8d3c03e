"""Subcommands of ``python -m pipeline``; each module: NAME, HELP, add_arguments(parser), run(args)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Config


def translate_overrides(args: argparse.Namespace) -> list[str]:
    """``--set`` values plus what ``--model``, ``--revision`` and ``--no-cache`` stand for (translate commands)."""
    overrides = list(args.overrides)
    if args.model:
        overrides.append(f"translate.model={args.model}")
    if args.revision:
        overrides.append(f"translate.revision={args.revision}")
    if args.no_cache:
        overrides.append("translate.cache=false")
    if getattr(args, "input_format", None):  # translate only: translate-corpus reads records, not documents
        overrides.append(f"read.format={args.input_format}")
    return overrides


def add_glossary_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--glossary",
        action="append",
        default=[],
        metavar="FILE",
        help="glossary (TBX, CSV/TSV, YAML): its terms are checked in every target (flag term_missing), and kept "
        "through the model with --set glossary.enforce=true; adds to glossary.files (repeatable)",
    )


def with_glossaries(cfg: Config, files: list[str]) -> Config:
    """``cfg`` with ``files`` (``--glossary``) added after the configuration's ``glossary.files``."""
    if not files:
        return cfg
    merged = list(dict.fromkeys([*cfg.glossary.files, *files]))
    return cfg.model_copy(update={"glossary": cfg.glossary.model_copy(update={"files": merged})})
