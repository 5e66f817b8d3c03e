"""The translate job: read -> segment -> translate -> align -> write. The only stage that does I/O."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import Config, repo_root
from pipeline.errors import ConfigError, InputError, QualityError
from pipeline.io import check_output_folder, read_text, read_text_encoding
from pipeline.records import AlignedPair, Link, Segmentation, Sentence, Signature
from pipeline.translate import Translator
from pipeline.units import Units, one_line, paragraph_units, sentence_units

log = logging.getLogger(__name__)


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
    dropped: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    signature: str = ""
    device: str = ""
    evaluation: str = ""  # the scores against --ref, if given

    def summary(self) -> str:
        """One line that accounts for every input sentence (translated + failed + untranslated = sentences)."""
        failed = f", {len(self.failed)} failed (see the report)" if self.failed else ""
        empty = f", {len(self.untranslated)} with an empty target" if self.untranslated else ""
        dropped = f", {len(self.dropped)} furniture paragraph(s) dropped" if self.dropped else ""
        scores = f", {self.evaluation}" if self.evaluation else ""
        return (
            f"{self.lang}: {self.sentences} sentences, {self.translated} translated{failed}{empty}{dropped}{scores}, "
            f"{self.seconds:.1f}s on {self.device} -> {', '.join(self.outputs)}"
        )

    def account(self, seg: Segmentation, units: Units) -> None:
        """Put every source sentence in exactly one bin: translated, failed (with the reason) or untranslated."""
        tgt_of: dict[int, list[int]] = {}
        for lk in units.links:
            for i in lk.src_idx:
                tgt_of[i] = list(lk.tgt_idx)
        self.translated = 0
        self.failed, self.untranslated = [], []
        for s in seg.sentences:
            item = {"sentence": s.idx, "paragraph": s.paragraph, "text": _excerpt(s.text)}
            if s.idx in units.failed:
                self.failed.append({**item, "reason": units.failed[s.idx]})
            elif not any(units.tgt[j].strip() for j in tgt_of.get(s.idx, [])):
                why = "the model's output is empty" if tgt_of.get(s.idx) else "no target sentence aligned to it"
                self.untranslated.append({**item, "reason": why})
            else:
                self.translated += 1


def creation_time(cfg: Config) -> datetime:
    """The time stamp of a run's outputs: ``output.creation_date``, else ``SOURCE_DATE_EPOCH``, else now (UTC).

    A malformed ``SOURCE_DATE_EPOCH`` is a :class:`ConfigError` (one line, with the fix).
    """
    from pipeline.write.tmx import resolve_creation_date

    dt = resolve_creation_date(cfg.output.creation_date)
    dt = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).replace(microsecond=0)


def resolve_input(cfg: Config, given: str | None) -> Path:
    if given:
        return Path(given)
    if not cfg.input:
        raise InputError("no input file given", "pass --input FILE or set `input:` in the config")
    p = Path(cfg.input)
    return p if p.is_absolute() or p.exists() else repo_root() / p


def paragraph_token_limit(cfg: Config) -> int:
    """Source tokens per chunk with ``translate.unit: paragraph`` (room left for the prefix and </s>)."""
    return cfg.translate.max_input_tokens - 8


def run_signature(
    cfg: Config,
    *,
    segmenter: str,
    backend: str,
    model: str,
    model_revision: str,
    aligner: str,
    prefix: str | None,
) -> Signature:
    """How a run's outputs were made (also used per shard by ``translate-corpus``)."""
    return Signature(
        package_version=__version__,
        segmenter=segmenter,
        model=model,
        model_revision=model_revision,
        backend=backend,
        aligner=aligner,
        decoding=f"beam{cfg.translate.num_beams}.max{cfg.translate.max_new_tokens}"
        + (f".prefix{prefix}" if prefix else ""),
        extra=(("unit", cfg.translate.unit),),
    )


