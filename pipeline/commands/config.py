"""``pipeline config``: the configuration a run would use, or the reference of every key."""

from __future__ import annotations

import argparse
import sys

from pipeline.commands import add_glossary_argument

NAME = "config"
HELP = "print the configuration a run would use (YAML), or with --reference every key with its default"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", help="target language: ko, uk or ru (adds configs/<lang>.yaml)")
    p.add_argument("--config", action="append", default=[], metavar="FILE", help="extra YAML config (repeatable)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override one setting"
    )
    add_glossary_argument(p)
    p.add_argument(
        "--reference",
        action="store_true",
        help="every key with its default and what it does, as Markdown (docs/configuration.md is this output)",
    )


def run(args: argparse.Namespace) -> int:
    import yaml

    from pipeline.commands import with_glossaries
    from pipeline.config import load_config, reference_markdown

    if args.reference:
        sys.stdout.write(reference_markdown())
        return 0
    cfg = with_glossaries(
        load_config(lang=args.lang, config_files=args.config, overrides=args.overrides), args.glossary
    )
    sys.stdout.write(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False, allow_unicode=True))
    return 0
