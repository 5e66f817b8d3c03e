"""XLIFF 1.2 out (strict schema, translate-toolkit, OmegaT) and back in (post-edited file -> review decisions).

The XLIFF 1.2 strict schema and the W3C ``xml.xsd`` it imports are read from ``../shared/xliff/``
beside the repository (they are not copied into it); the schema tests skip where that folder is missing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from shared_files import shared_path

from pipeline.errors import InputError
from pipeline.records import AlignedPair, Signature, run_hash
from pipeline.review import apply_decisions
from pipeline.review.xliff import (
    is_xliff,
    load_xliff_decisions,
    read_xliff,
    unit_text,
    xliff_decisions_document,
)
from pipeline.write import tmx
from pipeline.write import xliff as xliff_writer
from pipeline.write.output import RenderContext
from pipeline.xmlsafe import parse_xml_bytes, parse_xml_file, safe_bytes

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED_XLIFF = ROOT.parent / "shared" / "xliff"
NS = {"x": xliff_writer.NS}
WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
SIG = Signature("0.1.0", "rules-en.v2", "Helsinki-NLP/opus-mt-en-ko", "abc123", "hf", "hybrid", "beam4")
EN = (DATA / "seed.en.txt").read_text(encoding="utf-8").splitlines()
TRICKY = (
    'Markup-like <b>text</b> & "quotes" stay text: 5 < 6 > 4, {1}, %s, ]]> and \\u0041.'
    "\r\nSecond line\ttab  two spaces",
    '마크업 <b>텍스트</b> & "인용" ]]> 😀 שלום',
)


def gold_pairs(lang: str) -> list[AlignedPair]:
    """The reference translation of the seed paired by the gold alignment, plus one pair of awkward text."""
    tgt = (DATA / f"seed.{lang}.txt").read_text(encoding="utf-8").splitlines()
    pairs = []
    for n, line in enumerate((DATA / f"seed.en-{lang}.gold").read_text(encoding="utf-8").splitlines()):
        a, b = line.split(":")
        si, ti = json.loads(a), json.loads(b)
        src, tgt_text = " ".join(EN[i] for i in si), " ".join(tgt[j] for j in ti)
        pairs.append(AlignedPair(n, "en", lang, src, tgt_text, tuple(si), tuple(ti), 0.9 - n / 100))
    pairs.append(AlignedPair(len(pairs), "en", lang, *TRICKY, (len(EN),), (len(tgt),), 0.5))
    return pairs


def render(pairs: list[AlignedPair], lang: str = "ko", **kw: Any) -> str:
    return xliff_writer.render(pairs, signature=SIG, src_lang="en", tgt_lang=lang, creation_date=WHEN, **kw)


def units(doc: str) -> list[etree._Element]:
    return etree.fromstring(doc.encode("utf-8")).findall(".//x:trans-unit", NS)


def load_schema() -> etree.XMLSchema | None:
    """The XLIFF 1.2 strict schema from ../shared/xliff (its xml.xsd import resolved locally), or None."""
    xsd = SHARED_XLIFF / "xliff-core-1.2-strict.xsd"
    if not xsd.is_file() or not (SHARED_XLIFF / "xml.xsd").is_file():
        return None

    class Local(etree.Resolver):
        def resolve(self, url: str | None, pubid: str | None, context: object) -> object:
            if url and url.endswith("xml.xsd"):
                return self.resolve_filename(str(SHARED_XLIFF / "xml.xsd"), context)
            return None  # the schema file itself

    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local())
    return etree.XMLSchema(etree.parse(str(xsd), parser))


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    for name in ("xliff-core-1.2-strict.xsd", "xml.xsd"):
        shared_path("xliff", name)  # else the test skips: ../shared missing
    loaded = load_schema()
    assert loaded is not None
    return loaded


def assert_valid(schema: etree.XMLSchema, doc: str | bytes) -> None:
    data = doc.encode("utf-8") if isinstance(doc, str) else doc
    tree = etree.fromstring(data).getroottree()
    assert schema.validate(tree), "\n".join(str(e) for e in schema.error_log)


# --------------------------------------------------------------------------- writer


@pytest.mark.parametrize("lang", ["ko", "uk", "ru"])
def test_the_xliff_is_strict_valid_and_translate_toolkit_reads_every_text_intact(
    schema: etree.XMLSchema, lang: str
) -> None:
    from translate.storage.xliff import xlifffile

    pairs = gold_pairs(lang)
    assert len({p.tgt for p in pairs}) == len(pairs)  # distinct targets: a shifted unit would show
    doc = render(pairs, lang, original="seed.txt")
    assert_valid(schema, doc)
    store = xlifffile.parsestring(doc.encode("utf-8"))
    got = store.getunits()
    assert [u.xmlelement.get("id") for u in got] == [str(p.id) for p in pairs]
    assert [u.source for u in got] == [p.src for p in pairs]
    assert [u.target for u in got] == [p.tgt for p in pairs]
    assert store.getsourcelanguage() == "en" and store.gettargetlanguage() == lang
    assert all(u.isfuzzy() and not u.istranslated() for u in got)  # needs-review-translation: a draft to check


def test_each_unit_carries_state_notes_and_the_mt_score_as_an_alt_trans(schema: etree.XMLSchema) -> None:
    pairs = gold_pairs("ko")[:5]
    pairs[1] = dataclasses.replace(pairs[1], mt_score=0.8149, flags=("low_mt_score", "term_missing"), paragraph=2)
    pairs[4] = dataclasses.replace(pairs[4], mt_score=0.3, flags=("repetition",))  # risk redo
    pairs[2] = dataclasses.replace(pairs[2], flags=("reviewed:edited",))
    pairs[3] = dataclasses.replace(pairs[3], mt_score=0.421, flags=("reviewed:accepted", "length_ratio"))
    details = {1: {"term_missing": "South Korea (expected 한국 or 남한)"}, "3": {"length_ratio": "target/source 3.1"}}
    doc = render(pairs, qa_details=details)
    assert_valid(schema, doc)
    u = units(doc)
    targets = [tu.find("x:target", NS) for tu in u]
    assert [(t.get("state"), t.get("state-qualifier")) for t in targets] == [
        ("needs-review-translation", None),
        ("needs-review-translation", "leveraged-mt"),
        ("translated", None),
        ("translated", "leveraged-mt"),
        ("needs-review-translation", "rejected-inaccurate"),
    ]
    qa = [[n.text for n in tu.findall("x:note[@from='pipeline-qa']", NS)] for tu in u]
    assert qa == [
        [],
        ["low_mt_score", "term_missing: South Korea (expected 한국 or 남한)"],
        [],
        ["length_ratio: target/source 3.1"],
        ["repetition"],
    ]
    scores = [tu.find("x:note[@from='pipeline-scores']", NS).text for tu in u]
    assert scores[0] == "alignment score 0.9000; source sentence(s) 0; target sentence(s) 0; risk ok"
    assert scores[1] == (
        "alignment score 0.8900; model confidence 0.8149; source sentence(s) 1; target sentence(s) 1; paragraph 2; "
        "risk check"
    )
    assert [s.rsplit("; ", 1)[1] for s in scores] == ["risk ok", "risk check", "risk ok", "risk ok", "risk redo"]
    alts = [tu.find("x:alt-trans", NS) for tu in u]
    assert [a.get("match-quality") for a in alts] == [None, "81", None, "42", "30"]
    assert {a.get("origin") for a in alts} == {"Helsinki-NLP/opus-mt-en-ko"}
    assert [a.find("x:target", NS).text for a in alts] == [p.tgt for p in pairs]


def test_the_header_names_the_run(schema: etree.XMLSchema) -> None:
    pairs = gold_pairs("uk")
    doc = render(pairs, "uk", jsonl="seed.en-uk.jsonl", original="000_d3c0a91caa4d5cc3.txt")
    root = etree.fromstring(doc.encode("utf-8"))
    f = root.find("x:file", NS)
    assert f.get("original") == "000_d3c0a91caa4d5cc3.txt" and f.get("date") == "2026-01-01T00:00:00Z"
    notes = {n.get("from"): n.text for n in f.findall("x:header/x:note", NS)}
    assert notes == {
        "pipeline-run": run_hash(pairs, SIG.as_string()),
        "pipeline-signature": SIG.as_string(),
        "pipeline-jsonl": "seed.en-uk.jsonl",
    }
    tool = f.find("x:header/x:tool", NS)
    assert (tool.get("tool-id"), tool.get("tool-version")) == ("pipeline", "0.1.0")


def test_corpus_pairs_make_one_file_per_document(schema: etree.XMLSchema) -> None:
    from translate.storage.xliff import xlifffile

    base = gold_pairs("ko")
    docs = [("rec-b", 0), ("rec-b", 1), ("rec-a", 0), ("rec-b", 2), ("rec-a", 1)]
    pairs = [dataclasses.replace(base[k], id=i, doc=d) for k, (d, i) in enumerate(docs)]
    doc = render(pairs)
    assert_valid(schema, doc)  # unit ids repeat across files, never within one
    root = etree.fromstring(doc.encode("utf-8"))
    files = root.findall("x:file", NS)
    assert [f.get("original") for f in files] == ["rec-b", "rec-a"]
    assert [[tu.get("id") for tu in f.iter(f"{{{xliff_writer.NS}}}trans-unit")] for f in files] == [
        ["0", "1", "2"],
        ["0", "1"],
    ]
    by_file = [[unit_text(tu.find("x:source", NS)) for tu in f.iter(f"{{{xliff_writer.NS}}}trans-unit")] for f in files]
    assert by_file == [[base[0].src, base[1].src, base[3].src], [base[2].src, base[4].src]]
    assert len(xlifffile.parsestring(doc.encode("utf-8")).getunits()) == 5


def test_characters_xml_cannot_carry_become_placeholders_and_come_back(
    schema: etree.XMLSchema, caplog: pytest.LogCaptureFixture
) -> None:
    pairs = [
        AlignedPair(0, "en", "ko", "Bell\x07 and nul\x00.", "벨\x07 널\x00 \ufffe끝", (0,), (0,), 1.0),
        AlignedPair(1, "en", "ko", "plain", "평문", (1,), (1,), 1.0, flags=("odd\x01flag",)),
    ]
    with caplog.at_level(logging.WARNING, logger="pipeline.write.xliff"):
        doc = render(pairs, original="name\x02.txt")
    assert_valid(schema, doc)
    u = units(doc)
    assert [unit_text(u[0].find(tag, NS)) for tag in ("x:source", "x:target")] == [pairs[0].src, pairs[0].tgt]
    phs = u[0].findall(".//x:ph", NS)
    assert [(p.get("id"), p.text) for p in phs[:2]] == [("s1", "U+0007"), ("s2", "U+0000")]
    assert {p.get("ctype") for p in phs} == {"x-char"}
    root = etree.fromstring(doc.encode("utf-8"))
    assert root.find("x:file", NS).get("original") == "name\ufffd.txt"
    assert u[1].find("x:note[@from='pipeline-qa']", NS).text == "odd\ufffdflag"
    assert "trans-unit 0: wrote 8 character(s)" in caplog.text  # 2 in the source, 3 in the target and the alt-trans
    assert "trans-unit 1: replaced 1 character(s)" in caplog.text


def test_the_output_is_deterministic_and_dated_by_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = gold_pairs("ru")
    assert render(pairs, "ru") == render(pairs, "ru")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    undated = xliff_writer.render(pairs, signature=SIG, src_lang="en", tgt_lang="ru")
    assert undated == render(pairs, "ru")
    assert undated.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<xliff') and undated.endswith("</xliff>\n")


def test_no_pairs_is_still_a_valid_document(schema: etree.XMLSchema) -> None:
    assert_valid(schema, render([]))


def test_the_format_hooks_name_the_file_and_the_runs_jsonl(schema: etree.XMLSchema) -> None:
    ctx = RenderContext(SIG, "en", "ko", WHEN)
    pairs = gold_pairs("ko")
    [out] = xliff_writer.files(pairs, "000_d3c0a91caa4d5cc3.en-ko", ctx)
    assert out.name == "000_d3c0a91caa4d5cc3.en-ko.xlf"
    assert out.data is not None
    assert_valid(schema, out.data)
    assert xliff_writer.text(pairs, ctx) == render(pairs)
    f = etree.fromstring(out.data).find("x:file", NS)
    assert f.get("original") == "000_d3c0a91caa4d5cc3.en-ko"
    assert f.find("x:header/x:note[@from='pipeline-jsonl']", NS).text == "000_d3c0a91caa4d5cc3.en-ko.jsonl"


# --------------------------------------------------------------------------- back in


def edit_unit(doc: str, uid: int, **change: Any) -> str:
    """``doc`` with trans-unit ``uid`` changed: ``target`` text, ``state``, ``approved`` (None removes the target
    element or the state attribute)."""
    root = etree.fromstring(doc.encode("utf-8"))
    tu = root.find(f".//x:trans-unit[@id='{uid}']", NS)
    t = tu.find("x:target", NS)
    if change.get("approved"):
        tu.set("approved", "yes")
    if "target" in change and change["target"] is None:
        tu.remove(t)
        return etree.tostring(root, encoding="unicode")
    if "target" in change:
        t.text = change["target"]
    if "state" in change and change["state"] is None:
        del t.attrib["state"]
    elif "state" in change:
        t.set("state", change["state"])
    return etree.tostring(root, encoding="unicode")


# (unit, change, expected decision): one case per row of the state table in pipeline.review.xliff
STATE_CASES: list[tuple[int, dict[str, Any], dict[str, Any] | None]] = [
    (0, {"state": "needs-translation"}, {"op": "reject", "id": 0}),
    (1, {"target": "  "}, {"op": "reject", "id": 1}),
    (2, {"state": "translated"}, {"op": "accept", "id": 2}),
    (3, {"state": "final"}, {"op": "accept", "id": 3}),
    (4, {"approved": True}, {"op": "accept", "id": 4}),
    (5, {"state": "translated", "target": "편집된 5번 문장."}, {"op": "edit", "id": 5, "tgt": "편집된 5번 문장."}),
    (6, {"target": "편집된  6번\n문장."}, {"op": "edit", "id": 6, "tgt": "편집된  6번\n문장."}),
    (7, {}, None),  # needs-review-translation as written, unchanged: no decision
    (8, {"target": None}, None),  # no <target>: no decision
    (9, {"state": "signed-off", "target": "편집된 9번."}, {"op": "edit", "id": 9, "tgt": "편집된 9번."}),
    (10, {"state": "new"}, None),
    (11, {"state": None, "target": "편집된 11번."}, {"op": "edit", "id": 11, "tgt": "편집된 11번."}),
    (12, {"state": "needs-translation", "target": "무시됨"}, {"op": "reject", "id": 12}),
    (13, {"state": "translated", "target": None}, None),
]


def post_edit(doc: str) -> str:
    for uid, change, _ in STATE_CASES:
        doc = edit_unit(doc, uid, **change)
    return doc


def test_the_state_table_turns_a_post_edited_xliff_into_decisions(tmp_path: Path) -> None:
    pairs = gold_pairs("ko")
    path = tmp_path / "seed.en-ko.xlf"
    path.write_text(post_edit(render(pairs, jsonl="seed.en-ko.jsonl")), encoding="utf-8")
    document = xliff_decisions_document(read_xliff(path))
    assert document["decisions"] == [d for _, _, d in STATE_CASES if d is not None]
    assert document["run"]["hash"] == run_hash(pairs, SIG.as_string())
    assert document["run"]["jsonl"] == "seed.en-ko.jsonl"
    # the same with the run's pairs as the baseline
    assert xliff_decisions_document(read_xliff(path), pairs, signature=SIG.as_string()) == document


def test_apply_review_applies_a_post_edited_xliff_like_a_decisions_file(tmp_path: Path) -> None:
    pairs = gold_pairs("ko")
    path = tmp_path / "seed.en-ko.xlf"
    path.write_text(post_edit(render(pairs)), encoding="utf-8")
    decisions = load_xliff_decisions(path)  # the one call apply-review makes for an .xlf
    assert decisions.source == str(path) and decisions.run["jsonl"] == "document.jsonl"
    fixed, counts = apply_decisions(pairs, decisions, signature=SIG.as_string())
    assert counts == {"reject": 3, "accept": 3, "merge": 0, "split": 0, "edit": 4}
    kept = [p for p in pairs if p.id not in (0, 1, 12)]
    assert [p.src for p in fixed] == [p.src for p in kept]
    by_src = {p.src: p for p in fixed}
    assert by_src[pairs[5].src].tgt == "편집된 5번 문장." and by_src[pairs[5].src].flags == ("reviewed:edited",)
    assert by_src[pairs[6].src].tgt == "편집된 6번 문장."  # whitespace normalised, as the review page's edits
    assert by_src[pairs[2].src].flags == ("reviewed:accepted",) and by_src[pairs[2].src].tgt == pairs[2].tgt
    assert by_src[pairs[7].src] == dataclasses.replace(pairs[7], id=by_src[pairs[7].src].id)


def test_an_xliff_of_another_run_is_refused(tmp_path: Path) -> None:
    pairs = gold_pairs("ko")
    other = [dataclasses.replace(p, tgt=p.tgt + " ") for p in pairs]  # another run: other targets
    path = tmp_path / "seed.xlf"
    path.write_text(post_edit(render(other)), encoding="utf-8")
    decisions = load_xliff_decisions(path)
    with pytest.raises(InputError, match="was made for run .*, but the JSONL given is run") as err:
        apply_decisions(pairs, decisions, signature=SIG.as_string())
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match=r"seed.xlf was made for run .*; pass the JSONL file") as err:
        load_xliff_decisions(path, pairs=pairs, signature=SIG.as_string())
    assert "\n" not in str(err.value)
    # same pairs, another signature (another model): refused too
    with pytest.raises(InputError, match="was made for run"):
        load_xliff_decisions(path, pairs=other, signature=dataclasses.replace(SIG, model="x").as_string())


def test_with_the_runs_pairs_units_are_checked_against_them(tmp_path: Path) -> None:
    pairs = gold_pairs("uk")
    doc = render(pairs, "uk")
    path = tmp_path / "a.xlf"
    # no alt-trans (a tool dropped it): the pairs are the baseline
    path.write_text(re.sub(r"\s*<alt-trans.*?</alt-trans>", "", edit_unit(doc, 3, target="Змінено."), flags=re.S))
    with pytest.raises(InputError, match=r"trans-unit '0' \(line \d+\): the pipeline's target .* is gone"):
        load_xliff_decisions(path)
    got = load_xliff_decisions(path, pairs=pairs, signature=SIG.as_string())
    assert [(d.op, d.ids, d.tgt) for d in got.decisions] == [("edit", (3,), "Змінено.")]
    # a source changed, or a unit the run does not have: refused (the hash check alone would pass)
    changed = doc.replace(f"<source>{EN[9]}</source>", "<source>Something else.</source>")
    path.write_text(changed, encoding="utf-8")
    with pytest.raises(InputError, match="trans-unit '9' .*its source is not pair 9's source"):
        load_xliff_decisions(path, pairs=pairs, signature=SIG.as_string())
    path.write_text(doc, encoding="utf-8")
    last = pairs[-1].id
    with pytest.raises(InputError, match=f"trans-unit '{last}' .*the run has no pair {last}"):
        load_xliff_decisions(path, pairs=pairs[:-1])  # no signature: no run hash check


BAD_XLIFF = [
    ("<tmx version='1.4'/>", "is not an XLIFF file (its root element is <tmx>)"),
    ("<xliff version='2.0' xmlns='urn:oasis:names:tc:xliff:document:2.0'/>", "is XLIFF 2.0, not 1.2"),
    ("<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'/>", "has no <file> element"),
    (
        "<xliff version='1.2' xmlns='urn:oasis:names:tc:xliff:document:1.2'><file original='a' source-language='en' "
        "datatype='plaintext'><body/></file></xliff>",
        "names no pipeline run",
    ),
    ("<xliff version='1.2'><file", "is not well-formed XML (line 1"),
    ("", "is empty"),
]


@pytest.mark.parametrize(("text", "problem"), BAD_XLIFF)
def test_a_file_that_is_not_a_pipeline_xliff_is_one_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.xlf"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_xliff_decisions(path)
    assert problem in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_units_that_cannot_be_pairs_are_named(tmp_path: Path) -> None:
    pairs = gold_pairs("ko")
    path = tmp_path / "x.xlf"
    corpus = [dataclasses.replace(p, doc=f"rec-{p.id % 2}", id=p.id // 2) for p in pairs[:4]]
    path.write_text(render(corpus), encoding="utf-8")
    with pytest.raises(InputError, match="trans-unit '0' .*also in <file original='rec-0'>.*one document"):
        load_xliff_decisions(path)
    path.write_text(render(pairs[:2]).replace('trans-unit id="1"', 'trans-unit id="p1"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"trans-unit 'p1' \(line \d+\): the id is not a pair id"):
        load_xliff_decisions(path)
    bad_char = '<ph id="1" ctype="x-char">U+ZZ</ph></source>'
    path.write_text(render(pairs[:1]).replace("</source>", bad_char, 1), encoding="utf-8")
    with pytest.raises(InputError, match="malformed <ph"):
        load_xliff_decisions(path)


def test_unit_text_reads_through_markup_and_skips_native_codes() -> None:
    el = etree.fromstring(
        f'<target xmlns="{xliff_writer.NS}">a<g id="1">b<mrk mtype="x-y">c</mrk></g>'
        '<bpt id="2">&lt;b&gt;</bpt>d<ept id="2">&lt;/b&gt;</ept><x id="3"/>e<ph id="4" ctype="x-char">U+0007</ph>'
        "<!-- c -->f</target>"
    )
    assert unit_text(el) == "abcd" + "e\x07f"
    assert is_xliff("a/b.XLF") and is_xliff("c.xliff") and not is_xliff("d.json")


# --------------------------------------------------------------------------- through the command line

CLI_FAST = ["--set", "translate.num_beams=1", "--set", "check_links=false", "--no-cache"]
CLI_FAST += ["--set", "output.creation_date=2026-01-01T00:00:00Z", "--set", "output.formats=[jsonl,xliff]"]


def translate_run(model: Path, folder: Path, lines: list[str], *extra: str) -> Path:
    """``translate --lang uk`` of ``lines`` into ``folder``/o; the outputs' folder."""
    from pipeline.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "doc.txt"
    src.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    args = ["-q", "translate", "--lang", "uk", "--model", str(model), "--input", str(src), "--out", str(folder / "o")]
    assert main([*args, *CLI_FAST, *extra]) == 0
    return folder / "o"


