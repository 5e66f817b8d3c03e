from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.records import AlignedPair

NAME = "apply-review"
HELP = (
    "apply a review (the review page's decisions file, or a post-edited XLIFF): write corrected TMX/JSONL, and "
    "the reviewed document for a run of a web page, Markdown file or other document"
)

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "decisions",
        metavar="FILE",
        help="the decisions JSON exported by <name>.review.html, or the run's <name>.xlf post-edited in a CAT tool "
        "(.xlf/.xliff: edited targets, translated/final = accepted, needs-translation = rejected)",
    )
    p.add_argument(
        "--jsonl",
        metavar="RUN.jsonl",
        help="the run's JSONL (default: the path recorded in FILE, else its file name next to FILE)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: the JSONL's folder)")
    p.add_argument(
        "--report",
        metavar="RUN.report.json",
        help="the run's report, which names its source document and settings (default: <name>.report.json next to "
        "the JSONL); a run of a document with markup gets its reviewed document <stem>.<lang>.<ext> written again",
    )
    p.add_argument(
        "--source",
        metavar="FILE",
        help="the source document the run translated (default: the input the report names)",
    )
    p.add_argument("--no-document", action="store_true", help="do not write the reviewed document, only --formats")
    p.add_argument(
        "--formats",
        default="tmx,jsonl",
        metavar="LIST",
        help="comma-separated output formats, as output.formats (default: tmx,jsonl)",
    )


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import hashlib
    import json

    from pipeline.errors import InputError
    from pipeline.records import parse_signature
    from pipeline.review import apply_decisions, load_decisions
    from pipeline.review.xliff import is_xliff, read_xliff, xliff_decisions
    from pipeline.write import read_jsonl, write_outputs

    decisions_path = Path(args.decisions)
    review = read_xliff(decisions_path) if is_xliff(decisions_path) else None  # untrusted: parsed safely
    decisions = load_decisions(decisions_path) if review is None else None
    run_info = review.run if review is not None else decisions.run if decisions is not None else {}
    jsonl = _resolve_jsonl(args.jsonl, run_info, decisions_path)
    pairs = read_jsonl(jsonl)
    if not pairs:
        raise InputError(f"JSONL file {jsonl} has no pairs", "give the JSONL of the run the review page was made from")
    first = json.loads(jsonl.read_text(encoding="utf-8-sig").split("\n", 1)[0])
    sig_text = first.get("signature") if isinstance(first, dict) else None
    if not isinstance(sig_text, str):
        raise InputError(f"JSONL file {jsonl} has no signature", "give a JSONL file written by the pipeline")
    if review is not None:  # the XLIFF's units as the decisions a review page would export (same checks after)
        decisions = xliff_decisions(review, pairs, signature=sig_text)
    assert decisions is not None
    fixed, counts = apply_decisions(pairs, decisions, signature=sig_text)
    digest = hashlib.sha256(decisions_path.read_bytes()).hexdigest()[:12]
    signature = parse_signature(sig_text)
    signature = dataclasses.replace(signature, extra=(*signature.extra, ("review", digest)))
    folder = Path(args.out) if args.out else jsonl.parent
    base = jsonl.name.removesuffix(".jsonl") + ".reviewed"
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    paths = write_outputs(
        formats, fixed, folder, base, signature=signature, src_lang=pairs[0].src_lang, tgt_lang=pairs[0].tgt_lang
    )
    if not args.no_document:
        document = _reviewed_document(args, jsonl, pairs, fixed, folder)
        if document is not None:
            paths.append(document)
    done = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "no decisions"
    log.info("apply-review: %d pairs -> %d (%s) -> %s", len(pairs), len(fixed), done, ", ".join(map(str, paths)))
    return 0


def _resolve_jsonl(given: str | None, run: dict[str, object], decisions_path: Path) -> Path:
    from pipeline.errors import InputError

    if given:
        return Path(given)
    candidates = []
    if isinstance(run.get("jsonl_path"), str):
        candidates.append(Path(str(run["jsonl_path"])))
    if isinstance(run.get("jsonl"), str):
        candidates.append(decisions_path.parent / Path(str(run["jsonl"])).name)
    for c in candidates:
        if c.is_file():
            return c
    shown = " or ".join(str(c) for c in candidates) or "no path recorded"
    raise InputError(f"cannot find the run's JSONL ({shown})", "pass it with --jsonl RUN.jsonl")


def _reviewed_document(
    args: argparse.Namespace, jsonl: Path, pairs: list[AlignedPair], fixed: list[AlignedPair], folder: Path
) -> Path | None:
    """Write the reviewed document of a run that translated a document with markup (None: the run read plain text,
    or its report cannot be found: then a warning says how to give it)."""
    import json

    from pipeline.components import read_document, segment_document_source, write_document
    from pipeline.config import validate
    from pipeline.errors import InputError
    from pipeline.read.fetch import is_url
    from pipeline.review.document import check_source, sentence_targets
    from pipeline.run import translated_document_name
    from pipeline.write import Rendered, commit_all

    default = jsonl.with_name(jsonl.name.removesuffix(".jsonl") + ".report.json")
    report_path = Path(args.report) if args.report else default
    if not report_path.is_file():
        if args.report or any(p.src_codes for p in pairs):
            raise InputError(
                f"run report not found: {report_path}: it names the source document to write the reviewed one from",
                "pass it with --report RUN.report.json, or --no-document",
            )
        return None
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
        cfg = validate(report["config"])
        given = str(report["input"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"cannot read run report {report_path}: {e}", "pass the run's <name>.report.json") from None
    if "document" not in report:  # plain text: no document is written back
        return None
    lang = pairs[0].tgt_lang
    cfg = cfg.model_copy(update={"lang": lang})
    source_path: Path | str = args.source or given
    if not args.source and not is_url(given) and not Path(given).is_file():
        raise InputError(
            f"the run's source document {given} is not found (the report names it as the run was given it)",
            "pass it with --source FILE, or --no-document",
        )
    if isinstance(source_path, str) and not is_url(source_path):
        source_path = Path(source_path)
    source = read_document(cfg, source_path, cfg.src_lang, what="source document", given_by="--source")
    seg, blocks = segment_document_source(cfg, source, cfg.src_lang)
    if blocks is None:
        return None
    check_source(pairs, blocks, str(source_path))
    targets, kept = sentence_targets(fixed, blocks)
    data = write_document(cfg, source, blocks, targets)
    if data is None:
        return None
    name = translated_document_name(cfg, source_path, lang)
    commit_all([Rendered(name, data=data)], folder)
    if kept:
        log.info(
            "apply-review: %d of %d sentences keep their source text in %s (rejected or without a translation): %s",
            len(kept), len(seg.sentences), name, ", ".join(str(i + 1) for i in kept[:20]),
        )  # fmt: skip
    return folder / name
