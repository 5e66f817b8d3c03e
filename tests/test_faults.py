"""Faults (issue 6): a failing input, a broken backend, a full disk, SIGKILL and resume, damaged models, no hub.

Each fault gives either complete outputs with every sentence accounted for, or one line on stderr, a
non-zero exit and no output at all (no partial file, no temporary file).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import one_line_error, output_files

from pipeline.cli import main
from pipeline.translate.hf import HFTranslator

ROOT = Path(__file__).resolve().parent.parent
STEM = "in"


def _args(model: Path, src: Path, out: Path, cache: Path | None, *extra: str) -> list[str]:
    cache_args = ["--set", f"translate.cache_path={cache}"] if cache else ["--no-cache"]
    return ["translate", "--lang", "uk", "--model", str(model), "--input", str(src), "--out", str(out),
            "--set", "translate.max_new_tokens=8", "--set", "translate.num_beams=2", "--set", "translate.threads=1",
            "--set", "output.creation_date=2026-01-01T00:00:00Z", *cache_args, *extra]  # fmt: skip


def _write_input(path: Path, n: int) -> list[str]:
    sents = [f"Report {i} says the talks on day {i % 28 + 1} went on for {i + 2} hours." for i in range(n)]
    path.write_text("\n\n".join(" ".join(sents[i : i + 4]) for i in range(0, n, 4)) + "\n", encoding="utf-8")
    return sents


# ----------------------------------------------------------------------------- a failing input, a broken backend


def test_an_input_that_fails_is_reported_and_the_run_finishes(
    tmp_path: Path, en_uk_model: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    src = tmp_path / f"{STEM}.txt"
    sents = _write_input(src, 8)
    sents[5] = sents[5].replace("Report", "POISON")
    src.write_text(" ".join(sents) + "\n", encoding="utf-8")
    real = HFTranslator._translate_ids
    seen: list[int] = []

    def flaky(self: HFTranslator, batch: list[list[int]]) -> Any:
        seen.append(len(batch))
        if len(batch) > 3:  # like a GPU running out of memory on big batches
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB\nmore detail")
        if any("POISON" in self.tokenizer.decode(ids) for ids in batch):
            raise ValueError("index out of range in self")
        return real(self, batch)

    monkeypatch.setattr(HFTranslator, "_translate_ids", flaky)
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite3"
    with caplog.at_level(logging.INFO):
        assert main(["-q", *_args(en_uk_model, src, out, cache)]) == 0
    assert seen[0] == 8 and 1 in seen  # the big batch was retried in halves, down to the poisoned input alone
    records = [json.loads(line) for line in (out / f"{STEM}.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["src"] for r in records] == sents  # every sentence is there
    assert records[5]["tgt"] == "" and "translation_failed" in records[5]["flags"]
    assert all(r["tgt"] and "translation_failed" not in r["flags"] for i, r in enumerate(records) if i != 5)
    report = json.loads((out / f"{STEM}.en-uk.report.json").read_text(encoding="utf-8"))
    assert report["translated"] == 7 and report["untranslated"] == []
    assert report["failed"] == [
        {"sentence": 5, "paragraph": 0, "text": sents[5], "reason": "ValueError: index out of range in self"}
    ]
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("uk: ")]
    assert summary and "uk: 8 sentences, 7 translated, 1 failed (see the report)" in summary[0]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("sentence 5 failed to translate (ValueError: index out of range in self)" in w for w in warnings)

    # The failure was not cached: a rerun with a healthy backend translates it (and only it).
    monkeypatch.setattr(HFTranslator, "_translate_ids", real)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert main(["-q", *_args(en_uk_model, src, out, cache)]) == 0
    assert any("translation cache: 7 of 8 units found" in r.getMessage() for r in caplog.records)
    report = json.loads((out / f"{STEM}.en-uk.report.json").read_text(encoding="utf-8"))
    assert report["translated"] == 8 and report["failed"] == []


def test_a_broken_backend_ends_the_run_with_one_line_and_no_output(
    tmp_path: Path, en_uk_model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / f"{STEM}.txt"
    _write_input(src, 6)

    def broken(self: HFTranslator, batch: list[list[int]]) -> Any:
        raise RuntimeError("CUDA error: device-side assert triggered")

    monkeypatch.setattr(HFTranslator, "_translate_ids", broken)
    out = tmp_path / "out"
    assert main(["-q", *_args(en_uk_model, src, out, None)]) == 2
    err = one_line_error(capsys)
    assert re.fullmatch(
        r"pipeline: error: every input of a batch of \d+ failed to translate on its own "
        r"\(RuntimeError: CUDA error: device-side assert triggered\); the model or backend is broken: .*",
        err,
    ), err
    assert not out.exists()


def test_a_missing_library_stops_at_the_first_batch(
    tmp_path: Path, en_uk_model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seen on a CUDA 13 machine with CTranslate2's CUDA 12 wheels: no input is to blame, so no retries."""
    src = tmp_path / f"{STEM}.txt"
    _write_input(src, 6)
    calls: list[int] = []

    def no_cublas(self: HFTranslator, batch: list[list[int]]) -> Any:
        calls.append(len(batch))
        raise RuntimeError("Library libcublas.so.12 is not found or cannot be loaded")

    monkeypatch.setattr(HFTranslator, "_translate_ids", no_cublas)
    out = tmp_path / "out"
    assert main(["-q", *_args(en_uk_model, src, out, None)]) == 2
    err = one_line_error(capsys)
    assert re.fullmatch(
        r"pipeline: error: the transformers-\S+ backend cannot run on cpu \(RuntimeError: Library libcublas\.so\.12 "
        r"is not found or cannot be loaded\); install the missing library \(CUDA's cuBLAS for ctranslate2: pip "
        r"install '\.\[gpu\]'\), or choose another device or backend \(translate\.device, translate\.backend\)",
        err,
    ), err
    assert calls == [6] and not out.exists()


