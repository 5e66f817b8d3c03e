"""``python -m pipeline bench-corpus``: translate-corpus sentences/s, local engine vs Ray Data engine."""

from __future__ import annotations

import argparse
import sys

NAME = "bench-corpus"
HELP = "measure translate-corpus sentences/s with the local and the ray engine (same model and decoding)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sentences", type=int, default=400, metavar="N", help="English sentences (400)")
    p.add_argument("--out-tokens", type=int, default=20, metavar="N", help="target tokens per sentence, forced (20)")
    p.add_argument("--beams", type=int, default=4, metavar="N", help="beam size (4, OPUS-MT's default)")
    p.add_argument("--backend", choices=("transformers", "ctranslate2"), default="transformers")
    p.add_argument("--threads", type=int, default=1, metavar="N", help="CPU threads per worker (1)")
    p.add_argument("--engines", default="local,ray", help="comma-separated: local, ray (both)")
    p.add_argument(
        "--actors",
        type=int,
        metavar="N",
        help="N: after 1 local worker vs 1 ray actor, N ray actors vs 1 local worker of N x --threads threads "
        "(default: CPUs / threads; 1 runs only the first comparison)",
    )
    p.add_argument("--ray-address", metavar="ADDR", help="benchmark on this Ray cluster (default: a local one)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda (translate.device)")
    p.add_argument("--num-gpus", type=float, default=0.0, metavar="G", help="GPUs per ray actor (0)")
    p.add_argument("--shard-records", type=int, default=50, metavar="N", help="records per shard (50)")
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="run every configuration N times, in rounds; report medians and min-max (3; at least 1)",
    )
    p.add_argument("--quick", action="store_true", help="smoke test: tiny model (the timings mean nothing)")


def run(args: argparse.Namespace) -> int:
    from pipeline.bench.corpus import run_corpus_bench
    from pipeline.errors import ConfigError

    engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())
    if not engines or any(e not in ("local", "ray") for e in engines):
        raise ConfigError(f"--engines {args.engines!r}: give local, ray or local,ray", "e.g. --engines local,ray")
    if min(args.sentences, args.out_tokens, args.beams, args.threads, args.shard_records, args.repeat) < 1:
        raise ConfigError(
            "--sentences, --out-tokens, --beams, --threads, --shard-records and --repeat must be at least 1"
        )
    if args.actors is not None and args.actors < 1:
        raise ConfigError("--actors must be at least 1")
    if not args.verbose:
        from pipeline.corpus import quiet_per_record_logs

        quiet_per_record_logs()
    result = run_corpus_bench(
        sentences=args.sentences,
        out_tokens=args.out_tokens,
        beams=args.beams,
        backend=args.backend,
        threads=args.threads,
        engines=engines,
        actors=args.actors,
        ray_address=args.ray_address,
        device=args.device,
        num_gpus=args.num_gpus,
        shard_records=args.shard_records,
        quick=args.quick,
        repeat=args.repeat,
    )
    print(result.table())
    print(result.final_line())
    sys.stdout.flush()
    return 0
