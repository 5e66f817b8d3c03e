"""translate-corpus over a folder of documents (HTML, Markdown) beside record files: one record per document, its
translated document under ``documents/``, its pairs with their inline codes, the same resume guarantees.

The stand-in translator upper-cases its input (placeholders included), so each document's translation shows which
source it came from and where each code landed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from corpus_helpers import FAST, FailOn, shard_records

from pipeline.config import load_config
from pipeline.corpus.job import run_corpus
from pipeline.errors import ConfigError

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Talks resume</title></head>
<body><h1>Talks resume in Geneva.</h1>
<p>The talks began on <b>Monday</b> in Geneva. Both sides met for <a href="/t?a=1&amp;b=2">three hours</a>.</p>
<script>var kept = "not translated";</script>
</body></html>
"""
GUIDE = "# A short guide\n\nThe first **step** is easy. The second one is [hard](https://example.org/h).\n\n"
GUIDE += "- One item.\n"


def write_documents(folder: Path) -> None:
    (folder / "news").mkdir(parents=True, exist_ok=True)
    (folder / "news" / "talks.html").write_text(PAGE, encoding="utf-8")
    (folder / "guide.md").write_text(GUIDE, encoding="utf-8")
    (folder / "lines.txt").write_text("A line record.\nAnother line record.\n", encoding="utf-8")


def _cfg(*extra: str) -> Any:
    return load_config(lang="uk", overrides=[*FAST, *extra])


def _records(out: Path) -> dict[str, list[dict[str, Any]]]:
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in shard_records(out):
        by_doc.setdefault(r["doc"], []).append(r)
    return by_doc


def test_a_folder_of_documents_gives_each_its_translated_document_and_pairs_with_codes(tmp_path: Path) -> None:
    write_documents(tmp_path / "in")
    report = run_corpus(_cfg(), tmp_path / "in", tmp_path / "out", translator_factory=FailOn("nothing"))
    assert (report.records, report.written, report.rejected) == (4, 4, 0)  # 2 documents + 2 lines
    by_doc = _records(tmp_path / "out")
    assert sorted(by_doc) == ["guide.md", "lines.txt:1", "lines.txt:2", "news/talks.html"]
    page = (tmp_path / "out" / "documents" / "news" / "talks.uk.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    assert tree.find(".//h1").text == "TALKS RESUME IN GENEVA."
    p = tree.find(".//p")
    assert p.text == "THE TALKS BEGAN ON " and p.find("b").text == "MONDAY"  # the bold around its own word
    assert p.find("a").text == "THREE HOURS" and p.find("a").get("href") == "/t?a=1&b=2"
    assert '<script>var kept = "not translated";</script>' in page
    monday = next(r for r in by_doc["news/talks.html"] if r["src"] == "The talks began on Monday in Geneva.")
    assert [c["kind"] for c in monday["src_codes"]] == ["bold"] and monday["tgt_codes"][0]["start"] == 19
    guide = (tmp_path / "out" / "documents" / "guide.uk.md").read_text(encoding="utf-8")
    assert guide == (
        "# A SHORT GUIDE\n\nTHE FIRST **STEP** IS EASY. THE SECOND ONE IS [HARD](https://example.org/h).\n\n"
        "- ONE ITEM.\n"
    )
    assert all(r["document"] == {"title": "A short guide"} for r in by_doc["guide.md"])  # what it declares
    assert "src_codes" not in by_doc["lines.txt:1"][0] and "document" not in by_doc["lines.txt:1"][0]  # as before
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    documents = sorted(d for s in manifest["shards"] for d in s["result"].get("documents", []))
    assert documents == ["documents/guide.uk.md", "documents/news/talks.uk.html"]


def test_resume_skips_done_documents_and_redoes_a_missing_or_changed_one(tmp_path: Path) -> None:
    write_documents(tmp_path / "in")
    out = tmp_path / "out"
    run_corpus(_cfg(), tmp_path / "in", out, translator_factory=FailOn("nothing"))
    again = run_corpus(_cfg(), tmp_path / "in", out, translator_factory=FailOn("nothing"))
    assert again.skipped == again.shards == 3
    (out / "documents" / "guide.uk.md").unlink()
    page = tmp_path / "in" / "news" / "talks.html"
    page.write_text(PAGE.replace("three hours", "four hours"), encoding="utf-8")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 10**9))
    third = run_corpus(_cfg(), tmp_path / "in", out, translator_factory=FailOn("nothing"))
    assert third.skipped == 1  # the text file only
    assert (out / "documents" / "guide.uk.md").is_file()
    assert "FOUR HOURS" in (out / "documents" / "news" / "talks.uk.html").read_text(encoding="utf-8")
    # a reader setting decides a document's shard, not a text record's
    fourth = run_corpus(_cfg("read.html.extract=article"), tmp_path / "in", out, translator_factory=FailOn("nothing"))
    assert fourth.skipped == 2  # the text file and the Markdown file


