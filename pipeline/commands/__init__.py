"""Subcommands of ``python -m pipeline``; each module: NAME, HELP, add_arguments(parser), run(args)."""

from __future__ import annotations

import argparse


def translate_overrides(args: argparse.Namespace) -> list[str]:
    """``--set`` values plus what ``--model``, ``--revision`` and ``--no-cache`` stand for (translate commands)."""
    overrides = list(args.overrides)
    if args.model:
        overrides.append(f"translate.model={args.model}")
    if args.revision:
        overrides.append(f"translate.revision={args.revision}")
    if args.no_cache:
        overrides.append("translate.cache=false")
    return overrides
