"""Determinism: the same input, config and model give byte-identical outputs, every format of a run.

Time stamps come from ``output.creation_date``, else ``SOURCE_DATE_EPOCH``, else the clock; with one of
the first two fixed, two runs (the second from the translation cache, a third without the cache) write
the same bytes: TMX, JSONL, TSV, Moses, the Hugging Face dataset folder, the run report and the review
page.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cli_helpers import output_files
from lxml import etree

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d3c0a91caa4d5cc3.txt"
BASE = "000_d3c0a91caa4d5cc3.en-ru"
EPOCH = 1700000000  # 2023-11-14T22:13:20Z
ALL_FORMATS = "output.formats=[tmx,jsonl,tsv,moses,hf]"
EXPECTED = {
    f"{BASE}.tmx",
    f"{BASE}.jsonl",
    f"{BASE}.tsv",
    f"{BASE}.en",
    f"{BASE}.ru",
    f"{BASE}.hf/README.md",
    f"{BASE}.hf/data/train-00000-of-00001.parquet",
    f"{BASE}.report.json",
    f"{BASE}.review.html",
}


def _run(model: Path, out: Path, cache: Path, *extra: str) -> None:
    args = ["-q", "translate", "--lang", "ru", "--model", str(model), "--out", str(out), "--input", str(SEED)]
    for s in ("translate.max_new_tokens=16", "translate.num_beams=2", f"translate.cache_path={cache}", ALL_FORMATS):
        args += ["--set", s]
    assert main([*args, *extra]) == 0


def _rerun_in_place(model: Path, out: Path, cache: Path, *extra: str) -> dict[str, bytes]:
    """Move the previous run's folder aside, run again into the same path, return the new files."""
    if out.exists():
        shutil.move(out, out.with_name(out.name + f".{len(list(out.parent.iterdir()))}"))
    _run(model, out, cache, *extra)
    return output_files(out)


@pytest.fixture(scope="module")
def three_runs(en_ru_model: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, bytes]]:
    """Run 1 fills a fresh translation cache, run 2 reads it, run 3 uses no cache; same folder, same epoch."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    try:
        root = tmp_path_factory.mktemp("determinism")
        out, cache = root / "out", root / "cache.sqlite3"
        first = _rerun_in_place(en_ru_model, out, cache)
        assert cache.is_file()
        second = _rerun_in_place(en_ru_model, out, cache)
        third = _rerun_in_place(en_ru_model, out, cache, "--no-cache")
    finally:
        mp.undo()
    return [first, second, third]


def test_the_compared_runs_give_every_sentence_its_own_target(three_runs: list[dict[str, bytes]]) -> None:
    """Else a cache entry served to the wrong sentence would leave the bytes unchanged."""
    pairs = [json.loads(line) for line in three_runs[0][f"{BASE}.jsonl"].decode().splitlines()]
    assert len(pairs) > 10 and len({p["tgt"] for p in pairs}) == len({p["src"] for p in pairs}) == len(pairs)


def test_every_output_format_is_written(three_runs: list[dict[str, bytes]]) -> None:
    assert set(three_runs[0]) == EXPECTED


def test_a_rerun_from_the_cache_is_byte_identical(three_runs: list[dict[str, bytes]]) -> None:
    first, second, _ = three_runs
    assert set(first) == set(second)
    for name in sorted(first):
        assert first[name] == second[name], f"{name} differs between two runs"


def test_a_run_without_the_cache_gives_the_same_bytes(three_runs: list[dict[str, bytes]]) -> None:
    """Only the report differs, and only in the recorded setting translate.cache."""
    first, _, third = three_runs
    for name in sorted(EXPECTED - {f"{BASE}.report.json"}):
        assert first[name] == third[name], f"{name} differs between a cached and an uncached run"
    a = json.loads(first[f"{BASE}.report.json"])
    b = json.loads(third[f"{BASE}.report.json"])
    assert (a["config"]["translate"]["cache"], b["config"]["translate"]["cache"]) == (True, False)
    b["config"]["translate"]["cache"] = True
    assert a == b


def test_time_stamps_come_from_source_date_epoch(three_runs: list[dict[str, bytes]]) -> None:
    files = three_runs[0]
    tmx = etree.fromstring(files[f"{BASE}.tmx"])
    assert tmx.find("header").get("creationdate") == "20231114T221320Z"
    report = json.loads(files[f"{BASE}.report.json"])
    assert report["created"] == "2023-11-14T22:13:20Z"
    assert "2023-11-14 22:13:20 UTC" in files[f"{BASE}.hf/README.md"].decode("utf-8")
    # The signature and the other formats carry no time at all.
    assert not re.search(r"20\d\d-?\d\d-?\d\d", report["signature"]["string"])
    for name in (f"{BASE}.jsonl", f"{BASE}.tsv", f"{BASE}.en", f"{BASE}.ru", f"{BASE}.review.html"):
        assert b"2023" not in files[name], name


def test_creation_date_setting_wins_over_source_date_epoch(
    en_ru_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    _run(en_ru_model, tmp_path / "o", tmp_path / "c.sqlite3", "--set", "output.creation_date=2025-02-03T04:05:06Z")
    files = output_files(tmp_path / "o")
    assert etree.fromstring(files[f"{BASE}.tmx"]).find("header").get("creationdate") == "20250203T040506Z"
    assert json.loads(files[f"{BASE}.report.json"])["created"] == "2025-02-03T04:05:06Z"
    assert "2025-02-03 04:05:06 UTC" in files[f"{BASE}.hf/README.md"].decode("utf-8")


def test_without_either_the_clock_is_used(en_ru_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    _run(en_ru_model, tmp_path / "o", tmp_path / "c.sqlite3", "--set", "output.formats=[tmx]")
    after = datetime.now(timezone.utc)
    files = output_files(tmp_path / "o")
    stamp = etree.fromstring(files[f"{BASE}.tmx"]).find("header").get("creationdate")
    when = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert before <= when <= after
    created = json.loads(files[f"{BASE}.report.json"])["created"]
    assert created == when.strftime("%Y-%m-%dT%H:%M:%SZ")  # one time stamp for every output of the run


@pytest.mark.parametrize("value", ["yesterday", "1.5", "99999999999999999999"])
def test_a_malformed_source_date_epoch_is_one_line_before_any_work(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    out = tmp_path / "o"
    # No model is loaded: the folder does not even exist, and the time stamp is checked first.
    code = main(["translate", "--lang", "ru", "--model", str(tmp_path / "no-model"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"pipeline: error: SOURCE_DATE_EPOCH is not a Unix timestamp: {value!r}; set it to whole seconds since "
        "1970-01-01 UTC (e.g. `date +%s`), or unset it, or fix the time with "
        "--set output.creation_date=2024-01-01T00:00:00Z\n"
    )
    assert not out.exists()