def test_an_unexpected_exception_is_one_line_with_a_hint(
    tmp_path: Path, en_uk_model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import pipeline.components

    def bug(*a: Any, **k: Any) -> Any:
        raise KeyError("tgt_idx")

    monkeypatch.setattr(pipeline.components, "link_document", bug)
    src = tmp_path / f"{STEM}.txt"
    _write_input(src, 2)
    assert main(["-q", *_args(en_uk_model, src, tmp_path / "out", None)]) == 1
    err = one_line_error(capsys)
    assert err == (
        "pipeline: internal error: KeyError: 'tgt_idx'; rerun with -v for the traceback and report it with the "
        "command you ran"
    )
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- a full disk


@pytest.mark.parametrize("fail_at", [1, 3, 5])
@pytest.mark.parametrize("earlier_run", [False, True])
def test_a_full_disk_leaves_no_output(
    tmp_path: Path,
    en_uk_model: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fail_at: int,
    earlier_run: bool,
) -> None:
    src = tmp_path / f"{STEM}.txt"
    _write_input(src, 4)
    out = tmp_path / "out"
    formats = ["--set", "output.formats=[tmx,jsonl,moses,hf]"]
    if earlier_run:
        assert main(["-q", *_args(en_uk_model, src, out, None, *formats)]) == 0
        before = output_files(out)
        src.write_text("A different document now. It has other sentences.\n", encoding="utf-8")
    real_fsync = os.fsync
    calls = [0]

    def full(fd: int) -> None:
        calls[0] += 1
        if calls[0] >= fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full)
    assert main(["-q", *_args(en_uk_model, src, out, None, *formats)]) == 2
    err = one_line_error(capsys)
    assert re.fullmatch(
        rf"pipeline: error: cannot write the outputs into {re.escape(str(out))}: No space left on device \(.*\); "
        r"nothing was written; check the output folder and free space, then run again",
        err,
    ), err
    # no partial output, no temporary file; an earlier run's outputs are untouched
    assert output_files(out) == (before if earlier_run else {})
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [] if out.exists() else True


# ----------------------------------------------------------------------------- SIGKILL, then resume from the cache

