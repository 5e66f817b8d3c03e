"""The stages of ``translate-corpus`` over one shard; both engines run exactly these functions.

read (:func:`pipeline.corpus.read.read_shard`) -> :func:`segment_shard` -> :class:`TranslateStage` (holds the
model: built once per process or Ray actor) -> :func:`link_shard` (the document core, :mod:`pipeline.document`,
as in ``translate``) -> :func:`pipeline.corpus.shards.write_shard`. What each stage is made of (segmenter,
linker, glossary, checks, signature, writers) comes from :meth:`JobContext.components`, the wiring that
``translate`` uses too (:mod:`pipeline.components`); the stages keep what is the corpus's own: shards,
rejects and the engines' model handling.

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

from pipeline.components import Components
from pipeline.config import Config
from pipeline.corpus.read import read_shard
from pipeline.corpus.records import Doc, Reject, ShardResult, ShardSpec, ShardWork
from pipeline.corpus.shards import write_shard
from pipeline.document import Unit
from pipeline.errors import ConfigError, TranslationError
from pipeline.glossary import Glossary
from pipeline.records import NO_SOURCE, NO_TARGET, TranslatorInfo
from pipeline.translate import Output, Translator

log = logging.getLogger(__name__)

TranslatorFactory = Callable[[], Translator]


@dataclass(frozen=True)
class JobContext:
    """Everything a worker needs (picklable): the validated config, where shards go, the creation date."""

    cfg: Config
    shards_dir: str
    created: str  # ISO-8601 UTC, one for the whole run (TMX creationdate)
    translator_factory: TranslatorFactory | None = None  # tests: a stand-in; None = the configured backend
    glossary: Glossary | None = None  # glossary.files, read once by the job (term_missing, glossary.enforce)

    def components(self) -> Components:
        """The job's components, built in the process that runs a stage (nothing heavy is loaded)."""
        return Components.build(self.cfg, glossary=self.glossary)


@dataclass(frozen=True)
class ShardFailure:
    """A shard that failed as a whole in one stage (its records become rejects; the next run retries it)."""

    spec: ShardSpec
    stage: str
    reason: str
    records: int = 0  # records known to be in it (0 = not read yet: the planned line/row count is used)
    fatal: bool = False  # the backend is broken or the settings do not fit it: the job stops

    def rejects(self) -> list[Reject]:
        n = self.records or self.spec.count
        unit = {"parquet": "row(s)", "document": "document"}.get(self.spec.fmt, "line(s)")
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
        fatal = isinstance(e, (TranslationError, ConfigError))  # the backend or the settings: every shard would fail
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


def segment_shard(work: ShardWork, parts: Components) -> ShardWork:
    kept: list[Doc] = []
    for doc in work.docs:
        try:
            if doc.record.path is not None:  # a document: read by its reader, segmented block by block
                doc.source = parts.read(Path(doc.record.path))
                seg, doc.blocks = parts.segment_source(doc.source)
            else:
                seg = parts.segment(doc.record.text)
        except ConfigError:  # settings no document can be translated with (translate.unit=paragraph): the job stops
            raise
        except Exception as e:  # noqa: BLE001
            work.reject(doc, "segment", reason_of(e))
            continue
        if not seg.sentences:
            why = (
                "no translatable text"
                if doc.source is not None and doc.source.text is None
                else ("only page furniture" if seg.dropped else "no sentence")
            )
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

    def __init__(self, parts: Components, factory: TranslatorFactory | None = None) -> None:
        self.parts = parts
        self.factory = factory
        self._translator: Translator | None = None
        self.load_seconds = 0.0
        self._load_reported = False

    @property
    def translator(self) -> Translator:
        if self._translator is None:
            t0 = time.perf_counter()
            self._translator = self.factory() if self.factory is not None else self.parts.make_translator()
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
        model_units: list[list[Unit]] = []  # what the model is given: a document's units with its codes' placeholders
        for d in work.docs:
            assert d.seg is not None
            d.units = self.parts.plan(d.seg, tr)
            units, d.slots = self.parts.protect(d.units, d.blocks)
            model_units.append(units)
        per_doc = [[u.text for u in units] for units in model_units]
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
            model_units = [u for d, u in zip(work.docs, model_units, strict=True) if d in kept]
            work.docs = kept
        for doc, texts, units in zip(work.docs, per_doc, model_units, strict=True):
            outputs = [table[t][0] for t in texts]
            assert doc.seg is not None
            # the repair ladder and the alternatives (translate.repair, translate.alternatives), record by record
            qa = self.parts.cfg.corpus.qa
            try:
                fixed = self.parts.repair(tr, doc.seg, units, doc.slots, doc.blocks, outputs, qa=qa)
                outputs, doc.notes = fixed.outputs, fixed.notes
            except Exception as e:  # noqa: BLE001 - the record goes on unrepaired; the link stage judges it
                log.warning("record %s: the repair ladder failed (%s); its first outputs are kept", doc.record.id,
                            reason_of(e))  # fmt: skip
            doc.outputs, doc.codes = self.parts.restore(outputs, doc.slots, units, doc.blocks)
            if self.parts.kept is not None:
                protected, dropped = sum(table[t][1] for t in texts), sum(table[t][2] for t in texts)
                for key, n in (("terms_protected", protected), ("placeholders_dropped", dropped)):
                    work.glossary[key] = work.glossary.get(key, 0) + n
        return work

    def _translate(self, tr: Translator, texts: list[str]) -> dict[str, tuple[Output, int, int]]:
        """text -> (its translation, terms protected in it, placeholders the model dropped)."""
        kept = self.parts.translate(tr, texts)
        rows = zip(kept.outputs, map(len, kept.slots), map(len, kept.dropped), strict=True)
        return dict(zip(texts, rows, strict=True))


# --------------------------------------------------------------------------- link (+ quality flags)


def link_shard(work: ShardWork, parts: Components) -> ShardWork:
    """Link, pair and check every record with the document core, as the single-file path does."""
    assert work.translator is not None
    kept: list[Doc] = []
    for doc in work.docs:
        assert doc.seg is not None
        try:
            result = parts.link(
                doc.seg,
                doc.units,
                doc.outputs,
                qa=parts.cfg.corpus.qa,
                doc=doc.record.id,
                codes=doc.codes,
                notes=doc.notes,
            )
            if doc.source is not None:  # the translated document, from its reader's skeleton
                doc.translated = parts.write_document(doc.source, doc.blocks, result, doc.codes or ())
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

    parts = translate.parts
    item: Item = guarded("read", lambda s: read_shard(s, ctx.cfg.corpus), spec)
    item = guarded("segment", lambda w: segment_shard(w, parts), item)
    item = guarded("translate", translate, item)
    item = guarded("align", lambda w: link_shard(w, parts), item)
    item = guarded("write", lambda w: write_shard(w, parts, Path(ctx.shards_dir), ctx.created), item)
    assert isinstance(item, (ShardResult, ShardFailure))
    return item
