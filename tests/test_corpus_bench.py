"""`python -m pipeline bench-corpus`: equal resources per comparison, the model converted before any clock,
repeated runs reported as medians and min-max (no Ray needed: the engine runs are faked, or local only)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pipeline.bench import corpus as corpus_bench
from pipeline.bench.corpus import CorpusBench, EngineRow, Run, run_corpus_bench
from pipeline.cli import main
from pipeline.config import Config


def test_engines_get_equal_cores_and_the_model_is_converted_before_any_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int, int, int]] = []
    walls = {"local": (4.0, 1.0, 2.0), "ray": (1.0, 8.0, 5.0)}  # per round

    def fake_run(cfg: Config, data: Path, out: Path, engine: str, ray_address: str | None, out_tokens: int) -> Any:
        t = cfg.translate
        assert t.backend == "ctranslate2" and t.ct2_dir
        assert list(Path(t.ct2_dir).rglob("model.bin")), "an engine was timed before the model was converted"
        assert not out.exists()  # a fresh output folder each run: a rerun into the same one would resume
        out.mkdir()
        calls.append((engine, t.threads or 0, cfg.corpus.ray.actors or 0, int(cfg.corpus.ray.num_cpus)))
        rnd = sum(1 for c in calls if c[0] == engine and c[2] == cfg.corpus.ray.actors) - 1
        return Run(walls[engine][rnd], busy=1.0, load=0.5, loads=cfg.corpus.ray.actors or 1, sentences=8), {"cpu"}

    monkeypatch.setattr(corpus_bench, "_timed_run", fake_run)
    result = run_corpus_bench(
        quick=True,
        sentences=8,
        out_tokens=2,
        backend="ctranslate2",
        actors=2,
        ray_address="127.0.0.1:1",  # a cluster the bench does not start (nothing contacts it: the runs are fake)
        repeat=3,
    )
    # rounds of (local, ray): 1 worker vs 1 actor, then 1 local worker of 2 threads vs 2 actors of 1 thread
    assert calls == [("local", 1, 1, 1), ("ray", 1, 1, 1)] * 3 + [("local", 2, 2, 1), ("ray", 1, 2, 1)] * 3
    assert [(r.engine, r.workers, r.threads, r.cores) for r in result.rows] == [
        ("local", 1, 1, 1),
        ("ray", 1, 1, 1),
        ("local", 1, 2, 2),
        ("ray", 2, 1, 2),
    ]
    for row in result.rows:
        assert len(row.runs) == 3 and row.wall == sorted(walls[row.engine])[1]
    # medians: local 8 / 2 s = 4/s, ray 8 / 5 s = 1.6/s; the means would give 8/2.33 and 8/4.67
    assert result.final_line() == (
        "local_sentences_per_s=4.00 ray_sentences_per_s=1.60 ray_vs_local=0.40 "
        "local_2_cores_sentences_per_s=4.00 ray_2_cores_sentences_per_s=1.60 ray_vs_local_2_cores=0.40"
    )
    assert any("converted to CTranslate2 once, before any engine was timed" in n for n in result.notes)


def test_the_table_gives_medians_and_min_max_of_the_runs() -> None:
    runs = tuple(Run(w, busy=w / 2, load=lo, loads=1, sentences=10) for w, lo in ((5.0, 1.0), (2.0, 3.0), (4.0, 2.0)))
    bench = CorpusBench(10, 2, 4, "transformers", repeat=3, rows=[EngineRow("local", 1, 1, "cpu", runs)])
    row = bench.rows[0]
    assert (row.wall, row.rate, row.rate_min, row.rate_max) == (4.0, 2.5, 2.0, 5.0)
    assert (row.per_worker, row.load) == (5.0, 2.0)
    line = bench.table().splitlines()[-1].split()
    assert line[6:] == ["3", "4.0", "2.50", "2.00-5.00", "5.00", "2.0"]  # runs, wall, sents/s, min-max, ...
    assert bench.final_line() == "local_sentences_per_s=2.50"


def test_quick_local_bench_runs_every_configuration_n_times(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["bench-corpus", "--quick", "--engines", "local", "--sentences", "8", "--out-tokens", "2"]
    assert main(["-q", *args, "--shard-records", "4", "--actors", "2", "--repeat", "2"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    rows = [line.split() for line in out if line.startswith("local ")]
    assert [r[1:4] for r in rows] == [["1", "1", "1"], ["1", "2", "2"]]  # workers, threads, cores
    for r in rows:
        assert r[6] == "2"  # runs
        low, high = map(float, r[9].split("-"))
        assert low <= float(r[8]) <= high  # the median sentences/s lies within the runs' min-max
    assert re.fullmatch(r"local_sentences_per_s=\S+ local_2_cores_sentences_per_s=\S+", out[-1])


def test_repeat_and_actors_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench-corpus", "--quick", "--engines", "local", "--repeat", "0"]) == 2
    assert "--repeat must be at least 1" in capsys.readouterr().err
    assert main(["bench-corpus", "--quick", "--engines", "local", "--actors", "0"]) == 2
    assert "--actors must be at least 1" in capsys.readouterr().err
