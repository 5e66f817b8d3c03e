"""translate-corpus with the local engine (no Ray needed): records, rejects, shards, resume, the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_helpers import (
    BAD,
    FAST,
    FailOn,
    Rewrites,
    assert_each_target_is_its_own_sources_translation,
    rejects,
    shard_records,
    write_corpus,
)
from lxml import etree

from pipeline.bench.translation import make_sentences
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.corpus.job import run_corpus
from pipeline.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parent.parent
DTD = ROOT / "tests" / "fixtures" / "tmx14b.dtd"


def _cfg(model: Path, lang: str = "ru", *extra: str):
    return load_config(lang=lang, overrides=[f"translate.model={model}", *FAST, "corpus.shard_records=20", *extra])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("corpus")
    return folder, write_corpus(folder, make_sentences(90))


@pytest.fixture(scope="module")
def local_run(corpus, en_ru_model: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("out-local")
    report = run_corpus(_cfg(en_ru_model), corpus[0], out, engine="local")
    return out, report


def test_every_record_is_written_or_rejected_with_a_reason(corpus, local_run) -> None:
    _, counts = corpus
    out, report = local_run
    valid = counts["docs"] + counts["lines"] + counts["rows"]
    got = rejects(out)
    assert report.written == valid and report.rejected == len(BAD) - 1  # the broken file counts no record
    assert report.records == report.written + report.rejected
    for where, stage, reason in BAD:
        assert any(r["where"].startswith(where) and r["stage"] == stage and reason in r["reason"] for r in got), (
            where,
            reason,
            got,
        )
    assert {r["doc"] for r in shard_records(out)} == (
        {f"doc-{i}" for i in range(counts["docs"])}
        | {f"lines.txt:{n}" for n in range(1, counts["lines"] + 2) if n != 6}  # line 6 is not UTF-8
        | {f"row-{i}" for i in range(counts["rows"])}
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["records"] == report.records and manifest["totals"]["written"] == valid
    assert manifest["rejected_files"][0]["where"] == "broken.parquet"


def test_shard_outputs_match_the_single_article_records(local_run) -> None:
    import pyarrow.parquet as pq
    from jsonschema import Draft202012Validator

    from pipeline.write.jsonl import pair_schema, read_jsonl

    out, report = local_run
    shards = out / "shards"
    validator = Draft202012Validator(pair_schema())
    dtd = etree.DTD(str(DTD))
    for marker in sorted(shards.glob("*.done.json")):
        body = json.loads(marker.read_text(encoding="utf-8"))
        name = body["name"]
        jsonl_path = shards / f"{name}.en-ru.jsonl"
        lines = [json.loads(x) for x in jsonl_path.read_text(encoding="utf-8").splitlines()]
        for rec in lines:
            validator.validate(rec)
            assert rec["signature"] == body["signature"]
        assert [p.doc for p in read_jsonl(jsonl_path)] == [r["doc"] for r in lines]
        table = pq.read_table(shards / f"{name}.en-ru.parquet")
        assert table.column_names[:2] == ["doc", "id"] and table.num_rows == len(lines)
        tree = etree.parse(str(shards / f"{name}.en-ru.tmx"))
        assert dtd.validate(tree), dtd.error_log
        assert len(tree.findall(".//tu")) == len(lines)
    assert report.signatures and all("align:by-construction.v1+checked:length" in s for s in report.signatures)


def test_each_target_is_the_translation_of_its_own_source(local_run, en_ru_model: Path) -> None:
    out, _ = local_run
    assert_each_target_is_its_own_sources_translation(_cfg(en_ru_model), shard_records(out))


def test_resume_skips_written_shards_and_redoes_missing_ones(corpus, en_ru_model: Path, tmp_path: Path) -> None:
    cfg = _cfg(en_ru_model)
    first = run_corpus(cfg, corpus[0], tmp_path, engine="local")
    before = shard_records(tmp_path)
    markers = sorted((tmp_path / "shards").glob("*.done.json"))
    markers[1].unlink()  # as if the job had been killed before that shard was committed
    (tmp_path / "shards" / markers[2].name.replace(".done.json", ".en-ru.tmx")).unlink()  # a lost file
    again = run_corpus(cfg, corpus[0], tmp_path, engine="local")
    assert again.skipped == first.shards - 2 and again.sentences_now < first.sentences_now
    assert shard_records(tmp_path) == before and again.records == first.records
    changed = run_corpus(_cfg(en_ru_model, "ru", "translate.num_beams=1"), corpus[0], tmp_path, engine="local")
    assert changed.skipped == 0  # a setting that changes the output redoes every shard


def test_a_shard_that_fails_is_rejected_and_retried_by_the_next_run(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    rows = [{"id": f"r{i}", "text": f"Sentence number {i}."} for i in range(6)]
    rows[4]["text"] = "This one is POISON."
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = load_config(lang="uk", overrides=[*FAST, "corpus.shard_records=3", "corpus.qa=false"])
    report = run_corpus(cfg, data, tmp_path / "out", engine="local", translator_factory=FailOn("POISON"))
    got = rejects(tmp_path / "out")
    # the record at fault is found (record by record after the shard failed); the others are written
    assert report.written == 5 and [r["id"] for r in got] == ["r4"] and "cannot translate" in got[0]["reason"]
    report = run_corpus(cfg, data, tmp_path / "out2", engine="local", translator_factory=FailOn("."))
    assert report.failed == 2 and report.rejected == 6 and report.written == 0
    assert all("failed" in r["reason"] and r["records"] == 3 for r in rejects(tmp_path / "out2"))
    report = run_corpus(cfg, data, tmp_path / "out2", engine="local", translator_factory=FailOn("nothing"))
    assert report.skipped == 0 and report.written == 6 and rejects(tmp_path / "out2") == []


def test_text_file_ids_are_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("First line here.\n\nThird line here.\n", encoding="utf-8")
    cfg = load_config(lang="ru", overrides=[*FAST, "corpus.qa=false"])
    report = run_corpus(cfg, tmp_path / "a.txt", tmp_path / "out", translator_factory=FailOn("nothing"))
    assert report.written == 2 and report.rejected == 0
    assert [r["doc"] for r in shard_records(tmp_path / "out")] == ["a.txt:1", "a.txt:3"]
    assert shard_records(tmp_path / "out")[0]["tgt"] == "FIRST LINE HERE."


@pytest.mark.parametrize(
    ("setup", "error", "message"),
    [
        ("missing", InputError, "input not found"),
        ("empty-folder", InputError, "no .jsonl"),
        ("csv", InputError, "cannot tell the format"),
    ],
)
def test_unusable_input_is_one_error(tmp_path: Path, setup: str, error: type, message: str) -> None:
    path = tmp_path / "x"
    if setup == "empty-folder":
        path.mkdir()
    elif setup == "csv":
        path = tmp_path / "x.csv"
        path.write_text("id,text\n", encoding="utf-8")
    cfg = load_config(lang="uk", overrides=FAST)
    with pytest.raises(error, match=message):
        run_corpus(cfg, path, tmp_path / "out", translator_factory=FailOn("x"))


def test_corpus_config_is_validated() -> None:
    with pytest.raises(ConfigError, match="corpus.ray.num_gpus"):
        load_config(lang="ko", overrides=["corpus.ray.num_gpus=-1"])
    with pytest.raises(ConfigError, match="unknown key corpus.shard_size"):
        load_config(lang="ko", overrides=["corpus.shard_size=5"])


def test_command_line(corpus, en_ko_broken_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["translate-corpus", "--lang", "ko", "--input", str(corpus[0] / "docs.jsonl"), "--out", str(tmp_path)]
    sets = [x for s in FAST for x in ("--set", s)]
    assert main([*args, "--model", str(en_ko_broken_model), *sets]) == 0
    assert shard_records(tmp_path)[0]["tgt_lang"] == "ko"
    assert main([*args, "--model", str(tmp_path / "nope"), *sets]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("pipeline: error: model folder not found") and "Traceback" not in "\n".join(err)


def test_ray_engine_without_the_extra_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # as if `pip install .[ray]` had not been run
    (tmp_path / "a.txt").write_text("One line.\n", encoding="utf-8")
    args = ["translate-corpus", "--lang", "uk", "--input", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o")]
    assert main([*args, "--engine", "ray", "--model", str(ROOT / "tests" / "fixtures" / "opus-mt-en-uk")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "pip install '.[ray]'" in err


def test_bench_corpus_quick_local(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["bench-corpus", "--quick", "--engines", "local", "--sentences", "12", "--out-tokens", "3"]
    assert main(["-q", *args, "--shard-records", "5"]) == 0
    out = capsys.readouterr().out
    assert "random-weight" in out and out.strip().splitlines()[-1].startswith("local_sentences_per_s=")


def test_an_unreachable_ray_address_is_one_error() -> None:
    from pipeline.corpus.ray_engine import probe
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError, match="no Ray cluster answers at 127.0.0.1:1"):
        probe("127.0.0.1:1")
    with pytest.raises(ConfigError, match="is not host:port"):
        probe("ray://nowhere")


def test_records_whose_translation_failed(tmp_path: Path) -> None:
    from corpus_helpers import ErrorOn

    data = tmp_path / "in.jsonl"
    rows = [
        {"id": "ok", "text": "A fine sentence."},
        {"id": "half", "text": "A fine sentence. A BAD one."},
        {"id": "all", "text": "Only a BAD sentence."},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = load_config(lang="uk", overrides=[*FAST, "corpus.qa=false"])
    report = run_corpus(cfg, data, tmp_path / "out", translator_factory=ErrorOn("BAD"))
    assert (report.written, report.rejected) == (2, 1)
    assert [(r["id"], r["stage"], r["reason"]) for r in rejects(tmp_path / "out")] == [
        ("all", "translate", "translation failed: boom")
    ]
    half = [r for r in shard_records(tmp_path / "out") if r["doc"] == "half"]
    assert [r["flags"] for r in half] == [[], ["translation_failed"]]  # as the single-article path writes it


def test_a_broken_backend_stops_the_job_in_one_line(tmp_path: Path) -> None:
    from corpus_helpers import Broken

    from pipeline.errors import TranslationError

    (tmp_path / "a.txt").write_text("One line.\nTwo lines.\n", encoding="utf-8")
    cfg = load_config(lang="uk", overrides=[*FAST, "corpus.qa=false"])
    with pytest.raises(TranslationError, match=r"part-00000-00000: the stand-in backend cannot run") as err:
        run_corpus(cfg, tmp_path / "a.txt", tmp_path / "out", translator_factory=Broken("x"))
    assert "\n" not in str(err.value) and "rerun to resume" in str(err.value)


def test_an_unwritable_output_is_an_error_before_any_work(tmp_path: Path) -> None:
    from pipeline.errors import OutputError

    (tmp_path / "a.txt").write_text("One line.\n", encoding="utf-8")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    cfg = load_config(lang="uk", overrides=FAST)
    with pytest.raises(OutputError, match="is a file, not a folder"):
        run_corpus(cfg, tmp_path / "a.txt", tmp_path / "file", translator_factory=FailOn("x"))


def _jsonl(path: Path, ids: list[str]) -> None:
    path.write_text("".join(json.dumps({"id": i, "text": f"Record {i} here."}) + "\n" for i in ids), encoding="utf-8")


def _dup_cfg(*extra: str):
    return load_config(lang="uk", overrides=[*FAST, "corpus.qa=false", *extra])


def _written_ids(out: Path) -> list[str]:
    return sorted({r["doc"] for r in shard_records(out)})


def test_an_id_repeated_in_another_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    _jsonl(tmp_path / "in" / "a.jsonl", ["a1", "x", "a3"])
    _jsonl(tmp_path / "in" / "b.jsonl", ["b1", "b2", "x", "b4"])
    report = run_corpus(_dup_cfg(), tmp_path / "in", tmp_path / "out", translator_factory=FailOn("nothing"))
    got = rejects(tmp_path / "out")
    assert [(r["where"], r["id"], r["stage"], r["reason"]) for r in got] == [
        ("b.jsonl:3", "x", "read", "duplicate id 'x' (first used at a.jsonl:2)")
    ]
    assert (report.records, report.written, report.rejected) == (7, 6, 1)
    assert _written_ids(tmp_path / "out") == ["a1", "a3", "b1", "b2", "b4", "x"]
    totals = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["totals"]
    assert totals["written"] + totals["rejected"] == totals["records"] == 7


def test_an_id_repeated_in_a_later_shard_of_one_file_is_rejected(tmp_path: Path) -> None:
    ids = [f"r{i}" for i in range(10)]
    ids[7] = ids[8] = "r1"  # shard 3 (lines 7-9) repeats an id of shard 1 (lines 1-3), twice
    ids[4] = "r2"  # and shard 2 too
    _jsonl(tmp_path / "in.jsonl", ids)
    cfg = _dup_cfg("corpus.shard_records=3")
    report = run_corpus(cfg, tmp_path / "in.jsonl", tmp_path / "out", translator_factory=FailOn("nothing"))
    assert [(r["where"], r["reason"]) for r in rejects(tmp_path / "out")] == [
        ("in.jsonl:5", "duplicate id 'r2' (first used at in.jsonl:3)"),
        ("in.jsonl:8", "duplicate id 'r1' (first used at in.jsonl:2)"),
        ("in.jsonl:9", "duplicate id 'r1' (first used at in.jsonl:2)"),
    ]
    assert report.shards == 4 and (report.records, report.written, report.rejected) == (10, 7, 3)
    assert _written_ids(tmp_path / "out") == ["r0", "r1", "r2", "r3", "r5", "r6", "r9"]


def test_ids_repeated_between_parquet_and_jsonl_are_rejected(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "in"
    folder.mkdir()
    _jsonl(folder / "a.jsonl", ["p1", "j2", "j3"])  # p1 here first: the Parquet row is the duplicate
    ids = ["p0", "p1", "p2", "j3", "p4"]
    table = pa.table({"id": ids, "text": [None if i == "p0" else f"Row {i} here." for i in ids]})
    pq.write_table(table, folder / "b.parquet", row_group_size=2)
    _jsonl(folder / "c.jsonl", ["p0", "p2", "c3"])  # p0: its Parquet row has no text, so this one is kept
    report = run_corpus(
        _dup_cfg("corpus.shard_records=2"), folder, tmp_path / "out", translator_factory=FailOn("nothing")
    )
    assert [(r["where"], r["reason"]) for r in rejects(tmp_path / "out") if "duplicate" in r["reason"]] == [
        ("b.parquet#1", "duplicate id 'p1' (first used at a.jsonl:1)"),
        ("b.parquet#3", "duplicate id 'j3' (first used at a.jsonl:3)"),
        ("c.jsonl:2", "duplicate id 'p2' (first used at b.parquet#2)"),
    ]
    assert (report.records, report.written, report.rejected) == (11, 7, 4)
    assert _written_ids(tmp_path / "out") == ["c3", "j2", "j3", "p0", "p1", "p2", "p4"]


def test_resume_redoes_a_shard_whose_duplicates_changed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _jsonl(folder / "b.jsonl", ["b1", "x", "b3"])
    _jsonl(folder / "c.jsonl", ["c1", "c2"])
    cfg, out, tr = _dup_cfg(), tmp_path / "out", FailOn("nothing")
    assert run_corpus(cfg, folder, out, translator_factory=tr).written == 5
    # a new file that sorts first repeats an id of b.jsonl: b's record is now the duplicate
    _jsonl(folder / "a.jsonl", ["a1", "x"])
    again = run_corpus(cfg, folder, out, translator_factory=tr)
    assert (again.records, again.written, again.rejected) == (7, 6, 1)
    assert [(r["where"], r["reason"]) for r in rejects(out)] == [
        ("b.jsonl:2", "duplicate id 'x' (first used at a.jsonl:2)")
    ]
    assert [r["doc"] for r in shard_records(out)].count("x") == 1
    # b.jsonl now has an id of c.jsonl: c's shard has the same slice, size and mtime as before, only its
    # duplicates differ, and it must be redone all the same
    _jsonl(folder / "b.jsonl", ["b1", "x", "c2"])
    third = run_corpus(cfg, folder, out, translator_factory=tr)
    assert third.skipped == 1  # a.jsonl's shard only: b's file and c's duplicates changed
    assert [(r["where"], r["reason"]) for r in rejects(out)] == [
        ("b.jsonl:2", "duplicate id 'x' (first used at a.jsonl:2)"),
        ("c.jsonl:2", "duplicate id 'c2' (first used at b.jsonl:3)"),
    ]
    assert _written_ids(out) == ["a1", "b1", "c1", "c2", "x"] and len(shard_records(out)) == 5
    assert (third.records, third.written, third.rejected) == (7, 5, 2)


GLOSSARY_DOCS = {
    "a": "Zelenskyy said the soldiers fought near Kursk. Kim Jong Un sent them to Russia.",
    "b": "South Korea's spy agency spoke about North Korea.",
    "c": "Nothing from the glossary here.",
}


def test_a_glossary_kept_in_a_corpus_as_in_a_single_file(en_ru_model: Path, tmp_path: Path) -> None:
    """--glossary and glossary.enforce through translate-corpus: the same targets and flags as translate gives each
    record, the counts in the manifest, one XLIFF <file> per record with the checks' details."""
    from pipeline.run import translate_file
    from pipeline.write.jsonl import read_jsonl
    from pipeline.write.xliff import NS

    glossary = ROOT / "tests" / "data" / "glossary" / "seed.yaml"
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in GLOSSARY_DOCS.items()), "utf-8")
    out = tmp_path / "out"
    sets = [x for s in FAST for x in ("--set", s)] + ["--set", "glossary.enforce=true"]
    args = ["-q", "translate-corpus", "--lang", "ru", "--input", str(docs), "--out", str(out)]
    args += ["--model", str(en_ru_model), "--glossary", str(glossary), "--set", "corpus.formats=[jsonl,xliff]"]
    assert main([*args, *sets]) == 0
    recs = shard_records(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kept = manifest["totals"]["glossary"]
    assert kept["terms_protected"] == 6  # Zelenskyy, Kursk, Kim Jong Un, Russia, South Korea, North Korea
    assert all("|terms:" in s for s in manifest["signatures"])
    # each record as translate would write it on its own
    cfg = _cfg(en_ru_model, "ru", f"glossary.files=[{glossary}]", "glossary.enforce=true")
    for rid, text in GLOSSARY_DOCS.items():
        (tmp_path / f"{rid}.txt").write_text(text + "\n", encoding="utf-8")
        translate_file(cfg, tmp_path / f"{rid}.txt", tmp_path / "single")
        single = read_jsonl(tmp_path / "single" / f"{rid}.en-ru.jsonl")
        ours = [r for r in recs if r["doc"] == rid]
        assert [(r["src"], r["tgt"], tuple(r["flags"])) for r in ours] == [(p.src, p.tgt, p.flags) for p in single]
    [xlf] = (out / "shards").glob("*.xlf")
    root = etree.parse(str(xlf)).getroot()
    files = root.findall(f"{{{NS}}}file")
    assert [f.get("original") for f in files] == list(GLOSSARY_DOCS)
    for f in files:
        flagged = {str(r["id"]): r["flags"] for r in recs if r["doc"] == f.get("original")}
        for tu in f.iter(f"{{{NS}}}trans-unit"):
            notes = [n.text for n in tu.iter(f"{{{NS}}}note") if n.get("from") == "pipeline-qa"]
            assert [n.split(":")[0] for n in notes] == flagged[tu.get("id")]
            assert all(": " in n for n in notes)  # each flag with the check's detail


def test_the_glossary_decides_a_shard_by_its_content(tmp_path: Path) -> None:
    from pipeline.corpus.job import settings_key
    from pipeline.glossary import load_glossary
    from pipeline.settings import output_settings

    cfg = load_config(lang="ru")
    legacy = output_settings(cfg)  # a job without a glossary: the keys its shards had before glossaries existed
    legacy.pop("glossary")
    legacy["qa"].pop("term_missing")
    legacy["qa"].pop("tag_mismatch")  # records have no markup: neither this check nor read: decides a shard
    legacy.pop("read")
    assert settings_key(cfg) == json.dumps(legacy, sort_keys=True, ensure_ascii=False)
    g = load_glossary(ROOT / "tests" / "data" / "glossary" / "seed.yaml").for_lang("ru")
    other = tmp_path / "g.yaml"
    other.write_text("Kursk: Курск\n", encoding="utf-8")
    keyed = load_config(lang="ru", overrides=[f"glossary.files=[{tmp_path / 'x.yaml'}]"])
    assert settings_key(keyed, g) != settings_key(cfg)
    assert settings_key(keyed, g) == settings_key(cfg, g)  # the files' names do not count, their terms do
    assert settings_key(cfg, load_glossary(other).for_lang("ru")) != settings_key(cfg, g)
    enforced = load_config(lang="ru", overrides=["glossary.enforce=true"])
    assert settings_key(enforced, g) != settings_key(cfg, g)


def test_enforcing_terms_in_a_corpus_needs_its_checks(tmp_path: Path) -> None:
    cfg = load_config(lang="ru", overrides=["translate.model=x", "glossary.enforce=true", "corpus.qa=false"])
    with pytest.raises(ConfigError, match=r"glossary\.enforce needs the quality checks, but corpus\.qa is false"):
        run_corpus(cfg, tmp_path, tmp_path / "out", engine="local")


def test_sentences_without_a_counterpart_are_counted_in_the_manifest(tmp_path: Path) -> None:
    """unit: paragraph: a sentence the model left out and one it added are no_target / no_source pairs, counted in
    the manifest (and the left-out one is not empty_target too)."""
    from test_unaligned import ADDED, SRC, TGT

    rows = [
        {"id": "r0", "text": " ".join(SRC)},
        {"id": "r1", "text": "Nothing is left out here. Every sentence stays."},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = load_config(lang="uk", overrides=[*FAST, "translate.unit=paragraph", "corpus.qa=true"])
    stand_in = Rewrites({" ".join(SRC): " ".join(TGT)})  # SRC[5] left out, ADDED added
    assert run_corpus(cfg, tmp_path / "in.jsonl", tmp_path / "out", translator_factory=stand_in).written == 2
    pairs = [json.loads(line) for f in sorted((tmp_path / "out" / "shards").glob("*.jsonl")) for line in f.open()]
    one_sided = [(p["doc"], p["src"], p["tgt"], p["flags"]) for p in pairs if not (p["src"] and p["tgt"])]
    # the added German sentence is wrong_language too, rightly
    assert one_sided == [("r0", SRC[5], "", ["no_target"]), ("r0", "", ADDED, ["no_source", "wrong_language"])]
    flags = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["totals"]["flags"]
    assert flags["no_target"] == flags["no_source"] == 1 and "empty_target" not in flags
