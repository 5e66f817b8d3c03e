"""`python -m pipeline bench --quick`: a smoke test on a tiny model (the timings are not checked)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.bench.translation import make_sentences
from pipeline.commands import bench

ROOT = Path(__file__).resolve().parent.parent


def test_sentences_are_deterministic_and_varied() -> None:
    a, b = make_sentences(208), make_sentences(208)
    assert a == b and len(a) == 208 and len(set(a)) > 200
    lengths = [len(s.split()) for s in a]
    assert min(lengths) < 10 < 30 < max(lengths)


def test_quick_bench_prints_the_table_and_the_final_line(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert bench.run(parser.parse_args(["--quick"])) == 0
    out = capsys.readouterr().out.strip().splitlines()
    final = r"speedup_vs_naive=\d+\.\d\d speedup_vs_hf_batched=\d+\.\d\d vs_raw_ctranslate2=\d+\.\d\d"
    assert re.fullmatch(final, out[-1])
    rows = [line for line in out if re.match(r"[abcd]\) ", line)]
    assert len(rows) == 8  # four systems, beam 4 and greedy
    assert {r.split()[-5] for r in rows} == {"cpu"}  # the device column
    assert not any("not the forced" in line for line in out)  # every system made exactly the forced tokens


def test_bench_command_imports_nothing_heavy() -> None:
    code = (
        "import sys, pipeline.commands.bench\n"
        "print([m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules])"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip() == "[]"
