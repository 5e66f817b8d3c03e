"""The translate job: read -> segment -> translate -> align -> write. The only stage that does I/O."""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import Config, repo_root
from pipeline.errors import ConfigError, InputError
from pipeline.io import atomic_write, read_text
from pipeline.records import AlignedPair, Link, Segmentation, Signature
from pipeline.translate import Output, Translator

log = logging.getLogger(__name__)

SENTENCE_ALIGNER = "by-construction.v1"


@dataclass
class RunReport:
    """What a run did, for the one-line summary and ``<name>.report.json``."""

    lang: str
    input: str
    sentences: int = 0
    translated: int = 0
    dropped: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    signature: str = ""
    device: str = ""

    def summary(self) -> str:
        dropped = f", {len(self.dropped)} furniture paragraph(s) dropped" if self.dropped else ""
        return (
            f"{self.lang}: {self.sentences} sentences, {self.translated} translated{dropped}, "
            f"{self.seconds:.1f}s on {self.device} -> {', '.join(self.outputs)}"
        )


def creation_time(cfg: Config) -> datetime:
    dt = cfg.output.creation_date
    if dt is not None:
        return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except ValueError:
            raise ConfigError(f"SOURCE_DATE_EPOCH={epoch!r} is not an integer", "unset it or give seconds") from None
    return datetime.now(timezone.utc).replace(microsecond=0)


def resolve_input(cfg: Config, given: str | None) -> Path:
    if given:
        return Path(given)
    if not cfg.input:
        raise InputError("no input file given", "pass --input FILE or set `input:` in the config")
    p = Path(cfg.input)
    return p if p.is_absolute() or p.exists() else repo_root() / p


def pair_records(
    seg: Segmentation, outputs: list[Output], links: list[Link], tgt_units: list[str], cfg: Config
) -> list[AlignedPair]:
    assert cfg.lang is not None
    sents = seg.sentences
    pairs = []
    for n, link in enumerate(links):
        src = " ".join(sents[i].text for i in link.src_idx)
        tgt = " ".join(tgt_units[j] for j in link.tgt_idx)
        mt = [s for j in link.tgt_idx if j < len(outputs) and (s := outputs[j].score) is not None]
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
                paragraph=sents[link.src_idx[0]].paragraph if link.src_idx else None,
            )
        )
    return pairs


def translate_file(
    cfg: Config, input_path: Path, out_dir: Path | None = None, *, translator: Translator | None = None
) -> RunReport:
    """Run the whole job for ``cfg.lang`` on one file; outputs are written atomically."""
    from pipeline.segment import get_segmenter, segment_document
    from pipeline.translate import get_translator
    from pipeline.write import FILE_EXTENSIONS, write_pairs

    if cfg.lang is None:
        raise ConfigError("no target language", "pass --lang ko, uk or ru")
    t0 = time.perf_counter()
    text = read_text(input_path)
    seg = segment_document(text, cfg.src_lang, segmenter=cfg.segment.segmenter, furniture=cfg.segment.furniture)
    if not seg.sentences:
        raise InputError(f"input file {input_path} has no sentences left after segmentation", "check its content")
    report = RunReport(lang=cfg.lang, input=str(input_path), sentences=len(seg.sentences))
    for d in seg.dropped:
        log.info("dropped page furniture: paragraph %d %r (%s)", d.paragraph, d.text, d.reason)
        report.dropped.append({"paragraph": d.paragraph, "text": d.text, "reason": d.reason})

    translator = translator or get_translator(cfg.translate, cfg.lang)
    segmenter_name = get_segmenter(cfg.src_lang, cfg.segment.segmenter).name
    outputs = translator.translate([s.text for s in seg.sentences])
    if len(outputs) != len(seg.sentences):
        raise RuntimeError(f"translator returned {len(outputs)} outputs for {len(seg.sentences)} inputs")
    # Sentence unit: output i is the translation of sentence i; several sentences stay one unit.
    tgt_units = [o.text for o in outputs]
    links = [Link((i,), (i,), 1.0) for i in range(len(outputs))]
    report.translated = sum(1 for o in outputs if o.text)

    signature = Signature(
        package_version=__version__,
        segmenter=segmenter_name,
        model=translator.model_id,
        model_revision=translator.model_revision,
        backend=translator.name,
        aligner=SENTENCE_ALIGNER,
        decoding=f"beam{cfg.translate.num_beams}.max{cfg.translate.max_new_tokens}"
        + (f".prefix{getattr(translator, 'prefix', None)}" if getattr(translator, "prefix", None) else ""),
        extra=(("unit", cfg.translate.unit),),
    )
    pairs = pair_records(seg, outputs, links, tgt_units, cfg)

    out_root = out_dir or Path(cfg.output.dir)
    folder = out_root / cfg.lang if out_dir is None else out_root
    stem = cfg.output.name.format(stem=input_path.stem)
    base = f"{stem}.{cfg.src_lang}-{cfg.lang}"
    when = creation_time(cfg)
    for fmt in cfg.output.formats:
        path = folder / f"{base}{FILE_EXTENSIONS[fmt]}"
        write_pairs(fmt, pairs, path, signature=signature, src_lang=cfg.src_lang, tgt_lang=cfg.lang, creation_date=when)
        report.outputs.append(str(path))
    report.seconds = time.perf_counter() - t0
    report.signature = signature.as_string()
    report.device = translator.device
    report_path = folder / f"{base}.report.json"
    body = {
        "signature": signature.to_json(),
        "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "input": str(input_path),
        "lang": cfg.lang,
        "sentences": report.sentences,
        "translated": report.translated,
        "dropped": report.dropped,
        "outputs": report.outputs,
        "config": cfg.model_dump(mode="json"),
    }
    with atomic_write(report_path) as f:
        f.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    report.outputs.append(str(report_path))
    return report