def test_translate_writes_the_xliff_with_the_checks_details(
    schema: etree.XMLSchema, en_uk_model: Path, tmp_path: Path
) -> None:
    glossary = DATA / "glossary" / "seed.csv"
    out = translate_run(en_uk_model, tmp_path, EN[2:6], "--glossary", str(glossary))
    data = (out / "doc.en-uk.xlf").read_bytes()
    assert_valid(schema, data)
    report = json.loads((out / "doc.en-uk.report.json").read_text(encoding="utf-8"))
    assert str(out / "doc.en-uk.xlf") in report["outputs"]
    details = report["qa"]["details"]
    assert any("term_missing" in d for d in details.values())  # the copying model keeps the names in English
    root = etree.fromstring(data)
    assert root.find("x:file", NS).get("original") == "doc.en-uk"
    for tu in root.iterfind(".//x:trans-unit", NS):
        notes = [n.text for n in tu.iterfind("x:note[@from='pipeline-qa']", NS)]
        assert notes == [f"{flag}: {detail}" for flag, detail in details.get(tu.get("id"), {}).items()]


def test_apply_review_takes_a_post_edited_xliff_back_like_the_decisions_file(en_uk_model: Path, tmp_path: Path) -> None:
    from pipeline.cli import main
    from pipeline.review import DECISIONS_FORMAT
    from pipeline.write import read_jsonl

    out = translate_run(en_uk_model, tmp_path, EN[2:6])
    pairs = read_jsonl(out / "doc.en-uk.jsonl")
    doc = (out / "doc.en-uk.xlf").read_text(encoding="utf-8")
    doc = edit_unit(doc, 0, state="translated")
    doc = edit_unit(doc, 1, state="final", target="Виправлений переклад.")
    doc = edit_unit(doc, 2, state="needs-translation")
    edited = out / "doc.en-uk.edited.xlf"  # beside the run's JSONL: apply-review finds it from the file's header
    edited.write_text(doc, encoding="utf-8")
    assert main(["-q", "apply-review", str(edited), "--out", str(tmp_path / "from-xliff")]) == 0
    from_xliff = read_jsonl(tmp_path / "from-xliff" / "doc.en-uk.reviewed.jsonl")
    assert [p.flags for p in from_xliff][:2] == [("reviewed:accepted",), ("reviewed:edited",)]
    assert from_xliff[1].tgt == "Виправлений переклад." and len(from_xliff) == len(pairs) - 1
    assert [p.src for p in from_xliff] == [p.src for p in pairs if p.id != 2]
    assert (tmp_path / "from-xliff" / "doc.en-uk.reviewed.tmx").is_file()
    # the same review as the review page's decisions file gives the same pairs
    sig = json.loads((out / "doc.en-uk.jsonl").read_text(encoding="utf-8").splitlines()[0])["signature"]
    decisions = {
        "format": DECISIONS_FORMAT,
        "run": {"hash": run_hash(pairs, sig), "jsonl": "doc.en-uk.jsonl"},
        "decisions": [
            {"op": "accept", "id": 0},
            {"op": "edit", "id": 1, "tgt": "Виправлений переклад."},
            {"op": "reject", "id": 2},
        ],
    }
    path = out / "doc.en-uk.review-decisions.json"
    path.write_text(json.dumps(decisions, ensure_ascii=False), encoding="utf-8")
    assert main(["-q", "apply-review", str(path), "--out", str(tmp_path / "from-json")]) == 0
    from_json = read_jsonl(tmp_path / "from-json" / "doc.en-uk.reviewed.jsonl")
    assert from_json == from_xliff


