"""``pipeline bench-robust``: degenerate translations injected at known rates, found and repaired; the ladder's cost."""

from __future__ import annotations

import argparse
import sys

NAME = "bench-robust"
HELP = (
    "inject decoding faults (a loop, a truncation, the source copied, the other Cyrillic language, an empty "
    "output) into the first decode of a real tiny model's units at known rates: detection precision and recall "
    "and the share repaired per class, a random-weight model's own loops, and the repair ladder's cost"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sentences", type=int, default=120, metavar="N", help="sentences in the document (120)")
    p.add_argument("--rate", type=float, default=0.05, metavar="R", help="share of sentences per fault class (0.05)")
    p.add_argument("--seed", type=int, default=7, help="which sentences get which fault (7)")
    p.add_argument("--repeat", type=int, default=3, metavar="N", help="timing rounds, the median is reported (3)")
    p.add_argument(
        "--base-sentences",
        type=int,
        default=6,
        metavar="N",
        help="sentences for the random-weight base-size model's own loops (6; 0: leave it out)",
    )
    p.add_argument("--backend", choices=("transformers", "ctranslate2"), default="transformers")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="a setting")


def run(args: argparse.Namespace) -> int:
    from pipeline.bench.robust import FAULTS, report_lines, run_robust
    from pipeline.errors import ConfigError

    if args.sentences < 5 * len(FAULTS) or not 0 < args.rate <= 1 / len(FAULTS) or args.repeat < 1:
        raise ConfigError(
            f"--sentences must be at least {5 * len(FAULTS)}, --rate in (0, {1 / len(FAULTS):.2f}], --repeat >= 1",
            "e.g. --sentences 120 --rate 0.05 --repeat 3",
        )
    if args.base_sentences < 0:
        raise ConfigError("--base-sentences must be 0 or more", "e.g. --base-sentences 6")
    result = run_robust(
        sentences=args.sentences,
        rate=args.rate,
        seed=args.seed,
        repeat=args.repeat,
        base_sentences=args.base_sentences,
        backend=args.backend,
        extra=args.overrides,
    )
    sys.stdout.write("".join(line + "\n" for line in report_lines(result)))
    return 0
