"""The single-file runner of ``translate``: read, segment, translate, link, check, render, report, commit.

Each step is a short function; what the steps are made of is built from the configuration by
:mod:`pipeline.components` and the document work itself is :mod:`pipeline.document` (both shared with
``translate-corpus``). This runner keeps what is its own: the files, the report and the profile. It is the
only module of the path that does file I/O. Every run's report and
summary give the seconds of each step and the peak memory (:class:`Profile`).
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.components import Components, load_glossary
from pipeline.config import Config, repo_root
from pipeline.document import DocumentPairs, one_line
from pipeline.errors import ConfigError, InputError, QualityError
from pipeline.glossary import Enforced
from pipeline.io import check_output_folder, json_bytes, read_text
from pipeline.qa import QASummary
from pipeline.read import SourceDocument
from pipeline.read.codes import SegmentedBlocks
from pipeline.read.fetch import is_url, url_stem
from pipeline.records import Segmentation, Signature, TranslatorInfo
from pipeline.translate import Translator
from pipeline.write import FORMATS, Rendered, commit_all
from pipeline.write.output import creation_time

log = logging.getLogger(__name__)


@dataclass
class Profile:
    """Seconds per step of a run, and the process's peak resident memory."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0

    @staticmethod
    def peak_rss_mb() -> float:
        """Peak resident set size of this process or of a finished child (the CTranslate2 conversion runs in one),
        whichever is larger, in MiB (``ru_maxrss``: KiB on Linux, bytes on macOS)."""
        peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024

    def line(self) -> str:
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        return f"{steps}; peak RSS {self.peak_rss_mb():.0f} MiB"

    def to_json(self) -> dict[str, Any]:
        return {"seconds": {k: round(v, 3) for k, v in self.seconds.items()}, "peak_rss_mb": round(self.peak_rss_mb())}


@dataclass
class RunReport:
    """What a run did, for the one-line summary and ``<name>.report.json``."""

    lang: str
    input: str
    sentences: int = 0
    encoding: str = "utf-8"  # what the input was decoded with (a legacy encoding is logged as a warning)
    translated: int = 0  # source sentences linked to a non-empty translation
    failed: list[dict[str, Any]] = field(default_factory=list)  # {sentence, text, reason}: no translation
    untranslated: list[dict[str, Any]] = field(default_factory=list)  # {sentence, text, reason}: empty target
    no_target: list[dict[str, Any]] = field(default_factory=list)  # {sentence, text}: no target aligned to it
    no_source: list[dict[str, Any]] = field(default_factory=list)  # {target, text}: target sentence without source
    dropped: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    signature: str = ""
    device: str = ""
    evaluation: str = ""  # the scores against --ref, if given
    glossary: dict[str, Any] = field(default_factory=dict)  # glossary.enforce: terms kept, placeholders dropped
    document: dict[str, Any] = field(default_factory=dict)  # a document with markup: its reader and metadata
    profile: Profile = field(default_factory=Profile)

    def summary(self) -> str:
        """One line that accounts for every input sentence (translated + failed + untranslated + no_target =
        sentences), and names the target sentences without a source (no_source)."""
        failed = f", {len(self.failed)} failed (see the report)" if self.failed else ""
        empty = f", {len(self.untranslated)} with an empty target" if self.untranslated else ""
        if self.no_target:
            empty += f", {len(self.no_target)} without a target (no_target)"
        if self.no_source:
            empty += f", {len(self.no_source)} target sentence(s) without a source (no_source)"
        dropped = f", {len(self.dropped)} furniture paragraph(s) dropped" if self.dropped else ""
        scores = f", {self.evaluation}" if self.evaluation else ""
        terms = ""
        if self.glossary:
            lost = self.glossary["placeholders_dropped"]
            terms = f", {self.glossary['terms_protected']} glossary term(s) kept" + (
                f" ({lost} placeholder(s) dropped by the model: flagged term_missing)" if lost else ""
            )
        return (
            f"{self.lang}: {self.sentences} sentences, {self.translated} translated{failed}{empty}{dropped}{terms}"
            f"{scores}, {self.seconds:.1f}s on {self.device} ({self.profile.line()}) -> {', '.join(self.outputs)}"
        )

    def account(self, seg: Segmentation, doc: DocumentPairs) -> None:
        """Put every source sentence in exactly one bin: translated, failed (with the reason), untranslated (the
        model's output is empty) or no_target (the aligner found no target sentence for it: ``unit:
        paragraph``); list the target sentences the aligner found no source for (no_source)."""
        linked = doc.linked
        tgt_of: dict[int, list[int]] = {}
        for lk in linked.links:
            for i in lk.src_idx:
                tgt_of[i] = list(lk.tgt_idx)
        self.translated = 0
        self.failed, self.untranslated, self.no_target = [], [], []
        for s in seg.sentences:
            item = {"sentence": s.idx, "paragraph": s.paragraph, "text": _excerpt(s.text)}
            if s.idx in linked.failed:
                self.failed.append({**item, "reason": linked.failed[s.idx]})
            elif not tgt_of.get(s.idx):
                self.no_target.append(item)
            elif not any(linked.tgt[j].strip() for j in tgt_of[s.idx]):
                self.untranslated.append({**item, "reason": "the model's output is empty"})
            else:
                self.translated += 1
        self.no_source = [
            {"target": j, "text": _excerpt(linked.tgt[j])} for lk in linked.links if not lk.src_idx for j in lk.tgt_idx
        ]


