from __future__ import annotations

import argparse
import logging
from pathlib import Path

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
    p.add_argument("--input", metavar="FILE", help="English UTF-8 text (default: the config's input, the seed)")
    add_config_arguments(p)
    p.add_argument("--model", metavar="ID_OR_DIR", help="hub id or local MarianMT folder (sets translate.model)")
    p.add_argument("--revision", help="hub revision to pin (sets translate.revision)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: outputs/<lang>/)")


def run(args: argparse.Namespace) -> int:
    from pipeline.config import load_config
    from pipeline.run import resolve_input, translate_file

    overrides = list(args.overrides)
    if args.model:
        overrides.append(f"translate.model={args.model}")
    if args.revision:
        overrides.append(f"translate.revision={args.revision}")
    cfg = load_config(lang=args.lang, config_files=args.config, overrides=overrides)
    report = translate_file(cfg, resolve_input(cfg, args.input), Path(args.out) if args.out else None)
    log.info("%s", report.summary())
    return 0