def translate_units(cfg: Config, seg: Segmentation, translator: Translator) -> Units:
    """Translate by the configured unit and link source sentences to target units."""
    from pipeline.align import get_aligner
    from pipeline.segment import get_segmenter

    assert cfg.lang is not None
    if cfg.translate.unit == "paragraph":
        return paragraph_units(
            seg,
            translator,
            aligner=get_aligner(cfg.align),
            tgt_segmenter=get_segmenter(cfg.lang, cfg.segment.segmenter),
            src_lang=cfg.src_lang,
            tgt_lang=cfg.lang,
            max_tokens=paragraph_token_limit(cfg),
        )
    aligner = get_aligner(cfg.align) if cfg.check_links else None
    return sentence_units(seg, translator, aligner=aligner, src_lang=cfg.src_lang, tgt_lang=cfg.lang)


def pair_records(seg: Segmentation, units: Units, cfg: Config) -> list[AlignedPair]:
    assert cfg.lang is not None
    sents = seg.sentences
    pairs: list[AlignedPair] = []
    for n, link in enumerate(units.links):
        src = " ".join(one_line(sents[i].text) for i in link.src_idx)
        tgt = " ".join(units.tgt[j] for j in link.tgt_idx)
        mt = [s for j in link.tgt_idx if (s := units.mt_scores[j]) is not None]
        failed = any(i in units.failed for i in link.src_idx)
        pairs.append(
            AlignedPair(
                id=n,
                src_lang=cfg.src_lang,
                tgt_lang=cfg.lang,
                src=src,
                tgt=tgt,
                src_idx=link.src_idx,
                tgt_idx=link.tgt_idx,
                score=round(link.score, 4),
                mt_score=round(min(mt), 4) if mt else None,
                paragraph=_paragraph_of(link, units, sents, pairs),
                flags=("translation_failed",) if failed else (),
            )
        )
    return pairs


def _paragraph_of(link: Link, units: Units, sents: tuple[Sentence, ...], done: list[AlignedPair]) -> int | None:
    if link.src_idx:
        return sents[link.src_idx[0]].paragraph
    return done[-1].paragraph if done else (sents[0].paragraph if sents else None)  # 0-1 bead: previous one's


