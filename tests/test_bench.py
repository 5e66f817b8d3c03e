"""`python -m pipeline bench`: a smoke test on a tiny model (the timings are not checked), the statistics of
repeated runs (a fake clock), and the raw CTranslate2 baseline decoding with the configured beam."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.bench.equal import BenchMismatch, Decoded, require_same
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


def test_a_raw_baseline_with_another_beam_stops_the_bench_before_timing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted difference: the raw baseline (d) decodes greedily whatever beam it is asked for. The bench must
    refuse to time it against the ctranslate2 backend (c): one line naming both systems, the first differing
    sentence and both outputs; nothing timed, exit status 2."""
    from pipeline.bench import translation

    real = translation.raw_ct2

    def greedy_always(translator: object, source: list[list[str]], **kw: int) -> list[list[str]]:
        return real(translator, source, **{**kw, "beams": 1})

    monkeypatch.setattr(translation, "raw_ct2", greedy_always)
    clock_calls: list[float] = []

    def clock() -> float:
        clock_calls.append(0.0)
        return 0.0

    with pytest.raises(BenchMismatch) as e:
        run_bench(quick=True, sentences=8, out_tokens=8, naive_sentences=2, repeat=1, clock=clock)
    msg = str(e.value)
    assert msg.startswith(
        "benchmark systems c) ctranslate2 backend, text to text (float32) and d) raw ctranslate2 translate_batch "
        "(beam4, before timing) decode differently under the same settings (16 and 16 target tokens in all): "
        "first at unit 0 'North Korean Soldiers Captured in Ukraine: Asylum Discussions Ongoing': c) "
    )
    assert ", d) raw ctranslate2 translate_batch gives '" in msg and "nothing was timed" in msg
    assert clock_calls == []  # stopped before the first timed run


