"""Thin command line: ``main(argv) -> int``. Only this module configures logging and exits.

Subcommands live in ``pipeline/commands/<name>.py`` with ``NAME``, ``HELP``, ``add_arguments`` and
``run``; they import heavy libraries (torch, transformers) only inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from pipeline import __version__
from pipeline.errors import PipelineError, QualityError, failure_reason

COMMANDS = (
    "pipeline.commands.translate",
    "pipeline.commands.translate_corpus",
    "pipeline.commands.segment",
    "pipeline.commands.align",
    "pipeline.commands.bench_align",
    "pipeline.commands.bench_segment",
    "pipeline.commands.bench",
    "pipeline.commands.bench_corpus",
    "pipeline.commands.bench_robust",
    "pipeline.commands.apply_review",
    "pipeline.commands.config",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline",
        description="Segment English text, translate it with MarianMT (OPUS-MT), align and write TMX/JSONL.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("-q", "--quiet", action="store_true", help="log errors only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as e:  # a command whose module is not installed
            if e.name == name:
                continue
            raise
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="pipeline: %(levelname)s: %(message)s", stream=sys.stderr)
    for noisy in ("transformers", "huggingface_hub", "urllib3", "filelock", "httpx", "ray"):
        logging.getLogger(noisy).setLevel(max(level, logging.ERROR))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not args.verbose:  # the libraries set their own log levels when imported
        os.environ.setdefault("HF_HUB_VERBOSITY", "error")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if "transformers" in sys.modules:  # imported before (by a caller of main): its bars read the env at import
            sys.modules["transformers"].utils.logging.disable_progress_bar()
    try:
        code: int = args._run(args)
        return code
    except QualityError as e:  # outputs were written; a distinct status for scripts
        print(f"pipeline: error: {e}", file=sys.stderr)
        return 3
    except PipelineError as e:
        print(f"pipeline: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pipeline: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        print(
            "pipeline: error: out of memory; use smaller batches (--set translate.batch_tokens=256) or split the input",
            file=sys.stderr,
        )
        return 2
    except Exception as e:  # a bug: one line, the traceback only with -v
        if args.verbose:
            raise
        print(
            f"pipeline: internal error: {failure_reason(e, limit=300)}; rerun with -v for the traceback "
            "and report it with the command you ran",
            file=sys.stderr,
        )
        return 1