_KILLER = """
import os, signal, sys
from pipeline.translate.hf import HFTranslator

real = HFTranslator._translate_ids
done = [0]

def translate_then_die(self, batch):
    if done[0] == int(os.environ["KILL_AFTER_BATCHES"]):
        os.kill(os.getpid(), signal.SIGKILL)  # mid-translation: no cleanup, no atexit, nothing flushed
    done[0] += 1
    return real(self, batch)

HFTranslator._translate_ids = translate_then_die
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_run_killed_mid_translation_resumes_from_its_cache_byte_identical(
    tmp_path: Path, en_uk_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = tmp_path / f"{STEM}.txt"
    _write_input(src, 96)
    out, cache = tmp_path / "out", tmp_path / "cache.sqlite3"
    args = _args(en_uk_model, src, out, cache, "--set", "translate.batch_size=8",
                 "--set", "output.formats=[tmx,jsonl,tsv,moses,hf]")  # fmt: skip

    # 1. the uninterrupted run, for reference; then forget it (same paths, so the reports can match)
    assert main(["-q", *args]) == 0
    reference = output_files(out)
    assert len(reference) >= 8
    targets = [json.loads(line)["tgt"] for line in reference[f"{STEM}.en-uk.jsonl"].decode().splitlines()]
    assert len(set(targets)) == 96  # every sentence its own output: a cache entry served to the wrong one shows
    shutil.rmtree(out)
    cache.unlink()

    # 2. the same run, SIGKILLed after 5 of its 12 batches
    killer = tmp_path / "killer.py"
    killer.write_text(textwrap.dedent(_KILLER), encoding="utf-8")
    env = {**os.environ, "KILL_AFTER_BATCHES": "5", "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, str(killer), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)  # fmt: skip
    assert res.returncode == -signal.SIGKILL, res.stderr
    assert not out.exists() or output_files(out) == {}  # nothing written yet: outputs come at the end, whole

    # 3. started again: 5 batches of 8 come from the cache, the rest is translated; the outputs are identical
    res = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "translation cache: 40 of 96 units found" in res.stderr, res.stderr
    assert "uk: 96 sentences, 96 translated" in res.stderr
    assert output_files(out) == reference


# ----------------------------------------------------------------------------- damaged models, no hub


def _damage(folder: Path, how: str) -> None:
    if how == "truncated-weights":
        w = folder / "model.safetensors"
        w.write_bytes(w.read_bytes()[:1000])
    elif how == "config-not-json":
        (folder / "config.json").write_text('{"model_type": "marian", ', encoding="utf-8")
    elif how == "no-vocab":
        (folder / "vocab.json").unlink()
    elif how == "truncated-spm":
        spm = folder / "source.spm"
        spm.write_bytes(spm.read_bytes()[:500])
    elif how == "no-weights":
        (folder / "model.safetensors").unlink()


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("truncated-weights", r"model .* failed to load from .* \(SafetensorError: .*\) \(translate\.model, "
                              r"--model\); its files are damaged or incomplete: download the model again"),
        ("config-not-json", r"config\.json of model .* is unreadable or not JSON \(translate\.model, --model\); "
                            r"re-download or re-save the model"),
        ("no-vocab", r"model folder .* lacks the MarianTokenizer files vocab\.json \(translate\.model, --model\); "
                     r"copy source\.spm"),
        ("truncated-spm", r"source\.spm is not a SentencePiece model; re-download the model's tokenizer files"),
        ("no-weights", r"model folder .* has no weights \(model\.safetensors\) \(translate\.model, --model\); "
                       r"save the model there with MarianMTModel\.save_pretrained\(\)"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_a_damaged_model_folder_is_one_line_and_no_output(
    tmp_path: Path, en_uk_model: Path, capsys: pytest.CaptureFixture[str], how: str, expected: str, backend: str
) -> None:
    model = tmp_path / "model"
    shutil.copytree(en_uk_model, model)
    _damage(model, how)
    src = tmp_path / f"{STEM}.txt"
    _write_input(src, 2)
    out = tmp_path / "out"
    code = main(["-q", *_args(model, src, out, None, "--set", f"translate.backend={backend}",
                              "--set", f"translate.ct2_dir={tmp_path / 'ct2'}")])  # fmt: skip
    assert code == 2
    assert re.search(expected, one_line_error(capsys))
    assert not out.exists()


def test_an_unreachable_hub_is_one_line_and_does_not_hang(tmp_path: Path) -> None:
    """The real download path (not offline mode) against a hub address where nothing listens."""
    src = tmp_path / f"{STEM}.txt"
    _write_input(src, 2)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT="http://127.0.0.1:9", HF_HOME=str(tmp_path / "hf"), HF_HUB_CACHE=str(tmp_path / "hf/hub"),
               HF_HUB_ETAG_TIMEOUT="5", HF_HUB_DOWNLOAD_TIMEOUT="5", PYTHONPATH=str(ROOT))  # fmt: skip
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "pipeline", "-q", "translate", "--lang", "uk", "--input", str(src), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 2, res.stderr
    err = res.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "Helsinki-NLP/opus-mt-en-uk" in err and "--model DIR" in err, err
    assert not out.exists()
