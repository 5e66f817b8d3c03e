"""``python -m pipeline translate-corpus``: a corpus of records through the pipeline, locally or on Ray Data."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from pipeline.commands import add_glossary_argument
from pipeline.commands.translate import add_config_arguments

NAME = "translate-corpus"
HELP = "translate and align a corpus (JSONL, Parquet, text, or a folder of them) into sharded Parquet/JSONL/TMX"

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", required=True, help="target language: ko, uk or ru")
    p.add_argument(
        "--input",
        required=True,
        metavar="DATA",
        help="a .jsonl/.parquet file (fields id, text), a .txt file (one record per line, id file:line), "
        "or a folder of them",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (shards/, rejects.jsonl, manifest.json)")
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        help="local: in this process (default); ray: Ray Data (pip install .[ray])",
    )
    p.add_argument("--ray-address", metavar="ADDR", help="Ray cluster to join (default: $RAY_ADDRESS, else local)")
    add_config_arguments(p)
    p.add_argument("--model", metavar="ID_OR_DIR", help="hub id or local MarianMT folder (sets translate.model)")
    p.add_argument("--revision", help="hub revision to pin (sets translate.revision)")
    p.add_argument("--shard-records", type=int, metavar="N", help="input records per shard (corpus.shard_records)")
    p.add_argument("--no-cache", action="store_true", help="no translation cache (sets translate.cache=false)")
    add_glossary_argument(p)


def run(args: argparse.Namespace) -> int:
    from pipeline.commands import translate_overrides, with_glossaries
    from pipeline.config import load_config
    from pipeline.corpus.job import run_corpus

    overrides = translate_overrides(args)
    if args.shard_records is not None:
        overrides.append(f"corpus.shard_records={args.shard_records}")
    if args.engine:
        overrides.append(f"corpus.engine={args.engine}")
    if not args.verbose:
        from pipeline.corpus import quiet_per_record_logs

        quiet_per_record_logs()
    cfg = with_glossaries(load_config(lang=args.lang, config_files=args.config, overrides=overrides), args.glossary)
    report = run_corpus(cfg, Path(args.input), Path(args.out), ray_address=args.ray_address)
    log.info("%s", report.summary())
    return 0
