"""``apply-review`` of a run that translated a document with markup writes the reviewed document again: each edit in
its own element with its codes, a rejected sentence as its source text, the page's structure unchanged; the source
must be the document the run translated."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import lxml.html
import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.read.codes import SegmentedBlocks
from pipeline.records import AlignedPair, InlineCode, Segmentation, Sentence
from pipeline.review.document import check_source, sentence_targets
from pipeline.write import xliff as xliff_writer

NS = {"x": xliff_writer.NS}
SETTINGS = ["--set", "translate.cache=false", "--set", "align.aligner=length"]
SETTINGS += ["--set", "qa.fail_wrong_language_ratio=null", "--set", "output.formats=[jsonl,tmx,xliff]"]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Talks resume</title></head>
<body>
<h1>Talks resume in Geneva.</h1>
<p>The talks began on <b>Monday</b> in Geneva. Both sides met for <a href="/t?a=1&amp;b=2">three hours</a>.</p>
<ul><li>The second round starts in May.</li><li>Observers expect a long process.</li></ul>
<script>var kept = "not translated";</script>
</body></html>
"""


def _translate(tmp_path: Path, model: Path) -> tuple[Path, Path, list[dict[str, Any]]]:
    src = tmp_path / "talks.html"
    src.write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    args = ["-q", "translate", "--lang", "uk", "--model", str(model), "--input", str(src), "--out", str(out)]
    assert main([*args, *SETTINGS]) == 0
    records = [json.loads(x) for x in (out / "talks.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    return src, out, records


def _post_edit(xlf: Path, edits: dict[int, tuple[str, str]]) -> None:
    """The XLIFF with unit ``uid``'s target replaced by ``(content, state)``."""
    root = etree.parse(str(xlf)).getroot()
    for uid, (content, state) in edits.items():
        tu = root.find(f".//x:trans-unit[@id='{uid}']", NS)
        old = tu.find("x:target", NS)
        new = etree.fromstring(f'<target xmlns="{xliff_writer.NS}">{content}</target>')
        new.attrib.update(old.attrib)
        new.set("state", state)
        tu.replace(old, new)
    xlf.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _shape(page: str) -> list[tuple[str, dict[str, str]]]:
    tree = lxml.html.fromstring(page)
    return [(el.tag, dict(el.attrib)) for el in tree.iter() if isinstance(el.tag, str)]


def test_apply_review_of_a_post_edited_xliff_writes_the_reviewed_page(tmp_path: Path, en_uk_model: Path) -> None:
    src, out, records = _translate(tmp_path, en_uk_model)
    by_src = {r["src"]: r for r in records}
    monday = by_src["The talks began on Monday in Geneva."]
    bold = next(c for c in monday["src_codes"] if c["kind"] == "bold")
    rejected = by_src["The second round starts in May."]
    kept = by_src["Observers expect a long process."]
    xlf = out / "talks.en-uk.xlf"
    _post_edit(
        xlf,
        {
            monday["id"]: (f'Переговори почалися в <g id="{bold["id"]}">понеділок</g> у Женеві.', "translated"),
            rejected["id"]: ("Другий раунд.", "needs-translation"),
        },
    )
    machine = (out / "talks.uk.html").read_text(encoding="utf-8")
    assert main(["-q", "apply-review", str(xlf)]) == 0
    reviewed = (out / "talks.uk.html").read_text(encoding="utf-8")
    assert reviewed != machine
    assert _shape(reviewed) == _shape(PAGE)  # every element and attribute, in order
    tree = lxml.html.fromstring(reviewed)
    p = tree.find(".//p")
    assert p.text.startswith("Переговори почалися в ")
    assert p.find("b").text == "понеділок"  # the bold encloses the word the reviewer put it around
    assert p.find("a").get("href") == "/t?a=1&b=2"
    items = [li.text_content() for li in tree.iter("li")]
    assert items[0] == "The second round starts in May."  # rejected: its source text, not lost
    assert items[1] == kept["tgt"]  # unchanged pair: the machine translation
    assert '<script>var kept = "not translated";</script>' in reviewed
    fixed = [json.loads(x) for x in (out / "talks.en-uk.reviewed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r["tgt"] == "Переговори почалися в понеділок у Женеві." for r in fixed)


def test_the_reviewed_document_needs_the_source_the_run_translated(tmp_path: Path, en_uk_model: Path) -> None:
    src, out, records = _translate(tmp_path, en_uk_model)
    xlf = out / "talks.en-uk.xlf"
    src.write_text(PAGE.replace("three hours", "four hours"), encoding="utf-8")
    with pytest.raises(InputError, match="not the one the run translated"):
        _apply(xlf)
    # --no-document: TMX/JSONL only; --source: the document as it was translated
    assert main(["-q", "apply-review", "--no-document", str(xlf), "--out", str(tmp_path / "only")]) == 0
    assert not list((tmp_path / "only").glob("*.html"))
    original = tmp_path / "as-translated.html"
    original.write_text(PAGE, encoding="utf-8")
    assert main(["-q", "apply-review", str(xlf), "--source", str(original), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "as-translated.uk.html").is_file()


def test_a_document_run_without_its_report_is_an_error_not_a_silent_skip(tmp_path: Path, en_uk_model: Path) -> None:
    src, out, records = _translate(tmp_path, en_uk_model)
    (out / "talks.en-uk.report.json").unlink()
    with pytest.raises(InputError, match="run report not found"):
        _apply(out / "talks.en-uk.xlf")


def _apply(xlf: Path) -> None:
    import argparse

    from pipeline.commands import apply_review

    p = argparse.ArgumentParser()
    apply_review.add_arguments(p)
    apply_review.run(p.parse_args([str(xlf)]))


# --------------------------------------------------------------------------- the per-sentence targets


def _blocks(*texts_and_codes: tuple[str, tuple[InlineCode, ...], int]) -> SegmentedBlocks:
    sents = tuple(Sentence(i, t, 0, len(t), para) for i, (t, _, para) in enumerate(texts_and_codes))
    return SegmentedBlocks(Segmentation(sents), tuple(c for _, c, _ in texts_and_codes))


def _pair(pid: int, src_idx: tuple[int, ...], tgt_idx: tuple[int, ...], src: str, tgt: str, **kw: Any) -> AlignedPair:
    return AlignedPair(pid, "en", "uk", src, tgt, src_idx, tgt_idx, 1.0, None, 0, (), **kw)


BOLD = InlineCode(1, "bold", 4, 7, "<b>", "</b>")


def test_each_sentence_gets_its_pair_s_target_and_the_rest_keep_their_source() -> None:
    blocks = _blocks(("One two.", (BOLD,), 0), ("Three.", (), 0), ("Four five.", (), 1), ("Six.", (), 1))
    pairs = [
        _pair(0, (0,), (0,), "One two.", "Один два.", tgt_codes=(BOLD.moved(5, 8),)),
        _pair(1, (1, 2), (1, 2), "Three. Four five.", "Три чотири п'ять."),  # a 2-2 pair: on sentence 1
        _pair(2, (), (3,), "", "Шість."),  # a 0-1 pair: its translation was made from sentence 3
    ]
    targets, kept = sentence_targets(pairs, blocks)
    assert targets == [("Один два.", (BOLD.moved(5, 8),)), ("Три чотири п'ять.", ()), ("", ()), ("Шість.", ())]
    assert kept == []
    targets, kept = sentence_targets(pairs[1:], blocks)  # pair 0 rejected: sentence 0 keeps its source
    assert targets[0] is None and kept == [0]


def test_split_parts_are_joined_and_a_lost_code_is_put_back_at_its_edge() -> None:
    blocks = _blocks(("One two three.", (BOLD, InlineCode(2, "br", 14, 14, "<br>", isolated=True)), 0))
    pairs = [
        _pair(0, (0,), (0,), "One two", "Один два"),  # an edit without codes, split into two parts
        _pair(1, (0,), (0,), "three.", "три."),
    ]
    (target,), kept = sentence_targets(pairs, blocks)
    assert target is not None
    text, codes = target
    assert text == "Один два три."
    assert [(c.id, c.start, c.end, c.by_rule) for c in codes] == [(1, 0, 0, True), (2, 13, 13, True)]


def test_a_changed_source_is_refused() -> None:
    blocks = _blocks(("One two.", (), 0), ("Three.", (), 0))
    check_source([_pair(0, (0, 1), (0,), "One two. Three.", "x")], blocks, "doc.html")
    with pytest.raises(InputError, match="not the one the run translated"):
        check_source([_pair(0, (1,), (0,), "Four.", "x")], blocks, "doc.html")
    with pytest.raises(InputError, match="has 2 sentences"):
        check_source([_pair(0, (2,), (0,), "Five.", "x")], blocks, "doc.html")


# --------------------------------------------------------------------------- OmegaT round trip with codes

OMEGAT = shutil.which("omegat")
JAVA = shutil.which("java")
TM = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="test" creationtoolversion="1" o-tmf="OmegaT TMX" adminlang="EN-US"
 datatype="plaintext" segtype="sentence" srclang="EN"/><body>{units}</body></tmx>
"""
TU = '<tu><tuv xml:lang="EN"><seg>{mt}</seg></tuv><tuv xml:lang="UK"><seg>{edited}</seg></tuv></tu>'


@pytest.mark.skipif(
    not OMEGAT or not JAVA, reason="OmegaT is not installed (apt-get install -y omegat); the round trip needs it"
)
def test_omegat_post_edits_the_xliff_with_its_tags_and_apply_review_writes_the_page(
    tmp_path: Path, en_uk_model: Path
) -> None:
    """OmegaT 3.6 opens the run's XLIFF with the codes as its tags (``<g0>``...``</g0>``: OmegaT's own TMX writes a
    segment's tags as that text), takes a post-edit from ``tm/auto`` that moves the bold to other words, writes the
    XLIFF back with ``<g>`` around them, and ``apply-review`` writes the reviewed page from it."""
    src, out, records = _translate(tmp_path, en_uk_model)
    monday = next(r for r in records if r["src"] == "The talks began on Monday in Geneva.")
    plain = next(r for r in records if r["src"] == "Observers expect a long process.")
    (bold,) = monday["tgt_codes"]
    mt = monday["tgt"]
    tagged = f"{mt[: bold['start']]}<g0>{mt[bold['start'] : bold['end']]}</g0>{mt[bold['end'] :]}"
    units = TU.format(mt=escape(tagged), edited=escape("Переговори почалися в <g0>понеділок</g0> у Женеві."))
    units += TU.format(mt=escape(plain["tgt"]), edited="Спостерігачі чекають довгого процесу.")
    edited = _omegat(tmp_path, out / "talks.en-uk.xlf", units)
    assert '<g id="1" ctype="bold">понеділок</g>' in edited.read_text(encoding="utf-8")
    assert main(["-q", "apply-review", str(edited)]) == 0
    tree = lxml.html.fromstring((out / "talks.uk.html").read_text(encoding="utf-8"))
    p = tree.find(".//p")
    assert p.text == "Переговори почалися в " and p.find("b").text == "понеділок"
    assert p.find("b").tail.startswith(" у Женеві.")
    assert [li.text_content() for li in tree.iter("li")][1] == "Спостерігачі чекають довгого процесу."
    assert _shape((out / "talks.uk.html").read_text(encoding="utf-8")) == _shape(PAGE)


def _omegat(tmp_path: Path, xlf: Path, units: str = "") -> Path:
    """``xlf`` through OmegaT 3.6 (console-translate: a project with it as its source document and ``units`` as a
    TM in ``tm/auto``); the XLIFF OmegaT writes back, as ``<stem>.omegat.xlf`` beside ``xlf``."""
    from test_omegat import PROJECT_FILE

    project = tmp_path / "project"
    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / sub).mkdir(parents=True, exist_ok=True)
    (project / "omegat.project").write_text(PROJECT_FILE.format(src="EN", tgt="UK"), encoding="utf-8")
    shutil.copy(xlf, project / "source" / xlf.name)
    (project / "tm" / "auto" / "post-edit.tmx").write_text(TM.format(units=units), encoding="utf-8")
    env = {**os.environ, "JAVA_TOOL_OPTIONS": f"-Djava.awt.headless=true -Duser.home={tmp_path / 'home'}"}
    assert OMEGAT is not None
    res = subprocess.run(
        [OMEGAT, str(project), "--mode=console-translate", f"--config-dir={tmp_path / 'cfg'}", "--quiet"],
        capture_output=True, text=True, env={**env, "LC_ALL": "C.UTF-8"}, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    edited = xlf.with_name(xlf.name.removesuffix(".xlf") + ".omegat.xlf")
    shutil.copy(project / "target" / xlf.name, edited)
    return edited


@pytest.mark.skipif(
    not OMEGAT or not JAVA, reason="OmegaT is not installed (apt-get install -y omegat); the round trip needs it"
)
@pytest.mark.parametrize("kind", ["docx", "srt"])
def test_omegat_round_trip_of_a_word_file_and_subtitles(tmp_path: Path, en_uk_model: Path, kind: str) -> None:
    """The XLIFF of a Word file or of subtitles goes through OmegaT 3.6 with its tags and comes back whole, with a
    post-edit of one segment; apply-review writes the reviewed ``.docx``/``.srt`` with that edit and every other
    block as the run wrote it."""
    import docx
    from test_read_srt import FILM

    from pipeline.read import READERS, ReadConfig

    src = tmp_path / f"doc.{kind}"
    if kind == "docx":
        d = docx.Document()
        d.add_heading("The harbour reopened in spring", 1)
        p = d.add_paragraph("The ferry left on ")
        p.add_run("Tuesday").bold = True
        p.add_run(" at dawn.")
        d.add_paragraph("Observers expect a long season.")
        d.save(str(src))
    else:
        src.write_text(FILM, encoding="utf-8")
    out = tmp_path / "out"
    args = ["-q", "translate", "--lang", "uk", "--model", str(en_uk_model), "--input", str(src), "--out", str(out)]
    assert main([*args, *SETTINGS]) == 0
    records = [json.loads(x) for x in (out / "doc.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]

    def tags_at_edges_only(r: dict[str, Any]) -> bool:  # OmegaT leaves such tags out of the segment's text
        return all(c["isolated"] and c["start"] in (0, len(r["tgt"])) for c in r.get("tgt_codes", []))

    plain = next(r for r in records if r["tgt"].strip() and tags_at_edges_only(r))  # a segment without inner tags
    units = TU.format(mt=escape(plain["tgt"]), edited="ВІДРЕДАГОВАНО ПЕРЕКЛАДАЧЕМ.")
    machine = (out / f"doc.uk.{kind}").read_bytes()
    edited = _omegat(tmp_path, out / "doc.en-uk.xlf", units)
    assert "ВІДРЕДАГОВАНО ПЕРЕКЛАДАЧЕМ." in edited.read_text(encoding="utf-8")
    assert main(["-q", "apply-review", str(edited)]) == 0
    reader = READERS.load(kind)(ReadConfig())
    before = reader.read(machine, where="machine", lang="uk").blocks
    after = reader.read((out / f"doc.uk.{kind}").read_bytes(), where="reviewed", lang="uk").blocks
    changed = [(a.text, b.text) for a, b in zip(before, after, strict=True) if a.text != b.text]
    assert len(changed) == 1 and "ВІДРЕДАГОВАНО ПЕРЕКЛАДАЧЕМ." in changed[0][1], changed
    assert [[c.kind for c in b.codes] for b in before] == [[c.kind for c in b.codes] for b in after]
