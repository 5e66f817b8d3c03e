"""All output formats of one run: write_outputs, the JSONL schema, Moses, the Hugging Face dataset, --ref."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import pipeline.write.output as output_mod
from pipeline.cli import main
from pipeline.errors import ConfigError, OutputError
from pipeline.records import AlignedPair, Signature
from pipeline.write import FORMATS, hf, pair_schema, read_jsonl, render_outputs, write_outputs
from pipeline.write.tsv import tsv_safe

ROOT = Path(__file__).resolve().parent.parent
GOLD_EN = (ROOT / "tests" / "data" / "seed.en.txt").read_text(encoding="utf-8").splitlines()
WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
SIG = Signature(
    package_version="0.1.0",
    segmenter="rules-en.v1",
    model="Helsinki-NLP/opus-mt-tc-big-en-ko",
    model_revision="ae8606b7b29a495f31ce679cee2007f536a3a5ce",
    backend="transformers-5.0",
    aligner="by-construction.v1",
    decoding="beam4.max256",
    extra=(("unit", "sentence"),),
)
LOCAL_SIG = Signature("0.1.0", "rules-en.v1", "/models/tiny", "local", "transformers-5.0", "x.v1", "beam2.max6")
ALL = ["tmx", "jsonl", "tsv", "moses", "hf", "parquet"]
BASE = "doc.en-ko"


def pair(i: int, src: str, tgt: str, **kw: Any) -> AlignedPair:
    base: dict[str, Any] = dict(
        id=i,
        src_lang="en",
        tgt_lang="ko",
        src=src,
        tgt=tgt,
        src_idx=(i,),
        tgt_idx=(i,),
        score=0.9,
        mt_score=0.5,
        paragraph=0,
    )
    base.update(kw)
    return AlignedPair(**base)


def sample() -> list[AlignedPair]:
    return [
        pair(0, "Plain sentence.", "평범한 문장."),
        pair(1, 'Markup <b>bold</b> & "quotes"', '마크업 <b>굵게</b> & "따옴표"', flags=("low-score",)),
        pair(2, "Tab\there, line\nbreak", "탭\t줄\u2028바꿈", mt_score=None, paragraph=None),
        pair(3, "Two. Sentences.", "하나.", src_idx=(3, 4), tgt_idx=(3,), flags=("merged", "x")),
        pair(4, "Unmatched.", "", src_idx=(5,), tgt_idx=(), mt_score=None, score=0.0),
        pair(5, "", "남는 문장.", src_idx=(), tgt_idx=(4,), score=0.0),
        pair(6, "Emoji 😀 and RTL שלום", "이모지 😀"),
    ]


def write_all(folder: Path, pairs: list[AlignedPair] | None = None, sig: Signature = SIG, **kw: Any) -> list[Path]:
    return write_outputs(
        kw.pop("formats", ALL),
        sample() if pairs is None else pairs,
        folder,
        BASE,
        signature=sig,
        src_lang="en",
        tgt_lang="ko",
        creation_date=WHEN,
        **kw,
    )


def jsonl_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def hf_rows(folder: Path) -> list[dict[str, Any]]:
    import datasets

    data = folder / hf.DATA_FILE
    ds = datasets.load_dataset("parquet", data_files=str(data), split="train")
    assert isinstance(ds.features["translation"], datasets.Translation)
    return list(ds)


def as_hf_row(record: dict[str, Any]) -> dict[str, Any]:
    """The dataset row a JSONL record should become."""
    return {
        "id": record["id"],
        "translation": {record["src_lang"]: record["src"], record["tgt_lang"]: record["tgt"]},
        **{k: record[k] for k in ("src_idx", "tgt_idx", "score", "mt_score", "paragraph", "flags")},
    }


def card(folder: Path) -> tuple[dict[str, Any], str]:
    text = (folder / "README.md").read_text(encoding="utf-8")
    m = re.fullmatch(r"---\n(.*?)\n---\n(.*)", text, re.S)
    assert m, text[:200]
    return yaml.safe_load(m.group(1)), m.group(2)


# ---------------------------------------------------------------- write_outputs


def test_registry_names() -> None:
    assert list(FORMATS.names()) == [*ALL, "xliff"]


def test_write_outputs_writes_every_format(tmp_path: Path) -> None:
    paths = write_all(tmp_path)
    names = [p.name for p in paths]
    assert names == [
        f"{BASE}.tmx",
        f"{BASE}.jsonl",
        f"{BASE}.tsv",
        f"{BASE}.en",
        f"{BASE}.ko",
        f"{BASE}.hf",
        f"{BASE}.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # no temporary leftovers
    assert sorted(str(p.relative_to(tmp_path / f"{BASE}.hf")) for p in (tmp_path / f"{BASE}.hf").rglob("*")) == [
        "README.md",
        "data",
        "data/train-00000-of-00001.parquet",
    ]
    # parquet alone is the dataset's data file (no doc column outside translate-corpus)
    assert (tmp_path / f"{BASE}.parquet").read_bytes() == (tmp_path / f"{BASE}.hf" / hf.DATA_FILE).read_bytes()
    assert write_all(tmp_path / "one", formats=["jsonl", "jsonl"]) == [tmp_path / "one" / f"{BASE}.jsonl"]


def test_write_outputs_is_deterministic(tmp_path: Path) -> None:
    write_all(tmp_path / "a")
    write_all(tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files_a) == 8
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


@pytest.mark.parametrize("formats", [["tmx", "xlsx"], [], ["TMX"]])
def test_unknown_or_no_format_writes_nothing(tmp_path: Path, formats: list[str]) -> None:
    with pytest.raises(ConfigError) as ei:
        write_all(tmp_path, formats=formats)
    assert "moses" in str(ei.value) and "hf" in str(ei.value)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_a_failing_format_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: Any, **kw: Any) -> bytes:
        raise RuntimeError("parquet writer crashed")

    monkeypatch.setattr(hf, "to_parquet", boom)
    with pytest.raises(RuntimeError):
        write_all(tmp_path)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_language_checks_apply_to_all_formats() -> None:
    with pytest.raises(ValueError, match="pair 0 is en->uk"):
        render_outputs(["moses"], [pair(0, "a", "b", tgt_lang="uk")], BASE, signature=SIG, src_lang="en", tgt_lang="ko")
    with pytest.raises(ConfigError):
        render_outputs(["hf"], [], BASE, signature=SIG, src_lang="en", tgt_lang="k o")


def test_hf_folder_is_replaced_whole(tmp_path: Path) -> None:
    stale = tmp_path / f"{BASE}.hf" / "data" / "train-00000-of-00002.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    write_all(tmp_path, formats=["hf"])
    assert not stale.exists() and (tmp_path / f"{BASE}.hf" / hf.DATA_FILE).is_file()
    assert [p.name for p in tmp_path.iterdir()] == [f"{BASE}.hf"]


def test_hf_folder_write_failure_keeps_the_old_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / f"{BASE}.hf"
    old.mkdir()
    (old / "README.md").write_text("previous\n", encoding="utf-8")
    real_replace = output_mod.os.replace

    def failing_replace(src: Any, dst: Any) -> None:
        if Path(src).name.endswith(".tmp"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(output_mod.os, "replace", failing_replace)
    with pytest.raises(OutputError, match="cannot write .*No space left on device; check the output folder"):
        write_all(tmp_path, formats=["hf"])
    assert [p.name for p in tmp_path.iterdir()] == [f"{BASE}.hf"]
    assert (old / "README.md").read_text(encoding="utf-8") == "previous\n"


# ---------------------------------------------------------------- JSONL schema


def test_schema_is_valid_and_shipped_as_package_data() -> None:
    schema = pair_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"flags", "mt_score"} <= schema["properties"].keys()
    assert schema["properties"]["flags"]["items"]["type"] == "string"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (tomllib is 3.11+)
    section = re.search(r"^\[tool\.setuptools\.package-data\]\n(.*?)(?:^\[|\Z)", pyproject, re.M | re.S)
    assert section and re.search(r'^pipeline = \[.*"schemas/\*\.json".*\]$', section.group(1), re.M)


def test_every_jsonl_record_validates(tmp_path: Path) -> None:
    write_all(tmp_path, formats=["jsonl"])
    validator = jsonschema.Draft202012Validator(pair_schema())
    records = jsonl_records(tmp_path / f"{BASE}.jsonl")
    assert len(records) == len(sample())
    for r in records:
        validator.validate(r)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"src": None}, "src"),
        ({"src_idx": [-1]}, "src_idx"),
        ({"flags": "low-score"}, "flags"),
        ({"flags": [1]}, "flags"),
        ({"mt_score": "0.5"}, "mt_score"),
        ({"score": 1.5}, "score"),
        ({"tgt_lang": "k o"}, "tgt_lang"),
        ({"signature": "made by hand"}, "signature"),
    ],
)
def test_schema_rejects_malformed_records(tmp_path: Path, change: dict[str, Any], where: str) -> None:
    write_all(tmp_path, formats=["jsonl"])
    record = jsonl_records(tmp_path / f"{BASE}.jsonl")[0] | change
    errors = list(jsonschema.Draft202012Validator(pair_schema()).iter_errors(record))
    assert errors and any(where in (list(e.absolute_path) or [e.message]) or where in e.message for e in errors)


def test_schema_requires_the_core_fields() -> None:
    validator = jsonschema.Draft202012Validator(pair_schema())
    assert set(pair_schema()["required"]) == {
        "id", "src_lang", "tgt_lang", "src", "tgt", "src_idx", "tgt_idx", "score", "signature"
    }  # fmt: skip
    minimal = {"id": 0, "src_lang": "en", "tgt_lang": "ko", "src": "a", "tgt": "b", "src_idx": [0], "tgt_idx": [0]}
    minimal |= {"score": 1.0, "signature": SIG.as_string(), "x-new-key": 1}  # unknown keys are allowed
    validator.validate(minimal)


# ---------------------------------------------------------------- Moses


def test_moses_files_are_line_aligned_and_flattened(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pipeline.write.moses"):
        write_all(tmp_path, formats=["moses"])
    src = (tmp_path / f"{BASE}.en").read_text(encoding="utf-8").split("\n")
    tgt = (tmp_path / f"{BASE}.ko").read_text(encoding="utf-8").split("\n")
    assert src[-1] == tgt[-1] == ""  # LF-terminated
    assert src[:-1] == [tsv_safe(p.src)[0] for p in sample()]
    assert tgt[:-1] == [tsv_safe(p.tgt)[0] for p in sample()]
    assert src[2] == "Tab here, line break" and tgt[2] == "탭 줄 바꿈"
    assert tgt[4] == "" and src[5] == ""  # empty sides keep their lines
    moses_logs = [r for r in caplog.records if r.name == "pipeline.write.moses"]
    assert len(moses_logs) == 1 and "4 tab/line-break" in moses_logs[0].getMessage()
    assert "ids 2" in moses_logs[0].getMessage()


def test_moses_clean_text_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        write_all(tmp_path, [pair(0, "a", "b")], formats=["moses"])
    assert not caplog.records
    assert (tmp_path / f"{BASE}.en").read_text(encoding="utf-8") == "a\n"


# ---------------------------------------------------------------- Hugging Face dataset


def test_hf_rows_equal_the_jsonl(tmp_path: Path) -> None:
    write_all(tmp_path, formats=["jsonl", "hf"])
    records = jsonl_records(tmp_path / f"{BASE}.jsonl")
    assert hf_rows(tmp_path / f"{BASE}.hf") == [as_hf_row(r) for r in records]


def test_hf_parquet_schema(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    write_all(tmp_path, formats=["hf"])
    schema = pq.read_schema(tmp_path / f"{BASE}.hf" / hf.DATA_FILE)
    assert schema.names == ["id", "translation", "src_idx", "tgt_idx", "score", "mt_score", "paragraph", "flags"]
    assert [f.name for f in schema.field("translation").type] == ["en", "ko"]
    meta = schema.metadata
    assert json.loads(meta[b"pipeline"])["signature"] == SIG.as_string()
    assert json.loads(meta[b"huggingface"])["info"]["features"]["translation"]["_type"] == "Translation"


def test_hf_dataset_loads_as_a_folder(tmp_path: Path) -> None:
    import datasets

    write_all(tmp_path, formats=["hf"])
    ds = datasets.load_dataset(str(tmp_path / f"{BASE}.hf"), split="train")
    assert ds.num_rows == len(sample()) and ds[1]["translation"]["ko"] == sample()[1].tgt


def test_hf_lone_surrogates_are_removed_and_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pipeline.write.hf"):
        write_all(tmp_path, [pair(0, "a\ud800b", "c")], formats=["hf"])
    assert hf_rows(tmp_path / f"{BASE}.hf")[0]["translation"] == {"en": "ab", "ko": "c"}
    assert "removed 1 unencodable" in caplog.text


def test_hf_dataset_card(tmp_path: Path) -> None:
    write_all(tmp_path, formats=["hf"])
    meta, prose = card(tmp_path / f"{BASE}.hf")
    assert meta["language"] == ["en", "ko"] and meta["license"] == "cc-by-4.0"
    assert meta["task_categories"] == ["translation"] and meta["size_categories"] == ["n<1K"]
    assert meta["pretty_name"] and meta["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}
    ]
    features = {f["name"]: f for f in meta["dataset_info"]["features"]}
    assert features["translation"]["dtype"] == {"translation": {"languages": ["en", "ko"]}}
    assert features["flags"]["sequence"] == "string"
    for needle in (SIG.as_string(), SIG.model, SIG.model_revision, SIG.segmenter, SIG.aligner, "CC-BY 4.0"):
        assert needle in prose, needle
    assert "Warning" not in prose
    assert "2024-05-06 07:08:09 UTC" in prose
    table_rows = [line for line in prose.splitlines() if line.startswith("| ")]
    assert len(table_rows) >= 16  # the signature table and the columns table: each cell's "|" escaped
    assert all(line.count(" | ") + 2 == line.count("|") - line.count("\\|") for line in table_rows)


def test_hf_card_escapes_pipes_inside_table_cells(tmp_path: Path) -> None:
    """A "|" in a signature value (model path, an extra value) is written as "\\|" so the row keeps 2 cells."""
    sig = dataclasses.replace(SIG, model="/models/en|ko", extra=(("unit", "sentence"), ("note", "a|b")))
    write_all(tmp_path, sig=sig, formats=["hf"])
    _, prose = card(tmp_path / f"{BASE}.hf")
    rows = {line.split(" | ")[0]: line for line in prose.splitlines() if line.startswith("| ")}
    assert rows["| model"] == "| model | `/models/en\\|ko` |"
    assert rows["| note"] == "| note | `a\\|b` |"
    assert all(len(re.findall(r"(?<!\\)\|", line)) == line.count(" | ") + 2 for line in rows.values())


def test_hf_card_warns_about_local_models(tmp_path: Path) -> None:
    write_all(tmp_path, sig=LOCAL_SIG, formats=["hf"])
    _, prose = card(tmp_path / f"{BASE}.hf")
    assert "## Warning: made with a local model" in prose and "not a translation" in prose


@pytest.mark.parametrize(("n", "cat"), [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (2_500_000, "1M<n<10M")])
def test_size_categories(n: int, cat: str) -> None:
    assert hf.size_category(n) == cat


# ---------------------------------------------------------------- end to end: translate --set output.formats=...

FAST = ["--set", "translate.max_new_tokens=6", "--set", "translate.num_beams=2"]
FAST += ["--set", "output.creation_date=2026-01-01T00:00:00Z"]


@pytest.fixture(scope="module")
def ko_run(tmp_path_factory: pytest.TempPathFactory, en_ko_broken_model: Path) -> Path:
    out = tmp_path_factory.mktemp("formats-ko")
    ref = out / "ref.ko.txt"
    ref.write_text("\n".join(f"참고 문장 {i}." for i in range(len(GOLD_EN))) + "\n", encoding="utf-8")
    args = ["-q", "translate", "--lang", "ko", "--model", str(en_ko_broken_model), "--out", str(out / "o"), *FAST]
    assert main([*args, "--set", f"output.formats=[{','.join(ALL)}]", "--ref", str(ref)]) == 0
    return out / "o"


def test_translate_writes_every_configured_format(ko_run: Path) -> None:
    base = "000_d3c0a91caa4d5cc3.en-ko"
    ours = [f"{base}{ext}" for ext in (".tmx", ".jsonl", ".tsv", ".en", ".ko", ".hf", ".eval.json")]
    assert {*ours, f"{base}.report.json"} <= {p.name for p in ko_run.iterdir()}  # (+ other features' outputs)
    assert not [p.name for p in ko_run.iterdir() if p.name.startswith(".")]  # no temporary leftovers
    report = json.loads((ko_run / f"{base}.report.json").read_text(encoding="utf-8"))
    assert [name for p in report["outputs"] if (name := Path(p).name) in ours] == ours  # in config order
    records = jsonl_records(ko_run / f"{base}.jsonl")
    validator = jsonschema.Draft202012Validator(pair_schema())
    for r in records:
        validator.validate(r)
    assert [r["src"] for r in records] == GOLD_EN
    assert [p.src for p in read_jsonl(ko_run / f"{base}.jsonl")] == GOLD_EN
    assert (ko_run / f"{base}.en").read_text(encoding="utf-8").splitlines() == GOLD_EN
    tgt_lines = (ko_run / f"{base}.ko").read_text(encoding="utf-8").split("\n")[:-1]
    assert tgt_lines == [tsv_safe(r["tgt"])[0] for r in records]
    assert hf_rows(ko_run / f"{base}.hf") == [as_hf_row(r) for r in records]
    meta, prose = card(ko_run / f"{base}.hf")
    assert meta["language"] == ["en", "ko"] and "## Warning: made with a local model" in prose
    assert records[0]["signature"] in prose


def test_translate_with_ref_writes_the_evaluation(ko_run: Path) -> None:
    body = json.loads((ko_run / "000_d3c0a91caa4d5cc3.en-ko.eval.json").read_text(encoding="utf-8"))
    assert body["lang"] == "ko" and body["segments"] == len(GOLD_EN) and body["primary"] == "chrF"
    assert "tok:char" in body["bleu"]["signature"] and "nc:6" in body["chrf"]["signature"]
    assert 0 <= body["bleu"]["score"] <= 100 and 0 <= body["chrf"]["score"] <= 100
    assert body["system"].startswith("pipeline:") and any("random" in n for n in body["notes"])


def test_ref_with_wrong_line_count_is_one_line_and_no_output(
    tmp_path: Path, en_ko_broken_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = tmp_path / "ref.txt"
    ref.write_text("only one line\n", encoding="utf-8")
    out = tmp_path / "o"
    args = ["translate", "--lang", "ko", "--model", str(en_ko_broken_model), "--out", str(out), *FAST]
    assert main([*args, "--ref", str(ref)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"reference file {ref} has 1 line(s) but the input has {len(GOLD_EN)} sentence(s)" in err
    assert not out.exists()
    assert main([*args, "--ref", str(tmp_path / "missing.txt")]) == 2
    assert "reference file not found" in capsys.readouterr().err
