from __future__ import annotations

import argparse
import sys

NAME = "segment"
HELP = "split a document (text, web page, Markdown) into sentences, one per line on stdout"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", required=True, help="language of the text (en, ko, uk, ru, or any ISO code)")
    p.add_argument("file", help="text file, web page (.html), Markdown (.md), Word file (.docx) or subtitles (.srt)")
    p.add_argument(
        "--offsets",
        action="store_true",
        help="prefix each line with start, end and paragraph (a document with markup: offsets into the block's text, "
        "and the block's number)",
    )
    p.add_argument("--keep-furniture", action="store_true", help="do not drop page furniture paragraphs")
    p.add_argument(
        "--input-format", metavar="NAME", help="read the file as this format (text, html, markdown, docx, srt, vtt)"
    )


def run(args: argparse.Namespace) -> int:
    import logging

    from pipeline.components import read_document, segment_document_source
    from pipeline.config import load_config

    overrides = ["segment.furniture=[]"] if args.keep_furniture else []
    if args.input_format:
        overrides.append(f"read.format={args.input_format}")
    cfg = load_config(lang=None, overrides=overrides)
    source = read_document(cfg, args.file, args.lang, given_by="the FILE argument")
    seg, _ = segment_document_source(cfg, source, args.lang)
    for d in seg.dropped:
        logging.getLogger(__name__).warning("dropped paragraph %d %r: %s", d.paragraph, d.text, d.reason)
    out = sys.stdout
    for s in seg.sentences:
        line = s.text.replace("\n", " ")
        out.write(f"{s.start}\t{s.end}\t{s.paragraph}\t{line}\n" if args.offsets else line + "\n")
    return 0