def resolve_input(cfg: Config, given: str | None) -> Path | str:
    """The input file, or an ``http(s)://`` address as given (a web page, fetched and read as an article)."""
    if given:
        return given if is_url(given) else Path(given)
    if not cfg.input:
        raise InputError("no input file given", "pass --input FILE or set `input:` in the config")
    p = Path(cfg.input)
    return p if p.is_absolute() or p.exists() else repo_root() / p


def translate_file(
    cfg: Config,
    input_path: Path | str,
    out_dir: Path | None = None,
    *,
    translator: Translator | None = None,
    ref: Path | None = None,
) -> RunReport:
    """Run the whole job for ``cfg.lang`` on one file; outputs are written atomically, as one unit.

    With ``ref`` (one reference translation per source sentence), BLEU and chrF go into the summary
    and ``<base>.eval.json`` (:mod:`pipeline.evaluate`).
    """
    t0 = time.perf_counter()
    lang = cfg.lang
    if lang is None:
        raise ConfigError("no target language", "pass --lang ko, uk or ru")
    when = creation_time(cfg.output.creation_date)  # before any work: a malformed SOURCE_DATE_EPOCH fails fast
    folder = _output_folder(cfg, lang, out_dir)
    parts = Components.build(cfg, glossary=load_glossary(cfg))
    parts.check_formats(cfg.output.formats, "output.formats")
    profile = Profile()
    with profile.step("read"):
        source = parts.read(input_path, given_by="--input or config key input")
    with profile.step("segment"):
        seg, blocks = _segment(parts, source, input_path)
    refs = _read_references(ref, lang, len(seg.sentences))  # before translating: a bad file fails fast
    report = RunReport(lang, str(input_path), len(seg.sentences), source.encoding, profile=profile)
    if source.text is None:  # a document with markup: what it declares (title, author, date, url)
        report.document = {"reader": source.reader, "blocks": len(source.blocks), **source.metadata}
    _report_dropped(report, seg)

    with profile.step("model_load"):
        translator = translator or parts.make_translator()
        info = TranslatorInfo.of(translator)
    parts.check_translator(translator)
    with profile.step("translate"):
        units = parts.plan(seg, translator)
        protected, slots = parts.protect(units, blocks)  # a document's inline codes, as placeholders
        kept = parts.translate(translator, [u.text for u in protected])
    with profile.step("repair"):  # the repair ladder and the alternatives (translate.repair, translate.alternatives)
        fixed = parts.repair(translator, seg, protected, slots, blocks, kept.outputs)
    outputs, codes = parts.restore(fixed.outputs, slots, protected, blocks)
    _report_terms(report, kept, units, enforced=parts.kept is not None)
    doc = parts.link(seg, units, outputs, codes=codes, notes=fixed.notes)
    profile.seconds.update(doc.seconds)
    report.account(seg, doc)
    for f in report.failed:
        log.warning("sentence %d failed to translate (%s): %r", f["sentence"], f["reason"], f["text"])

    signature = parts.signature(info)
    stem, _ = _stem_suffix(input_path)
    base = f"{cfg.output.name.format(stem=stem)}.{cfg.src_lang}-{lang}"
    assert doc.qa is not None
    with profile.step("render"):
        rendered = _render(parts, doc, base, folder, signature, when, source)
        translated = parts.write_document(source, blocks, doc, codes or ())
        if translated is not None:  # the document itself, translated: <stem>.<lang>.<ext>
            rendered.insert(0, Rendered(translated_document_name(cfg, input_path, lang), data=translated))
        if refs is not None:
            rendered.append(_evaluation(doc, refs, ref, lang, base, signature, report))
    report.outputs += [str(folder / r.name) for r in rendered] + [str(folder / f"{base}.report.json")]
    report.signature = signature.as_string()
    report.device = translator.device
    with profile.step("write"):
        report.seconds = time.perf_counter() - t0
        body = _report_body(cfg, report, doc, signature, when)
        rendered.append(Rendered(f"{base}.report.json", data=_json_bytes(body)))
        commit_all(rendered, folder)
    report.seconds = time.perf_counter() - t0
    log.info("%s", doc.qa.line())
    if doc.qa.failure:  # after writing everything: the outputs and the review page show what went wrong
        raise QualityError(
            doc.qa.failure,
            f"the outputs were written to {folder} for inspection; try another model, or accept with "
            "--set qa.fail_wrong_language_ratio=null",
        )
    return report