def test_apply_review_refuses_the_xliff_of_another_run_and_writes_nothing(
    en_uk_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    first = translate_run(en_uk_model, tmp_path / "a", EN[2:4])
    second = translate_run(en_uk_model, tmp_path / "b", EN[4:6])
    edited = tmp_path / "a.xlf"
    edited.write_text(edit_unit((first / "doc.en-uk.xlf").read_text(encoding="utf-8"), 0, state="final"), "utf-8")
    rev = tmp_path / "rev"
    assert main(["apply-review", str(edited), "--jsonl", str(second / "doc.en-uk.jsonl"), "--out", str(rev)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"{edited} was made for run " in err and "but the JSONL given is run" in err
    assert not rev.exists()


# --------------------------------------------------------------------------- untrusted files


def test_untrusted_xliff_is_refused_without_reading_or_writing_anything(tmp_path: Path) -> None:
    from test_glossary import opens_fifo, tree_snapshot

    if not hasattr(os, "mkfifo"):
        pytest.skip("needs os.mkfifo (POSIX) to tell whether a parser opens a file")
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    good = render(gold_pairs("ko")[:2])
    body = good.split("\n", 1)[1]
    attacks = {
        "billion-laughs": '<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>\n"
        + body.replace("<source>", "<source>&j;", 1),
        "external-entity": f'<!DOCTYPE xliff [<!ENTITY x SYSTEM "{fifo.as_uri()}">]>\n'
        + body.replace("<source>", "<source>&x;", 1),
        "external-entity-utf16": (
            f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xliff [<!ENTITY x SYSTEM "{fifo.as_uri()}">]>\n'
            + body.replace("<source>", "<source>&x;", 1)
        ),
        "truncated": good[: len(good) // 2],
    }
    expected = {
        "billion-laughs": "declares XML entities",
        "external-entity": "declares XML entities",
        "external-entity-utf16": "declares XML entities",
        "truncated": "is not well-formed XML (line",
    }
    for name, text in attacks.items():
        path = tmp_path / f"{name}.xlf"
        path.write_bytes(text.encode("utf-16") if name.endswith("utf16") else text.encode("utf-8"))
        before = tree_snapshot(tmp_path)
        started = time.monotonic()
        opened, result = opens_fifo(lambda p=path: load_xliff_decisions(p), fifo)  # type: ignore[misc]
        assert not opened, f"{name}: the XLIFF reader opened a file the XLIFF names"
        assert isinstance(result, InputError), (name, result)
        message = str(result)
        assert expected[name] in message and str(path) in message and "\n" not in message, message
        assert "SECRET" not in message
        assert time.monotonic() - started < 2.0
        assert tree_snapshot(tmp_path) == before, name


def test_an_external_dtd_is_not_opened_and_a_big_file_is_refused(tmp_path: Path) -> None:
    from test_glossary import opens_fifo

    if not hasattr(os, "mkfifo"):
        pytest.skip("needs os.mkfifo (POSIX) to tell whether a parser opens a file")
    fifo = tmp_path / "dtd"
    os.mkfifo(fifo)
    path = tmp_path / "a.xlf"
    doc = render(gold_pairs("ko")[:2])
    path.write_text(doc.replace("\n<xliff", f'\n<!DOCTYPE xliff SYSTEM "{fifo}">\n<xliff', 1), encoding="utf-8")
    opened, result = opens_fifo(lambda: read_xliff(path), fifo)
    assert not opened and not isinstance(result, Exception), result
    with pytest.raises(InputError, match=r"is \d[\d,]* bytes, over the limit of 1,000"):
        read_xliff(path, max_bytes=1000)
    tree = parse_xml_file(path)
    assert b"DOCTYPE" not in safe_bytes(tree)
    assert parse_xml_bytes(safe_bytes(tree), source="x").getroot().tag == f"{{{xliff_writer.NS}}}xliff"


def test_missing_and_unreadable_files_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="XLIFF file not found: .*nope.xlf; check the path"):
        read_xliff(tmp_path / "nope.xlf")
    with pytest.raises(InputError, match="is not a regular file"):
        read_xliff(tmp_path)


# --------------------------------------------------------------------------- OmegaT

OMEGAT = shutil.which("omegat")
JAVA = shutil.which("java")


@pytest.mark.skipif(
    not OMEGAT or not JAVA,
    reason="OmegaT is not installed (apt-get install -y omegat); the CAT-tool XLIFF round trip needs it",
)
def test_omegat_reads_every_unit_and_writes_the_xliff_back_whole(tmp_path: Path) -> None:
    """OmegaT 3.6 (console-translate) takes our XLIFF as a source document and writes it back post-edited.

    OmegaT's built-in XLIFF filter segments the *target* of each unit (it expects XLIFF whose targets
    are to be worked on), so a post-editor in OmegaT edits the MT. The "post-edit" comes from a TMX in
    ``tm/auto`` (MT text -> edited text) for three units; the others stay as they were.
    """
    from test_omegat import PROJECT_FILE

    pairs = gold_pairs("ko")[:-1]  # the awkward pair's \r would not survive a plain-text TM round trip
    doc = render(pairs, original="seed.txt", jsonl="seed.en-ko.jsonl")
    edited = {
        1: "우크라이나에서 붙잡힌 북한 병사 두 명이 망명을 두고 서로 다른 뜻을 밝혔다.",
        4: "젤렌스키 대통령의 말.",
        17: "쿠르스크 편집본.",
    }
    tm_pairs = [
        AlignedPair(n, "en", "ko", pairs[uid].tgt, text, (uid,), (uid,), 1.0)
        for n, (uid, text) in enumerate(edited.items())
    ]
    project = tmp_path / "project"
    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / sub).mkdir(parents=True, exist_ok=True)
    (project / "omegat.project").write_text(PROJECT_FILE.format(src="EN", tgt="KO"), encoding="utf-8")
    (project / "source" / "seed.en-ko.xlf").write_text(doc, encoding="utf-8")
    (project / "tm" / "auto" / "post-edit.tmx").write_text(
        tmx.render(tm_pairs, signature=SIG, src_lang="en", tgt_lang="ko", creation_date=WHEN), encoding="utf-8"
    )
    env = {
        **os.environ,
        "JAVA_TOOL_OPTIONS": f"-Djava.awt.headless=true -Duser.home={tmp_path / 'home'}",
        "LC_ALL": "C.UTF-8",
    }
    assert OMEGAT is not None
    res = subprocess.run(
        [OMEGAT, str(project), "--mode=console-translate", f"--config-dir={tmp_path / 'cfg'}", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=tmp_path,
    )
    log = (res.stdout + res.stderr)[-3000:]
    assert res.returncode == 0, log
    stats = (project / "omegat" / "project_stats.txt").read_text(encoding="utf-8")
    total = re.search(r"^Total:\s+(\d+)", stats, re.M)
    assert total is not None and int(total.group(1)) == len(pairs), stats  # every trans-unit is a segment
    out = project / "target" / "seed.en-ko.xlf"
    assert out.is_file(), log
    schema = load_schema()
    if schema is not None:  # still valid after OmegaT wrote it
        assert_valid(schema, out.read_bytes())
    review = read_xliff(out)
    assert review.run["hash"] == run_hash(pairs, SIG.as_string()) and review.run["jsonl"] == "seed.en-ko.jsonl"
    assert [u.id for u in review.units] == [str(p.id) for p in pairs]
    assert [u.source for u in review.units] == [p.src for p in pairs]
    assert [u.target for u in review.units] == [edited.get(p.id, p.tgt) for p in pairs]
    assert [u.original for u in review.units] == [p.tgt for p in pairs]  # the alt-trans came back as written
    decisions = load_xliff_decisions(out, pairs=pairs, signature=SIG.as_string())
    assert [(d.op, d.ids, d.tgt) for d in decisions.decisions] == [("edit", (k,), v) for k, v in edited.items()]
    fixed, _ = apply_decisions(pairs, decisions, signature=SIG.as_string())
    assert [p.tgt for p in fixed] == [edited.get(p.id, p.tgt) for p in pairs]


def test_a_sentence_without_a_target_left_empty_is_no_decision_and_filled_in_is_an_edit(tmp_path: Path) -> None:
    """A no_target pair is written with an empty target: left empty it stays as it is (flagged), not rejected;
    a translation typed into it is an edit; with the run's pairs or from the <alt-trans> alone."""
    pairs = gold_pairs("ko")
    pairs[3] = dataclasses.replace(pairs[3], tgt="", tgt_idx=(), score=0.0, flags=("no_target",))
    pairs[4] = dataclasses.replace(pairs[4], tgt="", tgt_idx=(), score=0.0, flags=("no_target",))
    doc = edit_unit(render(pairs), 4, target="새로 번역한 문장.")
    doc = edit_unit(doc, 5, target=" ")  # a target the reviewer emptied: still a rejection
    path = tmp_path / "seed.en-ko.xlf"
    path.write_text(doc, encoding="utf-8")
    want = [{"op": "edit", "id": 4, "tgt": "새로 번역한 문장."}, {"op": "reject", "id": 5}]
    assert xliff_decisions_document(read_xliff(path))["decisions"] == want
    assert xliff_decisions_document(read_xliff(path), pairs, signature=SIG.as_string())["decisions"] == want
