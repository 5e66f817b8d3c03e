from __future__ import annotations

import argparse
import sys

NAME = "segment"
HELP = "split a text file into sentences, one per line on stdout"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", required=True, help="language of the text (en, ko, uk, ru, or any ISO code)")
    p.add_argument("file", help="UTF-8 text file")
    p.add_argument("--offsets", action="store_true", help="prefix each line with start, end and paragraph")
    p.add_argument("--keep-furniture", action="store_true", help="do not drop page furniture paragraphs")


def run(args: argparse.Namespace) -> int:
    import logging

    from pipeline.io import read_text
    from pipeline.segment import segment_document

    text = read_text(args.file, lang=args.lang, given_by="the FILE argument")
    seg = segment_document(text, args.lang, furniture=() if args.keep_furniture else None)
    for d in seg.dropped:
        logging.getLogger(__name__).warning("dropped paragraph %d %r: %s", d.paragraph, d.text, d.reason)
    out = sys.stdout
    for s in seg.sentences:
        line = s.text.replace("\n", " ")
        out.write(f"{s.start}\t{s.end}\t{s.paragraph}\t{line}\n" if args.offsets else line + "\n")
    return 0
