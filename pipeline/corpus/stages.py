"""The stages of ``translate-corpus`` over one shard; both engines run exactly these functions.

read (:func:`pipeline.corpus.read.read_shard`) -> :func:`segment_shard` -> :class:`TranslateStage` (holds the
model: built once per process or Ray actor) -> :func:`link_shard` (the document core, :mod:`pipeline.document`,
as in ``translate``) -> :func:`pipeline.corpus.shards.write_shard`.

Per-record problems (no sentences left, a translation or alignment error for one record) reject that record
with the reason. An exception that escapes a stage fails the whole shard (:func:`guarded` turns it into a
:class:`ShardFailure`): it is not marked done, its records are listed as rejects of the run, and the next
run retries it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.corpus.read import read_shard
from pipeline.corpus.records import Doc, Reject, ShardResult, ShardSpec, ShardWork
from pipeline.corpus.shards import write_shard
from pipeline.document import Linker, link_document, make_linker, plan_units
from pipeline.errors import TranslationError
from pipeline.glossary import Glossary, translate_terms
from pipeline.records import NO_SOURCE, NO_TARGET, TranslatorInfo
from pipeline.segment import segment_document
from pipeline.translate import Output, Translator

log = logging.getLogger(__name__)

TranslatorFactory = Callable[[], Translator]


@dataclass(frozen=True)
class JobContext:
    """Everything a worker needs (picklable): the validated config, where shards go, the creation date."""

    cfg: Config
    shards_dir: str
    created: str  # ISO-8601 UTC, one for the whole run (TMX creationdate)
    translator_factory: TranslatorFactory | None = None  # tests: a stand-in; None = get_translator(cfg)
    glossary: Glossary | None = None  # glossary.files, read once by the job (term_missing, glossary.enforce)

    @property
    def kept_terms(self) -> Glossary | None:
        """The glossary whose terms the translator keeps (``glossary.enforce``), or None."""
        return self.glossary if self.cfg.glossary.enforce and self.glossary and self.glossary.entries else None


@dataclass(frozen=True)
class ShardFailure:
    """A shard that failed as a whole in one stage (its records become rejects; the next run retries it)."""

    spec: ShardSpec
    stage: str
    reason: str
    records: int = 0  # records known to be in it (0 = not read yet: the planned line/row count is used)
    fatal: bool = False  # the backend itself is broken (TranslationError): the job stops

    def rejects(self) -> list[Reject]:
        n = self.records or self.spec.count
        unit = "line(s)" if self.spec.fmt != "parquet" else "row(s)"
        where = f"{self.spec.rel}:{self.spec.start}+{self.spec.count} {unit}"
        return [Reject(where, self.stage, f"shard {self.spec.name} failed: {self.reason}", records=n)]


Item = ShardSpec | ShardWork | ShardResult | ShardFailure


def guarded(stage: str, fn: Callable[[Any], Any], item: Item) -> Item:
    """Run ``fn`` on ``item`` unless it already failed; any exception fails the shard with a one-line reason."""
    if isinstance(item, ShardFailure):
        return item
    t0 = time.perf_counter()
    try:
        out: Item = fn(item)
    except Exception as e:  # noqa: BLE001 - one shard's failure must not stop the job
        spec = item.spec if isinstance(item, ShardWork) else item
        assert isinstance(spec, ShardSpec)
        records = item.records if isinstance(item, ShardWork) else 0
        fatal = isinstance(e, TranslationError)
        reason = e.problem if isinstance(e, TranslationError) else reason_of(e)
        log.warning("shard %s failed in %s: %s", spec.name, stage, reason)
        return ShardFailure(spec, stage, reason, records, fatal)
    if isinstance(out, ShardWork):
        out.seconds[stage] = out.seconds.get(stage, 0.0) + time.perf_counter() - t0
    return out


def reason_of(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return (f"{type(e).__name__}: {text}" if text else type(e).__name__)[:400]


# --------------------------------------------------------------------------- segment


def linker_for(cfg: Config) -> Linker:
    """How translations are linked to their sources in every record (the settings of the single-file path)."""
    assert cfg.lang is not None
    return make_linker(
        unit=cfg.translate.unit,
        check_links=cfg.check_links,
        align=cfg.align,
        segmenter=cfg.segment.segmenter,
        src_lang=cfg.src_lang,
        tgt_lang=cfg.lang,
        max_input_tokens=cfg.translate.max_input_tokens,
    )


def segment_shard(work: ShardWork, cfg: Config) -> ShardWork:
    kept: list[Doc] = []
    for doc in work.docs:
        try:
            seg = segment_document(
                doc.record.text, cfg.src_lang, segmenter=cfg.segment.segmenter, furniture=cfg.segment.furniture
            )
        except Exception as e:  # noqa: BLE001
            work.reject(doc, "segment", reason_of(e))
            continue
        if not seg.sentences:
            why = "only page furniture" if seg.dropped else "no sentence"
            work.reject(doc, "segment", f"no sentences left after segmentation ({why})")
            continue
        doc.seg = seg
        work.sentences += len(seg.sentences)
        kept.append(doc)
    work.docs = kept
    return work


# --------------------------------------------------------------------------- translate


class TranslateStage:
    """Holds one translator (the model is loaded once, on the first shard) and translates whole shards."""

    def __init__(self, cfg: Config, factory: TranslatorFactory | None = None, kept: Glossary | None = None) -> None:
        self.cfg = cfg
        self.factory = factory
        self.kept = kept  # glossary.enforce: the terms kept through the model (pipeline.glossary.translate_terms)
        self._translator: Translator | None = None
        self.linker = linker_for(cfg)
        self.load_seconds = 0.0
        self._load_reported = False

    @property
    def translator(self) -> Translator:
        if self._translator is None:
            t0 = time.perf_counter()
            if self.factory is not None:
                self._translator = self.factory()
            else:
                from pipeline.translate import get_translator

                assert self.cfg.lang is not None
                self._translator = get_translator(self.cfg.translate, self.cfg.lang)
            self.load_seconds = time.perf_counter() - t0
            log.info("translator %s loaded on %s in %.1fs", self._translator.name, self._translator.device,
                     self.load_seconds)  # fmt: skip
        return self._translator

    def info(self) -> TranslatorInfo:
        return TranslatorInfo.of(self.translator)

    def __call__(self, work: ShardWork) -> ShardWork:
        tr = self.translator
        work.translator = self.info()
        if not self._load_reported:  # once per process/actor: the benchmark sums model load times
            work.seconds["model_load"] = self.load_seconds
            self._load_reported = True
        count = getattr(tr, "count_tokens", None) if self.cfg.translate.unit == "paragraph" else None
        for d in work.docs:
            assert d.seg is not None
            d.units = plan_units(d.seg, self.linker, count)
        per_doc = [[u.text for u in d.units] for d in work.docs]
        flat = list(dict.fromkeys(t for texts in per_doc for t in texts))
        try:  # the whole shard in one call: the backend batches it by token budget
            table = self._translate(tr, flat)
        except Exception as e:  # noqa: BLE001 - find the record(s) at fault, one by one
            log.warning("shard %s: translating the shard failed (%s); record by record", work.spec.name, reason_of(e))
            table = {}
            kept: list[Doc] = []
            for doc, texts in zip(work.docs, per_doc, strict=True):
                try:
                    table.update(self._translate(tr, list(dict.fromkeys(texts))))
                    kept.append(doc)
                except Exception as e2:  # noqa: BLE001
                    work.reject(doc, "translate", reason_of(e2))
            if work.docs and not kept:  # nothing worked: a failure of the shard, retried next run
                raise
            per_doc = [t for d, t in zip(work.docs, per_doc, strict=True) if d in kept]
            work.docs = kept
        for doc, texts in zip(work.docs, per_doc, strict=True):
            doc.outputs = [table[t][0] for t in texts]
            if self.kept is not None:
                protected, dropped = sum(table[t][1] for t in texts), sum(table[t][2] for t in texts)
                for key, n in (("terms_protected", protected), ("placeholders_dropped", dropped)):
                    work.glossary[key] = work.glossary.get(key, 0) + n
        return work

    def _translate(self, tr: Translator, texts: list[str]) -> dict[str, tuple[Output, int, int]]:
        """text -> (its translation, terms protected in it, placeholders the model dropped)."""
        assert self.cfg.lang is not None
        kept = translate_terms(tr.translate, texts, self.kept, self.cfg.lang)
        if len(kept.outputs) != len(texts):
            raise RuntimeError(f"translator returned {len(kept.outputs)} outputs for {len(texts)} inputs")
        rows = zip(kept.outputs, map(len, kept.slots), map(len, kept.dropped), strict=True)
        return dict(zip(texts, rows, strict=True))


# --------------------------------------------------------------------------- link (+ quality flags)


def link_shard(work: ShardWork, cfg: Config, glossary: Glossary | None = None) -> ShardWork:
    """Link, pair and check every record with the document core, as the single-file path does."""
    assert cfg.lang is not None and work.translator is not None
    linker = linker_for(cfg)
    work.aligner = linker.name
    kept: list[Doc] = []
    for doc in work.docs:
        assert doc.seg is not None
        try:
            qa = cfg.qa if cfg.corpus.qa else None
            result = link_document(doc.seg, doc.units, doc.outputs, linker, qa=qa, doc=doc.record.id, glossary=glossary)
        except Exception as e:  # noqa: BLE001
            work.reject(doc, "align", reason_of(e))
            continue
        failed = result.linked.failed
        if failed and len(failed) >= len(doc.seg.sentences):  # nothing of it was translated
            work.reject(doc, "translate", f"translation failed: {next(iter(failed.values()))}")
            continue
        doc.flags = {k: v for k, v in result.qa.counts.items() if v} if result.qa is not None else {}
        doc.qa_details = result.qa.details if result.qa is not None else {}
        if failed:  # written, as by the single-article path, with the translation_failed flag
            doc.flags["translation_failed"] = len(failed)
        for flag in (NO_TARGET, NO_SOURCE):  # unit: paragraph: sentences the aligner found no counterpart for
            if n := sum(1 for p in result.pairs if flag in p.flags):
                doc.flags[flag] = n
        doc.pairs = result.pairs
        kept.append(doc)
    work.docs = kept
    return work


def run_stages(spec: ShardSpec, ctx: JobContext, translate: TranslateStage) -> ShardResult | ShardFailure:
    """All stages of one shard in this process (the local engine)."""

    cfg = ctx.cfg
    item: Item = guarded("read", lambda s: read_shard(s, cfg.corpus), spec)
    item = guarded("segment", lambda w: segment_shard(w, cfg), item)
    item = guarded("translate", translate, item)
    item = guarded("align", lambda w: link_shard(w, cfg, ctx.glossary), item)
    item = guarded("write", lambda w: write_shard(w, cfg, Path(ctx.shards_dir), ctx.created, ctx.kept_terms), item)
    assert isinstance(item, (ShardResult, ShardFailure))
    return item