def test_a_document_that_cannot_be_read_is_a_reject_and_the_others_are_written(tmp_path: Path) -> None:
    write_documents(tmp_path / "in")
    (tmp_path / "in" / "broken.md").write_bytes(b"\x00\x01binary\x00garbage")
    (tmp_path / "in" / "empty.html").write_text("<html><body><script>x()</script></body></html>", encoding="utf-8")
    report = run_corpus(_cfg(), tmp_path / "in", tmp_path / "out", translator_factory=FailOn("nothing"))
    assert (report.records, report.written, report.rejected) == (6, 4, 2)
    rejects = [json.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    by_where = {r["where"]: r for r in rejects}
    assert by_where["broken.md"]["stage"] == "segment" and "NUL characters" in by_where["broken.md"]["reason"]
    assert "no translatable text" in by_where["empty.html"]["reason"]
    assert not (tmp_path / "out" / "documents" / "broken.md").exists()


def test_paragraph_units_with_documents_stop_the_job_in_one_line(tmp_path: Path) -> None:
    write_documents(tmp_path / "in")
    with pytest.raises(ConfigError, match="translate.unit is paragraph"):
        run_corpus(
            _cfg("translate.unit=paragraph"), tmp_path / "in", tmp_path / "out", translator_factory=FailOn("nothing")
        )


def test_word_files_and_subtitles_are_document_records_too(tmp_path: Path) -> None:
    """A folder of a DOCX and an SRT (built here): one record each, each translated back into its own format."""
    import io

    import docx
    import srt
    from test_read_srt import FILM

    folder = tmp_path / "in"
    folder.mkdir()
    d = docx.Document()
    d.add_heading("The harbour reopened in spring", 1)
    p = d.add_paragraph("The ferry left on ")
    p.add_run("Tuesday").bold = True
    p.add_run(" at dawn.")
    d.save(str(folder / "harbour.docx"))
    (folder / "film.srt").write_text(FILM, encoding="utf-8")
    report = run_corpus(_cfg(), folder, tmp_path / "out", translator_factory=FailOn("nothing"))
    assert (report.records, report.written, report.rejected) == (2, 2, 0)
    out = tmp_path / "out" / "documents"
    word = docx.Document(io.BytesIO((out / "harbour.uk.docx").read_bytes()))
    assert [q.text for q in word.paragraphs] == ["THE HARBOUR REOPENED IN SPRING", "THE FERRY LEFT ON TUESDAY AT DAWN."]
    assert [r.text for r in word.paragraphs[1].runs if r.bold] == ["TUESDAY"]  # the bold run around its word
    cues = list(srt.parse((out / "film.uk.srt").read_text(encoding="utf-8")))
    source = list(srt.parse(FILM))
    assert [(c.index, c.start, c.end) for c in cues] == [(c.index, c.start, c.end) for c in source]
    assert all(c.content.strip() for c in cues) and cues[3].content == "<i>NOBODY IN THE VILLAGE SLEPT.</i>"
    by_doc = _records(tmp_path / "out")
    assert sorted(by_doc) == ["film.srt", "harbour.docx"]