def translate_file(
    cfg: Config,
    input_path: Path,
    out_dir: Path | None = None,
    *,
    translator: Translator | None = None,
    ref: Path | None = None,
) -> RunReport:
    """Run the whole job for ``cfg.lang`` on one file; outputs are written atomically.

    With ``ref`` (one reference translation per source sentence), BLEU and chrF go into the summary
    and ``<base>.eval.json`` (:mod:`pipeline.evaluate`).
    """
    from pipeline.qa import run_qa
    from pipeline.segment import get_segmenter, segment_document
    from pipeline.translate import get_translator
    from pipeline.write import Rendered, render_outputs
    from pipeline.write.output import commit_all
    from pipeline.write.tmx import forbidden_counts

    if cfg.lang is None:
        raise ConfigError("no target language", "pass --lang ko, uk or ru")
    t0 = time.perf_counter()
    when = creation_time(cfg)  # before any work: a malformed SOURCE_DATE_EPOCH fails fast
    out_root = out_dir or Path(cfg.output.dir)
    folder = out_root / cfg.lang if out_dir is None else out_root
    check_output_folder(folder, given_by="--out" if out_dir is not None else "--out or config key output.dir")
    text, encoding = read_text_encoding(input_path, lang=cfg.src_lang, given_by="--input or config key input")
    seg = segment_document(text, cfg.src_lang, segmenter=cfg.segment.segmenter, furniture=cfg.segment.furniture)
    if not seg.sentences:
        raise InputError(f"input file {input_path} has no sentences left after segmentation", "check its content")
    refs: list[str] | None = None
    if ref is not None:  # checked before translating: a bad reference file fails fast
        from pipeline.evaluate import parse_references

        refs = parse_references(
            read_text(ref, what="reference file", lang=cfg.lang, given_by="--ref"), len(seg.sentences), ref
        )
    report = RunReport(lang=cfg.lang, input=str(input_path), sentences=len(seg.sentences), encoding=encoding)
    for d in seg.dropped:
        log.info("dropped page furniture: paragraph %d %r (%s)", d.paragraph, d.text, d.reason)
        report.dropped.append({"paragraph": d.paragraph, "text": d.text, "reason": d.reason})

    translator = translator or get_translator(cfg.translate, cfg.lang)
    segmenter_name = get_segmenter(cfg.src_lang, cfg.segment.segmenter).name
    units = translate_units(cfg, seg, translator)
    report.account(seg, units)
    for f in report.failed:
        log.warning("sentence %d failed to translate (%s): %r", f["sentence"], f["reason"], f["text"])

    signature = run_signature(
        cfg,
        segmenter=segmenter_name,
        backend=translator.name,
        model=translator.model_id,
        model_revision=translator.model_revision,
        aligner=units.aligner,
        prefix=getattr(translator, "prefix", None),
    )
    pairs = pair_records(seg, units, cfg)
    pairs, qa_summary = run_qa(pairs, cfg.qa, src_lang=cfg.src_lang, tgt_lang=cfg.lang)

    stem = cfg.output.name.format(stem=input_path.stem)
    base = f"{stem}.{cfg.src_lang}-{cfg.lang}"
    # Everything is rendered in memory, then written as one unit: a failure leaves no output at all.
    rendered = render_outputs(
        cfg.output.formats,
        pairs,
        base,
        signature=signature,
        src_lang=cfg.src_lang,
        tgt_lang=cfg.lang,
        creation_date=when,
    )
    if cfg.output.review:
        from pipeline.review import review_page_html

        has_jsonl = "jsonl" in cfg.output.formats
        if not has_jsonl:
            log.warning("review page: apply-review needs the run's JSONL; add jsonl to output.formats")
        name = f"{base}.review.html"
        page = review_page_html(
            name,
            pairs,
            signature=signature.as_string(),
            src_lang=cfg.src_lang,
            tgt_lang=cfg.lang,
            jsonl_path=folder / f"{base}.jsonl" if has_jsonl else None,
            qa=qa_summary.to_json(),
        )
        rendered.append(Rendered(name, data=page.encode("utf-8")))
    if refs is not None:
        from pipeline.evaluate import eval_report, eval_segments, evaluate

        result = evaluate(*eval_segments(pairs, refs), cfg.lang)
        scores = eval_report(result, reference=str(ref), signature=signature)
        rendered.append(Rendered(f"{base}.eval.json", data=_json_bytes(scores)))
        report.evaluation = result.summary()
    report.outputs += [str(folder / r.name) for r in rendered]
    report.seconds = time.perf_counter() - t0
    report.signature = signature.as_string()
    report.device = translator.device
    report_name = f"{base}.report.json"
    report.outputs.append(str(folder / report_name))
    body = {
        "signature": signature.to_json(),
        "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "input": str(input_path),
        "input_encoding": report.encoding,
        "lang": cfg.lang,
        "sentences": report.sentences,
        "translated": report.translated,
        "failed": report.failed,
        "untranslated": report.untranslated,
        "dropped": report.dropped,
        "outputs": report.outputs,
        "qa": qa_summary.to_json(),
        "config": cfg.model_dump(mode="json"),
    }
    if "tmx" in cfg.output.formats:  # characters XML cannot carry, written as <ph type="x-char"> in the TMX
        body["tmx_char_placeholders"] = [{"pair": k, "chars": v} for k, v in forbidden_counts(pairs).items()]
    rendered.append(Rendered(report_name, data=_json_bytes(body)))
    commit_all(rendered, folder)
    log.info("%s", qa_summary.line())
    if qa_summary.failure:  # after writing everything: the outputs and the review page show what went wrong
        raise QualityError(
            qa_summary.failure,
            f"the outputs were written to {folder} for inspection; try another model, or accept with "
            "--set qa.fail_wrong_language_ratio=null",
        )
    return report


def _json_bytes(body: Any) -> bytes:
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _excerpt(text: str, limit: int = 120) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
