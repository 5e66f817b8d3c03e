"""The driver of ``translate-corpus``: plan, skip what is done, run an engine, account for every record.

Outputs in ``<out>/``: ``shards/`` (per shard: Parquet, JSONL, TMX, rejects, done marker),
``rejects.jsonl`` (every record left out, with its stage and reason, across all shards and runs) and
``manifest.json`` (the plan, per-shard counts and signatures, totals, the configuration), both written
atomically at the end.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.components import load_glossary
from pipeline.config import Config
from pipeline.corpus.read import DOCUMENT, find_duplicates, plan_shards
from pipeline.corpus.records import ShardResult, ShardSpec
from pipeline.corpus.shards import dumps_reject, load_done, read_rejects, remove_stale
from pipeline.corpus.stages import JobContext, ShardFailure, TranslatorFactory
from pipeline.errors import ConfigError, TranslationError
from pipeline.glossary import Glossary
from pipeline.io import check_output_folder, json_bytes
from pipeline.read import get_reader
from pipeline.settings import output_settings
from pipeline.write.output import Rendered, commit_all, creation_time

log = logging.getLogger(__name__)


@dataclass
class CorpusReport:
    engine: str
    out: str
    shards: int = 0
    skipped: int = 0  # already written by an earlier run
    failed: int = 0
    records: int = 0
    written: int = 0
    rejected: int = 0
    sentences: int = 0  # of the written records
    pairs: int = 0
    sentences_now: int = 0  # translated by this run
    seconds: float = 0.0
    signatures: list[str] = field(default_factory=list)
    glossary: dict[str, int] = field(default_factory=dict)  # glossary.enforce: terms kept, placeholders dropped

    @property
    def rate(self) -> float:
        return self.sentences_now / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        failed = f", {self.failed} failed (rerun to retry)" if self.failed else ""
        terms = ""
        if self.glossary:
            lost = self.glossary.get("placeholders_dropped", 0)
            terms = f"; {self.glossary.get('terms_protected', 0)} glossary term(s) kept" + (
                f" ({lost} placeholder(s) dropped by the model: flagged term_missing)" if lost else ""
            )
        return (
            f"{self.engine}: {self.shards} shards ({self.skipped} already done{failed}), {self.records} records: "
            f"{self.written} written, {self.rejected} rejected; {self.pairs} pairs{terms}; "
            f"{self.sentences_now} sentences in {self.seconds:.1f}s ({self.rate:.1f} sentences/s) -> {self.out}"
        )


def settings_key(cfg: Config, glossary: Glossary | None = None, *, reader: str | None = None) -> str:
    """The settings that decide a shard's content: all but the fields marked operational (:mod:`pipeline.settings`).

    The glossary counts by its content (``glossary``: the terms the job read), not by its files' names; without
    one, the glossary settings and the ``term_missing`` check cannot change a shard and are left out (so the
    shards of a job without a glossary keep the keys they had before glossaries existed). Records of JSONL, Parquet
    and text files are text, read by no reader and carrying no inline codes: ``read`` and the ``tag_mismatch``
    check are left out of their key; a document's (one file read by ``reader``) keeps ``read.format``, its reader's
    own section (``read.html`` for a page) and the check.
    """
    data = output_settings(cfg)
    read = data.pop("read", {})
    if reader is None:
        data.get("qa", {}).pop("tag_mismatch", None)
    else:
        data["read"] = {k: v for k, v in read.items() if k in ("format", reader)}
    section = data.pop("glossary", {})
    if glossary is not None and glossary.entries:
        data["glossary"] = {"enforce": section.get("enforce", False), "terms": glossary.digest()}
    else:
        data.get("qa", {}).pop("term_missing", None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def run_corpus(
    cfg: Config,
    input_path: Path,
    out_dir: Path,
    *,
    engine: str | None = None,
    ray_address: str | None = None,
    translator_factory: TranslatorFactory | None = None,
) -> CorpusReport:

    engine = engine or cfg.corpus.engine
    if cfg.lang is None:
        raise ConfigError("no target language", "pass --lang ko, uk or ru")
    if engine not in ("local", "ray"):
        raise ConfigError(f"unknown engine {engine!r}", "use --engine local or --engine ray")
    if engine == "ray":  # before anything else: the extra may be missing
        from pipeline.corpus.ray_engine import import_ray

        import_ray()

    check_output_folder(out_dir)  # before any work: a long job must not end in an unwritable folder
    if cfg.glossary.enforce and not cfg.corpus.qa:
        raise ConfigError(
            "glossary.enforce needs the quality checks, but corpus.qa is false (a placeholder the model drops is "
            "flagged by term_missing)",
            "set corpus.qa=true, or glossary.enforce=false",
        )
    glossary = load_glossary(cfg)
    if translator_factory is None:
        _check_model(cfg)
    t0 = time.perf_counter()
    shards_dir = out_dir / "shards"
    keys: dict[str, str] = {}  # reader -> the settings key of its documents

    def document_key(path: Path) -> str:
        name = get_reader(cfg.read, path).name
        return keys.get(name) or keys.setdefault(name, settings_key(cfg, glossary, reader=name))

    specs, plan_rejects = plan_shards(input_path, cfg.corpus, settings_key(cfg, glossary), document_key)
    documents = [s.rel for s in specs if s.fmt == DOCUMENT]
    if documents and cfg.translate.unit != "sentence":  # before any work, as translate refuses it
        raise ConfigError(
            f"documents with markup ({documents[0]}{' ...' if len(documents) > 1 else ''}) are translated sentence "
            f"by sentence (their inline codes are placed per sentence), but translate.unit is {cfg.translate.unit}",
            "set translate.unit=sentence, or give the documents to another job",
        )
    specs, duplicates = find_duplicates(specs, cfg.corpus)  # before the done check: they are in the keys
    log.info("%d record(s) repeat the id of a record in an earlier shard: rejected as duplicates", duplicates)
    done: dict[str, ShardResult] = {}
    if shards_dir.is_dir():
        stale = remove_stale(shards_dir, {s.name for s in specs})
        if stale:
            log.info("removed %d file(s) of shards that the current input no longer has", stale)
        done = {s.name: r for s in specs if (r := load_done(shards_dir, s)) is not None}
    todo = [s for s in specs if s.name not in done]
    log.info(
        "%d input shard(s) planned, %d already written, %d to do (engine %s)", len(specs), len(done), len(todo), engine
    )
    ctx = JobContext(
        cfg=cfg,
        shards_dir=str(shards_dir),
        created=creation_time(cfg.output.creation_date).isoformat(),
        translator_factory=translator_factory,
        glossary=glossary,
    )
    ctx.components().check_formats(cfg.corpus.formats, "corpus.formats")
    report = CorpusReport(engine=engine, out=str(out_dir), shards=len(specs), skipped=len(done))
    results: dict[str, ShardResult] = dict(done)
    failures: list[ShardFailure] = []
    for item in _engine(engine, todo, ctx, ray_address):
        if isinstance(item, ShardFailure) and item.fatal:  # a broken model or backend: every shard would fail
            raise TranslationError(
                f"shard {item.spec.name}: {item.reason}",
                "shards written so far are kept; fix the model/backend and rerun to resume",
            )
        if isinstance(item, ShardFailure):
            failures.append(item)
        else:
            results[item.name] = item
            report.sentences_now += item.sentences
    known = set(results) | {f.spec.name for f in failures}
    for spec in todo:  # shards the engine lost (a worker that kept dying): rejected, retried by the next run
        if spec.name not in known:
            failures.append(ShardFailure(spec, "worker", "its worker died (Ray gave up after the configured retries)"))
    report.seconds = time.perf_counter() - t0
    _finish(report, specs, plan_rejects, results, failures, shards_dir, out_dir, cfg, ctx.created, str(input_path))
    return report


def _check_model(cfg: Config) -> None:
    """Fail fast, in one line, on a model that cannot be found (before any worker starts)."""
    from pipeline.translate.models import resolve_files

    if not cfg.translate.model:
        raise ConfigError(f"no translation model configured for {cfg.lang}", "pass --model ID_OR_DIR")
    resolve_files(cfg.translate.model, cfg.translate.revision)


def _engine(
    engine: str, todo: Sequence[ShardSpec], ctx: JobContext, ray_address: str | None
) -> Iterator[ShardResult | ShardFailure]:
    if engine == "ray":
        from pipeline.corpus.ray_engine import run_ray

        return run_ray(todo, ctx, address=ray_address)
    from pipeline.corpus.local import run_local

    return run_local(todo, ctx)


def _finish(
    report: CorpusReport,
    specs: list[ShardSpec],
    plan_rejects: list[Any],
    results: dict[str, ShardResult],
    failures: list[ShardFailure],
    shards_dir: Path,
    out_dir: Path,
    cfg: Config,
    created: str,
    input_path: str,
) -> None:

    lines = [dumps_reject(r) for r in plan_rejects]
    for spec in specs:
        if spec.name in results:
            lines += read_rejects(shards_dir, spec.name)
    for f in failures:
        lines += [dumps_reject(r) for r in f.rejects()]
    report.failed = len(failures)
    for r in results.values():
        report.records += r.records
        report.written += r.written
        report.rejected += r.rejected
        report.sentences += r.sentences
        report.pairs += r.pairs
    for f in failures:
        n = f.records or f.spec.count
        report.records += n
        report.rejected += n
    report.signatures = sorted({r.signature for r in results.values()})
    flags: dict[str, int] = {}
    for r in results.values():
        for k, v in r.flags.items():
            flags[k] = flags.get(k, 0) + v
        for k, v in r.glossary.items():
            report.glossary[k] = report.glossary.get(k, 0) + v
    manifest = {
        "created": created,
        "input": input_path,
        "lang": cfg.lang,
        "engine": report.engine,
        "signatures": report.signatures,
        "totals": {
            "shards": report.shards,
            "failed_shards": report.failed,
            "records": report.records,
            "written": report.written,
            "rejected": report.rejected,
            "sentences": report.sentences,
            "pairs": report.pairs,
            "flags": flags,
            **({"glossary": report.glossary} if report.glossary else {}),
        },
        "rejected_files": [r.to_json() for r in plan_rejects],
        "shards": [
            {"spec": s.to_json(), "result": results[s.name].to_json() if s.name in results else None} for s in specs
        ],
        "failed": [{"shard": f.spec.name, "stage": f.stage, "reason": f.reason} for f in failures],
        "config": cfg.model_dump(mode="json"),
    }
    body = "".join(line + "\n" for line in lines).encode("utf-8")
    commit_all(
        [
            Rendered("rejects.jsonl", data=body),
            Rendered("manifest.json", data=json_bytes(manifest, indent=1)),
        ],
        out_dir,
    )