# --------------------------------------------------------------------------- the steps


def translated_document_name(cfg: Config, input_path: Path | str, lang: str) -> str:
    """The translated document's file name: ``<stem>.<lang>.<ext>`` (``output.name`` gives the stem)."""
    stem, suffix = _stem_suffix(input_path)
    return f"{cfg.output.name.format(stem=stem)}.{lang}{suffix}"


def _stem_suffix(input_path: Path | str) -> tuple[str, str]:
    """The outputs' stem and the translated document's extension: the file's, or for a web address its last path
    segment (else its host) and ``.html``."""
    if isinstance(input_path, str):
        return url_stem(input_path), ".html"
    return input_path.stem, input_path.suffix


def _output_folder(cfg: Config, lang: str, out_dir: Path | None) -> Path:
    folder = out_dir if out_dir is not None else Path(cfg.output.dir) / lang
    check_output_folder(folder, given_by="--out" if out_dir is not None else "--out or config key output.dir")
    return folder


def _segment(
    parts: Components, source: SourceDocument, input_path: Path | str
) -> tuple[Segmentation, SegmentedBlocks | None]:
    seg, blocks = parts.segment_source(source)
    if not seg.sentences:
        what = "no sentences left after segmentation" if source.text is not None else "no translatable text"
        raise InputError(f"input file {input_path} has {what}", "check its content")
    return seg, blocks


def _read_references(ref: Path | None, lang: str, sentences: int) -> list[str] | None:
    if ref is None:
        return None
    from pipeline.evaluate import parse_references

    return parse_references(read_text(ref, what="reference file", lang=lang, given_by="--ref"), sentences, ref)


def _report_dropped(report: RunReport, seg: Segmentation) -> None:
    for d in seg.dropped:
        log.info("dropped page furniture: paragraph %d %r (%s)", d.paragraph, d.text, d.reason)
        report.dropped.append({"paragraph": d.paragraph, "text": d.text, "reason": d.reason})


