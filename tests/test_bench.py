"""`python -m pipeline bench`: a smoke test on a tiny model (the timings are not checked), the statistics of
repeated runs (a fake clock), and the raw CTranslate2 baseline decoding with the configured beam."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.bench.translation import Row, make_sentences, run_bench
from pipeline.cli import main
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
    assert bench.run(parser.parse_args(["--quick", "--repeat", "3", "--no-e2e"])) == 0
    out = capsys.readouterr().out.strip().splitlines()
    final = r"speedup_vs_naive=\d+\.\d\d speedup_vs_hf_batched=\d+\.\d\d vs_raw_ctranslate2=\d+\.\d\d"
    assert re.fullmatch(final, out[-1])
    rows = [line for line in out if re.match(r"[abcd]\) ", line)]
    assert len(rows) == 8  # four systems, beam 4 and greedy
    for row in rows:
        device, runs, rate, spread = row.split()[-7], row.split()[-4], row.split()[-2], row.split()[-1]
        assert device == "cpu" and runs == "3"  # three timed runs per system
        low, high = map(float, spread.split("-"))
        assert low <= float(rate) <= high  # the median tokens/s lies within the runs' min-max
    assert not any("not the forced" in line for line in out)  # every system made exactly the forced tokens
    assert not any("note: " in line and "output" in line for line in out)  # d decodes what c does, every run alike


def test_repeat_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--quick", "--repeat", "0"]) == 2
    assert "--repeat must be at least 1" in capsys.readouterr().err
    assert main(["bench", "--quick", "--e2e-max-new-tokens", "0"]) == 2
    assert "--e2e-max-new-tokens >= 1" in capsys.readouterr().err


def test_median_min_and_max_come_from_the_n_timed_runs() -> None:
    """A fake clock gives every timed run a known duration: the rows hold the N durations, the tokens/s are
    their median and min-max, and the summary ratios are ratios of medians (not of means, not of one run)."""
    # seconds of rounds 1, 2, 3 per system; the runs go in rounds of a, b, c, d
    durations = {"a": (3.0, 1.0, 2.0), "b": (1.0, 4.0, 3.0), "c": (5.0, 1.0, 2.0), "d": (2.0, 8.0, 2.0)}
    sequence = iter(durations[k][r] for r in range(3) for k in "abcd")
    now = [0.0]
    calls = [0]

    def clock() -> float:  # called at the start and at the end of each timed run
        calls[0] += 1
        if calls[0] % 2 == 0:
            now[0] += next(sequence)
        return now[0]

    result = run_bench(quick=True, sentences=4, out_tokens=2, naive_sentences=2, greedy=False, repeat=3, clock=clock)
    assert calls[0] == 2 * 3 * 4  # every system timed 3 times, nothing else on this clock
    rows: dict[str, Row] = {r.key: r for r in result.rows}
    assert set(rows) == set("abcd") and {r.decoding for r in result.rows} == {"beam4"}
    medians = {"a": 2.0, "b": 3.0, "c": 2.0, "d": 2.0}
    for key, row in rows.items():
        assert row.runs == 3 and row.seconds == durations[key]
        assert row.median_seconds == medians[key]
        assert row.rate == pytest.approx(row.tokens / medians[key])
        assert row.rate_min == pytest.approx(row.tokens / max(durations[key]))
        assert row.rate_max == pytest.approx(row.tokens / min(durations[key]))
    assert rows["a"].tokens == 2 * 2 and rows["b"].tokens == rows["c"].tokens == rows["d"].tokens == 4 * 2
    # c: 8 tokens / 2 s; b: 8 / 3; d: 8 / 2; a: 4 / 2. Means would give c/b = 1 and c/d = 1.5.
    assert result.final_line() == "speedup_vs_naive=2.00 speedup_vs_hf_batched=1.50 vs_raw_ctranslate2=1.00"
    table = result.table()
    assert "each system timed 3 time(s)" in table
    line_c = next(line for line in table.splitlines() if line.startswith("c) "))
    assert line_c.split()[-4:] == ["3", "2.00", "4.0", "1.6-8.0"]  # runs, median s, tok/s, min-max


def test_the_raw_baseline_decodes_with_the_configured_beam() -> None:
    """System d (raw ``translate_batch``) must decode beam 4 when beam 4 is benchmarked: the same output as
    the pipeline's ctranslate2 backend (c) with beam 4, which on this model is not the greedy output. A raw
    baseline that decoded greedily whatever the beam would be timed on less work and flatter c/d."""
    result = run_bench(quick=True, sentences=8, out_tokens=8, naive_sentences=2, repeat=1)
    out = {(r.key, r.decoding): r.output for r in result.rows}
    assert out[("c", "beam4")] != out[("c", "greedy")]  # beam 4 and greedy differ here, so the check means something
    assert out[("d", "beam4")] == out[("c", "beam4")]
    assert out[("d", "greedy")] == out[("c", "greedy")]
    assert out[("d", "beam4")] != out[("d", "greedy")]
    assert not any("raw translate_batch decoded other output" in n for n in result.notes)


def test_bench_command_imports_nothing_heavy() -> None:
    code = (
        "import sys, pipeline.commands.bench\n"
        "print([m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules])"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip() == "[]"


E2E = re.compile(
    r"e2e (?P<backend>\S+): (?P<sentences>\d+) sentences, wall (?P<wall>\d+\.\d) s, "
    r"peak RSS (?P<rss>\d+) MiB \(largest process, whole tree (?P<tree>\d+) MiB\)"
    r"(, translate (?P<translate>\d+\.\d) s, check_links (?P<link>\d+\.\d) s \(\d+% of translate\))?"
)


def test_quick_bench_prints_an_end_to_end_line_per_backend(capsys: pytest.CaptureFixture[str]) -> None:
    """Beside the engine table, one whole `translate` of the seed per backend, run as a child process: its wall
    seconds and peak RSS (tiny model, 4 new tokens: the figures are plausible, not measurements)."""
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert bench.run(parser.parse_args(["--quick", "--repeat", "1", "--no-greedy"])) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("end-to-end: python -m pipeline translate of tests/data/seed.en.txt") for line in out)
    lines = [line for line in out if line.startswith("e2e ")]
    found = [E2E.fullmatch(line) for line in lines]
    assert all(found), lines
    runs = {m["backend"]: m for m in found if m}
    assert list(runs) == ["transformers", "ctranslate2"]
    seed = [s for s in (ROOT / "tests" / "data" / "seed.en.txt").read_text(encoding="utf-8").splitlines() if s.strip()]
    for m in runs.values():
        assert 15 <= int(m["sentences"]) <= len(seed)  # from the run's own report: the seed, segmented
        assert 0.5 < float(m["wall"]) < 600
        assert 100 < int(m["rss"]) < 8000  # MiB: a Python process with torch or CTranslate2 loaded, not bytes or GiB
        assert int(m["tree"]) >= 0.8 * int(m["rss"])  # the sampled tree is at least about its largest process
        if m["translate"] is not None:
            assert float(m["link"]) > 0 and float(m["translate"]) < float(m["wall"])
    assert out[-1].startswith("speedup_vs_naive=")  # the final line is still the last


def test_end_to_end_memory_is_the_largest_process_and_the_sampled_tree() -> None:
    """``measure``: ru_maxrss of the child counts its own children (the largest of them, as /usr/bin/time),
    and the sampled tree adds up what the processes hold at the same time."""
    from pipeline.bench.e2e import measure

    hold = "import time; b = bytearray({n} << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    parent = (
        "import subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-c', {hold.format(n=300)!r}])\n"
        f"{hold.format(n=200)}\n"
        "p.wait()\n"
    )
    rc, wall, maxrss, tree, _ = measure([sys.executable, "-c", parent])
    assert rc == 0 and wall >= 1.5
    assert 300 * 1024 < maxrss < 420 * 1024  # the grandchild's 300 MiB (and Python), not the sum
    assert tree is not None and tree > 500 * 1024  # both at once: 200 + 300 MiB


def test_a_failed_end_to_end_run_is_one_line(tmp_path: Path) -> None:
    from pipeline.bench.e2e import run_translate

    r = run_translate(tmp_path / "no-such-model", "transformers", work=tmp_path)
    assert r.returncode == 2
    line = r.line()
    assert line.startswith("e2e transformers: failed (exit status 2) after ") and "model folder not found" in line
