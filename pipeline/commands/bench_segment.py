"""``pipeline bench-segment``: cases passed on the segmentation case lists, and MB/s, beside pySBD and sentencex."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "bench-segment"
HELP = (
    "score the sentence segmenter on the case lists (tests/data/segment/*.json) beside pySBD and sentencex "
    "(the bench extra), and time all three on the same English text"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cases-dir",
        metavar="DIR",
        help="case lists <lang>[-name].json (default: tests/data/segment in the repository)",
    )
    p.add_argument("--size-mb", type=float, default=1.0, metavar="MB", help="English text to time, in MB (1.0)")
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="N",
        help="time every segmenter N times, in rounds; report the median MB/s and min-max (3; at least 1)",
    )
    p.add_argument("--no-speed", action="store_true", help="only the case lists (no timing)")


def run(args: argparse.Namespace) -> int:
    from pipeline.bench.segmentation import (
        INSTALL_HINT,
        SYSTEMS,
        default_cases_dir,
        english_text,
        final_line,
        installed,
        load_case_lists,
        reader_lines,
        score_lists,
        speed_table,
        table,
        time_readers,
        time_systems,
        time_writes,
    )
    from pipeline.errors import ConfigError
    from pipeline.read import READERS

    if args.repeat < 1 or not 0 < args.size_mb <= 100:
        raise ConfigError("--repeat must be at least 1 and --size-mb between 0 and 100", "e.g. --size-mb 1 --repeat 3")
    cases_dir = Path(args.cases_dir) if args.cases_dir else default_cases_dir()
    if args.cases_dir and not cases_dir.is_dir():
        raise ConfigError(f"--cases-dir {cases_dir}: not a folder", "give the folder of the <lang>.json case lists")
    out = sys.stdout
    have = installed()
    systems = [s for s in SYSTEMS if have[s]]
    if not have["pysbd"] or not have["sentencex"]:
        out.write(f"note: {INSTALL_HINT}\n")
    lists = load_case_lists(cases_dir) if cases_dir.is_dir() else []
    scores = score_lists(lists, systems)
    out.write(table(scores, systems, cases_dir) + "\n" if lists else f"no case lists in {cases_dir}\n")
    out.flush()
    rows = []
    if not args.no_speed:
        text, quarter = english_text(lists, int(args.size_mb * 1e6))
        rows = time_systems(text, quarter, systems, args.repeat)
        out.write("\n" + speed_table(rows, args.repeat) + "\n")
        readers = [r for r in ("text", "html", "markdown", "docx") if r in READERS]
        read_rows = time_readers(text, quarter, readers, args.repeat)
        out.write("\nreading and segmenting the same text as a document (translate's path):\n\n")
        out.write(speed_table(read_rows, args.repeat).split("\n\n", 1)[1] + "\n")
        out.write("\n".join(reader_lines(read_rows)) + "\n")
        write_rows = time_writes(text, quarter, [r for r in readers if r != "text"], args.repeat)
        out.write("\nwriting the translated document back (every block changed):\n\n")
        out.write(speed_table(write_rows, args.repeat).split("\n\n", 1)[1] + "\n")
    out.write(final_line(scores, rows) + "\n")
    out.flush()
    return 0