def _report_terms(report: RunReport, kept: Enforced, units: list[Any], *, enforced: bool) -> None:
    """``glossary.enforce``: the terms kept and each placeholder the model dropped (with its sentences)."""
    if not enforced:
        return
    lost = kept.dropped_terms()
    for d in lost:
        d["sentences"] = list(units[d.pop("unit")].src_idx)
        log.warning("glossary: the model dropped placeholder %s (%s) in sentence(s) %s", d["placeholder"], d["term"],
                    d["sentences"])  # fmt: skip
    report.glossary = {**kept.counts(), "dropped": lost}


def _render(
    parts: Components,
    doc: DocumentPairs,
    base: str,
    folder: Path,
    signature: Signature,
    when: datetime,
    source: SourceDocument,
) -> list[Rendered]:
    """Every output in memory (written later as one unit: a failure leaves no output at all)."""
    cfg = parts.cfg
    assert doc.qa is not None
    details = {str(k): v for k, v in doc.qa.details.items()}
    rendered = parts.render(
        cfg.output.formats,
        doc.pairs,
        base,
        signature=signature,
        created=when,
        qa_details=details,
        datatype=source.datatype,
        document=source.metadata,
    )
    if cfg.output.review:
        rendered.append(_review_page(cfg, doc.pairs, doc.qa, base, folder, signature))
    return rendered


def _review_page(
    cfg: Config, pairs: list[Any], qa: QASummary, base: str, folder: Path, signature: Signature
) -> Rendered:
    from pipeline.review import REVIEW_PAGE_REQUIRES, review_page_html

    assert cfg.lang is not None
    for need in REVIEW_PAGE_REQUIRES:
        if need not in cfg.output.formats:
            log.warning("review page: apply-review reads the run's %s beside it; add %s to output.formats", need, need)
    has_jsonl = "jsonl" in cfg.output.formats
    name = f"{base}.review.html"
    page = review_page_html(
        name,
        pairs,
        signature=signature.as_string(),
        src_lang=cfg.src_lang,
        tgt_lang=cfg.lang,
        jsonl_path=folder / f"{base}.jsonl" if has_jsonl else None,
        qa=qa.to_json(),
    )
    return Rendered(name, data=page.encode("utf-8"))


def _evaluation(
    doc: DocumentPairs,
    refs: list[str],
    ref: Path | None,
    lang: str,
    base: str,
    signature: Signature,
    report: RunReport,
) -> Rendered:
    from pipeline.evaluate import eval_report, eval_segments, evaluate, pair_scores

    result = evaluate(*eval_segments(doc.pairs, refs), lang)
    report.evaluation = result.summary()
    scores = eval_report(result, reference=str(ref), signature=signature, pairs=pair_scores(doc.pairs, refs))
    return Rendered(f"{base}.eval.json", data=_json_bytes(scores))


def _report_body(
    cfg: Config, report: RunReport, doc: DocumentPairs, signature: Signature, when: datetime
) -> dict[str, Any]:
    assert doc.qa is not None
    body: dict[str, Any] = {
        "signature": signature.to_json(),
        "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "input": report.input,
        "input_encoding": report.encoding,
        "lang": report.lang,
        "sentences": report.sentences,
        "translated": report.translated,
        "failed": report.failed,
        "untranslated": report.untranslated,
        "no_target": report.no_target,
        "no_source": report.no_source,
        "dropped": report.dropped,
        "outputs": report.outputs,
        "qa": doc.qa.to_json(),
        "config": cfg.model_dump(mode="json"),
    }
    if report.glossary:
        body["glossary"] = report.glossary
    if report.document:
        body["document"] = report.document
    for fmt in cfg.output.formats:  # what a format adds (TMX: characters written as <ph type="x-char">)
        extra = FORMATS.load(fmt).report
        if extra is not None:
            body.update(extra(doc.pairs))
    body["profile"] = report.profile.to_json()
    return body


def _json_bytes(body: Any) -> bytes:
    return json_bytes(body)


def _excerpt(text: str, limit: int = 120) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
