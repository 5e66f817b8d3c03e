"""translate-corpus on Ray Data: the same pairs and rejects as the local engine, a dying worker, resume.

Needs the ray extra (`pip install .[ray]`; `make test-ray` installs it and runs this file). A local Ray
cluster is started here with 2 CPUs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")  # guard for the core install only; .ci/run installs the extra and runs these

from corpus_helpers import (  # noqa: E402
    BAD,
    FAST,
    DieOnceFactory,
    assert_each_target_is_its_own_sources_translation,
    rejects,
    shard_records,
    write_corpus,
)

from pipeline.bench.translation import make_sentences  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.corpus.job import run_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Two actors of half a CPU each leave a CPU for the read/segment/align/write tasks on a 2-CPU cluster.
RAY = ["corpus.ray.actors=2", "corpus.ray.num_cpus=0.5", "corpus.ray.task_cpus=0.5", "corpus.shard_records=25"]


@pytest.fixture(scope="module", autouse=True)
def cluster():
    env = {k: os.environ[k] for k in ("HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "XDG_CACHE_HOME") if k in os.environ}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, write_corpus(folder, make_sentences(300))


def _cfg(model: Path, *extra: str):
    return load_config(lang="ko", overrides=[f"translate.model={model}", *FAST, *RAY, *extra])


def test_ray_gives_the_same_pairs_and_rejects_as_local(corpus, en_ko_broken_model: Path, tmp_path: Path) -> None:
    cfg = _cfg(en_ko_broken_model)
    local = run_corpus(cfg, corpus[0], tmp_path / "local", engine="local")
    on_ray = run_corpus(cfg, corpus[0], tmp_path / "ray", engine="ray")
    pairs = shard_records(tmp_path / "local")
    assert local.sentences >= 250 and len(pairs) == local.pairs
    assert shard_records(tmp_path / "ray") == pairs  # same sentence pairs, scores, flags and signature
    assert_each_target_is_its_own_sources_translation(cfg, pairs)  # and neither engine moved a translation
    assert rejects(tmp_path / "ray") == rejects(tmp_path / "local")
    for where, stage, reason in BAD:
        assert any(
            r["where"].startswith(where) and r["stage"] == stage and reason in r["reason"]
            for r in rejects(tmp_path / "ray")
        )
    assert (on_ray.records, on_ray.written, on_ray.rejected) == (local.records, local.written, local.rejected)
    assert on_ray.records == on_ray.written + on_ray.rejected
    for name in ("parquet", "tmx"):
        a = sorted((tmp_path / "local" / "shards").glob(f"*.{name}"))
        b = sorted((tmp_path / "ray" / "shards").glob(f"*.{name}"))
        assert [p.name for p in a] == [p.name for p in b]
        assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]

    # resume: a shard whose marker is gone (an interrupted job) is redone, the others are skipped
    markers = sorted((tmp_path / "ray" / "shards").glob("*.done.json"))
    markers[0].unlink()
    again = run_corpus(cfg, corpus[0], tmp_path / "ray", engine="ray")
    assert again.skipped == on_ray.shards - 1 and shard_records(tmp_path / "ray") == pairs
    assert rejects(tmp_path / "ray") == rejects(tmp_path / "local")


def test_a_worker_that_dies_is_restarted_and_the_job_finishes(en_uk_model: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    sents = make_sentences(60)
    data.write_text("".join(f'{{"id": "s{i}", "text": "{s}"}}\n' for i, s in enumerate(sents)), encoding="utf-8")
    cfg = load_config(lang="uk", overrides=[f"translate.model={en_uk_model}", *FAST, *RAY, "corpus.shard_records=10"])
    marker = tmp_path / "died"
    report = run_corpus(cfg, data, tmp_path / "out", engine="ray", translator_factory=DieOnceFactory(cfg, marker))
    assert marker.exists()  # a translation actor died midway
    assert report.failed == 0 and report.written == 60 and report.rejected == 0
    assert {r["doc"] for r in shard_records(tmp_path / "out")} == {f"s{i}" for i in range(60)}


def test_bench_corpus_quick_on_ray(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    args = ["bench-corpus", "--quick", "--sentences", "12", "--out-tokens", "3", "--shard-records", "4"]
    assert main(["-q", *args, "--actors", "1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("local_sentences_per_s=") and "ray_vs_local=" in last


def test_a_folder_of_documents_on_ray_gives_the_local_documents_and_pairs(tmp_path: Path) -> None:
    from corpus_helpers import FailOn
    from test_corpus_documents import write_documents

    write_documents(tmp_path / "in")
    cfg = load_config(lang="uk", overrides=[*FAST, *RAY])
    local = run_corpus(cfg, tmp_path / "in", tmp_path / "local", engine="local", translator_factory=FailOn("nothing"))
    on_ray = run_corpus(cfg, tmp_path / "in", tmp_path / "ray", engine="ray", translator_factory=FailOn("nothing"))
    assert (on_ray.written, on_ray.rejected) == (local.written, local.rejected) == (4, 0)
    assert shard_records(tmp_path / "ray") == shard_records(tmp_path / "local")
    for name in ("documents/news/talks.uk.html", "documents/guide.uk.md"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    again = run_corpus(cfg, tmp_path / "in", tmp_path / "ray", engine="ray", translator_factory=FailOn("nothing"))
    assert again.skipped == again.shards == 3