def test_a_naive_baseline_with_another_max_length_stops_the_bench(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A planted difference: the naive baseline (a) stops one token short of what it is asked for. Against the
    batched transformers backend (b) the outputs differ, and the bench says which systems and where; the
    command exits with status 2 and that line."""
    from pipeline.bench import translation

    real = translation.naive_generate

    def one_short(*args: object, out_tokens: int, **kw: object) -> tuple[int, list[str]]:
        return real(*args, out_tokens=out_tokens - 1, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(translation, "naive_generate", one_short)
    with pytest.raises(BenchMismatch) as e:
        run_bench(quick=True, sentences=8, out_tokens=8, naive_sentences=2, repeat=1, greedy=False)
    assert str(e.value).startswith(
        "benchmark systems a) naive generate(), 1 sentence/call and b) transformers backend, batched (beam4, before "
        "timing) decode differently under the same settings (14 and 16 target tokens in all): first at unit 0 "
    )
    assert main(["bench", "--quick", "--repeat", "1", "--no-e2e"]) == 2  # 4 tokens per sentence: 3 vs 4
    err = capsys.readouterr().err
    assert "pipeline: error: benchmark systems a) naive generate(), 1 sentence/call and b) transformers" in err
    assert "(12 and 16 target tokens in all): first at unit 0 " in err and "nothing was timed" in err


def test_settings_that_differ_are_named_before_any_output_is_compared() -> None:
    """The rule of :func:`require_same`: stated settings first, then the number of outputs, then tokens/outputs;
    without ``exact`` (float rounding between backends) outputs may differ but the token count may not."""
    a = Decoded("a) x", {"num_beams": 4, "max_new_tokens": 20}, ["p", "q"], 40, ["one", "two"])
    b = Decoded("b) y", {"num_beams": 1, "max_new_tokens": 20}, ["p", "q"], 40)
    settings = r"^benchmark systems a\) x and b\) y use different settings: num_beams = 4"
    with pytest.raises(BenchMismatch, match=settings):
        require_same(a, b)
    b = Decoded("b) y", {"num_beams": 4}, ["p"], 40)
    with pytest.raises(BenchMismatch, match="give 2 and 1 outputs"):
        require_same(a, b)
    b = Decoded("b) y", {"num_beams": 4}, ["p", "r"], 40)
    with pytest.raises(BenchMismatch, match="first at unit 1 'two': a\\) x gives 'q', b\\) y gives 'r'"):
        require_same(a, b)
    require_same(a, b, exact=False)  # rounding may change a token, not how many there are
    with pytest.raises(BenchMismatch, match="decode different numbers of target tokens \\(40 and 39"):
        require_same(a, Decoded("b) y", {}, ["p", "q"], 39), exact=False)
    require_same(a, Decoded("b) y", {"prefix": None}, ["p", "q"], None))


def test_bench_command_imports_nothing_heavy() -> None:
    code = (
        "import sys, pipeline.commands.bench\n"
        "print([m for m in ('torch', 'transformers', 'ctranslate2') if m in sys.modules])"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip() == "[]"


E2E = re.compile(
    r"e2e (?P<backend>\S+) max_length_factor=(?P<factor>null|3): (?P<sentences>\d+) sentences, "
    r"wall (?P<wall>\d+\.\d) s, peak RSS (?P<rss>\d+) MiB \(largest process, whole tree (?P<tree>\d+) MiB\)"
    r"(, translate (?P<translate>\d+\.\d) s, check_links (?P<link>\d+\.\d) s \(\d+% of translate\))?"
    r", (?P<tokens>\d+) target tokens"
)


def test_quick_bench_prints_an_end_to_end_line_per_backend(capsys: pytest.CaptureFixture[str]) -> None:
    """Beside the engine table, whole `translate` runs of the seed per backend, without and with the length
    factor, each a child process: wall seconds, peak RSS, target tokens (tiny model, 4 new tokens: the figures
    are plausible, not measurements; the floor of 32 tokens keeps the factor from changing anything here)."""
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert bench.run(parser.parse_args(["--quick", "--repeat", "1", "--no-greedy"])) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("end-to-end: python -m pipeline translate of tests/data/seed.en.txt") for line in out)
    lines = [line for line in out if line.startswith("e2e ")]
    found = [E2E.fullmatch(line) for line in lines]
    assert all(found), lines
    runs = {(m["backend"], m["factor"]): m for m in found if m}
    assert list(runs) == [(b, f) for b in ("transformers", "ctranslate2") for f in ("null", "3")]
    for backend in ("transformers", "ctranslate2"):  # 4 tokens per sentence, under the floor: the same work
        assert runs[(backend, "null")]["tokens"] == runs[(backend, "3")]["tokens"]
        assert int(runs[(backend, "3")]["tokens"]) >= int(runs[(backend, "3")]["sentences"])
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


def test_an_aligner_baseline_given_other_sentences_stops_bench_align(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A planted difference: the length-only baseline is scored on the set less its last target sentence. Its
    F1 would be compared with the hybrid aligner's on other input; bench-align stops and names both systems
    and the document."""
    from pipeline.bench import align

    real = align.run_dev_set

    def short_baseline(ds: align.DevSet, cfg: object, system: str) -> align.RunResult:
        if system == "length-only":
            ds = align.DevSet(ds.name, ds.src_lang, ds.tgt_lang, [replace(d, tgt=d.tgt[:-1]) for d in ds.docs])
        return real(ds, cfg, system)  # type: ignore[arg-type]

    monkeypatch.setattr(align, "run_dev_set", short_baseline)
    data = ROOT / "tests" / "data"
    args = ["bench-align", "--dev-dir", str(data), "--sets", "seed.en-uk", "--embedder", "none"]
    assert main([*args, "--set", "align.aligner=length"]) == 2
    err = capsys.readouterr().err
    assert (
        "pipeline: error: aligner benchmark systems hybrid.v3(none) and length.v3 (seed.en-uk) were given different "
        "input: document 'seed' (22 source / 23 target sentences, digest " in err
    )
    assert "and 'seed' (22 / 22, digest " in err
    monkeypatch.setattr(align, "run_dev_set", real)
    assert main([*args, "--set", "align.aligner=length"]) == 0


def test_aligner_systems_must_account_for_the_same_sentences() -> None:
    from pipeline.bench.align import RunResult, require_same_input

    scores = None
    a = RunResult("set", "hybrid", scores, 0.0, 0.0, 0, 1, inputs=(("doc", "abc", 5, 6, 5, 6),))  # type: ignore[arg-type]
    b = RunResult("set", "length", scores, 0.0, 0.0, 0, 1, inputs=(("doc", "abc", 5, 6, 4, 6),))  # type: ignore[arg-type]
    require_same_input(a, a)
    with pytest.raises(BenchMismatch, match=r"account for different sentences of document 'doc' \(5 source / 6"):
        require_same_input(a, b)


def test_bench_corpus_stops_when_the_engines_translate_differently(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted difference: the Ray engine's run gives another target for the second pair. Compared with the
    local engine on equal resources (1 worker, 1 actor), bench-corpus stops at the first round."""
    from pipeline.bench import corpus as corpus_bench
    from pipeline.bench.corpus import Run, run_corpus_bench

    calls: list[str] = []

    def fake_run(cfg: object, data: Path, out: Path, engine: str, ray_address: object, tokens: int) -> object:
        calls.append(engine)
        targets = ("один", "два") if engine == "local" else ("один", "три")
        return Run(1.0, 1.0, 0.1, 1, 2, ("One.", "Two."), targets), {"cpu"}

    monkeypatch.setattr(corpus_bench, "_timed_run", fake_run)
    with pytest.raises(BenchMismatch) as e:
        run_corpus_bench(quick=True, sentences=2, out_tokens=2, actors=2, ray_address="127.0.0.1:1", repeat=3)
    assert str(e.value).startswith(
        "benchmark systems local engine and ray engine (1 worker(s)) decode differently under the same settings: "
        "first at unit 1 'Two.': local engine gives 'два', ray engine gives 'три'"
    )
    assert calls == ["local", "ray"]  # stopped at the first comparison, before any later round


def test_bench_corpus_compares_the_pairs_each_run_wrote(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real local engine, two rounds: each run's pairs are read from its shards and compared."""
    from pipeline.bench import corpus as corpus_bench
    from pipeline.bench.corpus import run_corpus_bench

    seen: list[tuple[int, int]] = []
    real = corpus_bench._require_alike

    def spy(first: object, run: object, *args: object) -> None:
        seen.append((len(first.targets), len(run.targets)))  # type: ignore[attr-defined]
        real(first, run, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(corpus_bench, "_require_alike", spy)
    result = run_corpus_bench(quick=True, sentences=6, out_tokens=2, engines=("local",), actors=1, repeat=2)
    assert len(result.rows) == 1 and seen == [(6, 6), (6, 6)]


def test_e2e_only_runs_the_named_backend_with_the_given_settings(capsys: pytest.CaptureFixture[str]) -> None:
    """`--e2e-only`: no engine table, the end-to-end lines as each run ends, then the header; `--e2e-set` reaches
    the runs (an unknown key fails them), `--e2e-backend` picks the backend."""
    args = ["bench", "--quick", "--e2e-only", "--e2e-backend", "ctranslate2"]
    assert main([*args, "--e2e-set", "translate.repair.enabled=false"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in out[:2]] == [
        "e2e ctranslate2 max_length_factor=null",
        "e2e ctranslate2 max_length_factor=3",
    ]
    assert all(E2E.fullmatch(line) for line in out[:2]) and out[2].startswith("end-to-end: ") and len(out) == 3
    assert main([*args, "--e2e-set", "translate.no_such_key=1"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("e2e ctranslate2 max_length_factor=null: failed (exit status 2)")
    assert "no_such_key" in out[0]
