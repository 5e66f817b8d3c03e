from __future__ import annotations

import argparse
import logging
from pathlib import Path

NAME = "apply-review"
HELP = "apply a review (the review page's decisions file, or a post-edited XLIFF): write corrected TMX/JSONL"

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
