"""``python -m pipeline bench``: translation throughput, naive vs batched transformers vs CTranslate2, and one
whole ``translate`` of the seed per backend (wall seconds, peak RSS; :mod:`pipeline.bench.e2e`)."""

from __future__ import annotations

import argparse
import logging
import sys

NAME = "bench"
HELP = (
    "measure translation tokens/s (naive generate(), batched transformers, the ctranslate2 backend, raw "
    "ctranslate2) and a whole translate of the seed per backend (wall seconds, peak RSS)"
)

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sentences", type=int, default=208, metavar="N", help="English sentences to translate (208)")
    p.add_argument(
        "--threads", type=int, default=1, metavar="N", help="CPU threads for torch and CTranslate2 (1; 0 = default)"
    )
    p.add_argument(
        "--out-tokens", type=int, default=20, metavar="N", help="target tokens per sentence, forced (min = max; 20)"
    )
    p.add_argument(
        "--naive-sentences",
        type=int,
        default=32,
        metavar="N",
        help="run the naive one-sentence-per-call baseline on every k-th sentence, N in all (32; 0 = all)",
    )
    p.add_argument("--batch-tokens", type=int, metavar="N", help="token budget per batch (default: the config's)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (auto: CUDA when available)")
    p.add_argument("--no-greedy", action="store_true", help="beam 4 only (skip the greedy row)")
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="time every system N times, in rounds; report the median tokens/s and min-max (3; at least 1)",
    )
    p.add_argument(
        "--quick", action="store_true", help="smoke test: tiny model, 8 sentences, 4 tokens (the timings mean nothing)"
    )
    p.add_argument(
        "--no-e2e",
        action="store_true",
        help="skip the end-to-end lines (a whole translate of the seed per backend, in a child process)",
    )
    p.add_argument(
        "--e2e-max-new-tokens",
        type=int,
        metavar="N",
        help="max_new_tokens of the end-to-end runs (default: the config's, 256; with --quick: --out-tokens)",
    )
    p.add_argument("--e2e-only", action="store_true", help="run only the end-to-end lines (no engine table)")
    p.add_argument(
        "--e2e-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the end-to-end runs on top of the defaults (repeatable): translate.repair.enabled=false",
    )
    p.add_argument(
        "--e2e-backend",
        action="append",
        choices=["transformers", "ctranslate2"],
        help="end-to-end runs of this backend only (repeatable; default: both)",
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.bench.translation import run_bench

    e2e_tokens = args.e2e_max_new_tokens
    if args.quick:
        sentences, out_tokens, naive = min(args.sentences, 8), min(args.out_tokens, 4), 4
        e2e_tokens = out_tokens if e2e_tokens is None else e2e_tokens
    else:
        sentences, out_tokens, naive = args.sentences, args.out_tokens, args.naive_sentences
    bad_e2e = e2e_tokens is not None and e2e_tokens < 1
    if sentences < 1 or out_tokens < 1 or args.repeat < 1 or naive < 0 or args.threads < 0 or bad_e2e:
        from pipeline.errors import ConfigError

        raise ConfigError(
            "--sentences, --out-tokens and --repeat must be at least 1",
            "and --naive-sentences, --threads >= 0, --e2e-max-new-tokens >= 1",
        )
    result = run_bench(
        sentences=sentences,
        threads=args.threads or None,
        out_tokens=out_tokens,
        naive_sentences=naive,
        batch_tokens=args.batch_tokens,
        device=args.device,
        quick=args.quick,
        greedy=not args.no_greedy,
        repeat=args.repeat,
        end_to_end=not args.no_e2e,
        e2e_max_new_tokens=e2e_tokens,
        e2e_only=args.e2e_only,
        e2e_settings=args.e2e_set,
        e2e_backends=args.e2e_backend or ("transformers", "ctranslate2"),
        progress=lambda line: print(line, flush=True) if args.e2e_only and line.startswith("e2e ") else log.info(line),
    )
    if args.e2e_only:
        from pipeline.bench.e2e import header

        print(header(result.end_to_end))
        sys.stdout.flush()
        return 0
    print(result.table())
    print(result.final_line())
    sys.stdout.flush()
    return 0
