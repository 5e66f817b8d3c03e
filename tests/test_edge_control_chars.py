"""Control characters in every written field of TMX, XLIFF, JSONL and the review page.

Each character is put into every string a run writes: the source and target text, a corpus document's id, the
flags and their details (a glossary term's expected forms are in a ``term_missing`` detail), every field of the
signature (model id, revision, ...), an inline code's markup, the document's metadata (title, author, url) and
the output's name (XLIFF ``<file original>``, the review page's title). Each output must parse (lxml for TMX
and XLIFF, json for each JSONL line, html.parser for the page) and hold each value as its writer documents it:

* TMX and XLIFF (``pipeline/write/tmx.py``, ``pipeline/write/xliff.py``): a character XML 1.0 cannot carry (C0
  controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates) is, in segment text, an ``x-char`` placeholder
  read back exactly; in an attribute, a ``<prop>`` or a note, U+FFFD. Every other character is kept exactly.
* JSONL (``pipeline/write/jsonl.py``): every value reads back identical; one record per line, whatever splits it.
* the review page (``pipeline/review/page.py``): valid UTF-8, the embedded data reads back identical.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree

from pipeline.config import load_config
from pipeline.records import AlignedPair, InlineCode, Signature
from pipeline.review.page import review_page_html
from pipeline.review.xliff import unit_text
from pipeline.run import translate_file
from pipeline.translate import Output
from pipeline.translate.base import TranslatorBase
from pipeline.write import render_outputs
from pipeline.write.tmx import seg_text

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}

#: XML 1.0 cannot carry these even as references: placeholders in text, U+FFFD elsewhere
FORBIDDEN = [chr(i) for i in range(0x20) if chr(i) not in "\t\n\r"] + ["\ufffe", "\uffff", "\ud800", "\udfff"]
#: allowed in XML: kept exactly everywhere (DEL, C1 controls, line separators, tab/LF/CR)
KEPT = ["\t", "\n", "\r", "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029"]


def name(c: str) -> str:
    return f"U+{ord(c):04X}"


def in_xml(c: str, text: str) -> str:
    """``text`` as an attribute, ``<prop>`` or note holds it: a forbidden ``c`` becomes U+FFFD."""
    return text.replace(c, "\ufffd") if c in FORBIDDEN else text


def signature(c: str) -> Signature:
    return Signature(
        f"0.1{c}0", f"rules{c}en", f"models/en{c}uk", f"rev{c}1", f"hf{c}", f"hybrid{c}v3", f"beam{c}4",
        ((f"unit{c}", f"sentence{c}"), ("terms", f"glossary{c}abc")),
    )  # fmt: skip


def pairs(c: str, *, corpus: bool) -> list[AlignedPair]:
    """Two pairs, every string field holding ``c`` (distinct text per field and pair)."""
    out = []
    for n in range(2):
        code = InlineCode(1, "link", 0, 4, f'<a href="/p{c}{n}">', f"</a{c}>")
        out.append(
            AlignedPair(
                n,
                "en",
                "uk",
                f"Src{c}{n} text",
                f"Tgt{c}{n} текст",
                (n,),
                (n,),
                0.5,
                0.25,
                n,
                (f"term_missing{c}", "low_score"),
                doc=f"doc{c}{n}" if corpus else None,
                src_codes=(code,),
                tgt_codes=(code,),
            )  # fmt: skip
        )
    return out


def details(c: str, ps: list[AlignedPair]) -> dict[str, dict[str, str]]:
    key = (lambda p: f"{p.doc}#{p.id}") if ps[0].doc is not None else (lambda p: str(p.id))
    return {key(p): {f"term_missing{c}": f"soldier{c} (expected солдат{c}{p.id})"} for p in ps}


METADATA = {"title": "Title{c}", "author": "Author{c}", "url": "https://x.org/{c}"}


def render(c: str, *, corpus: bool) -> tuple[list[AlignedPair], dict[str, bytes]]:
    ps = pairs(c, corpus=corpus)
    out = render_outputs(
        ["tmx", "xliff", "jsonl"], ps, f"base{c}name", signature=signature(c), src_lang="en", tgt_lang="uk",
        creation_date=WHEN, corpus=corpus, qa_details=details(c, ps), datatype="html",
        document={k: v.format(c=c) for k, v in METADATA.items()},
    )  # fmt: skip
    data = {}
    for r in out:
        assert r.data is not None
        data[r.name.rsplit(".", 1)[1]] = r.data
    return ps, data


CHARS = FORBIDDEN + KEPT
IDS = [name(c) for c in CHARS]


@pytest.mark.parametrize("corpus", [False, True], ids=["document", "corpus"])
@pytest.mark.parametrize("c", CHARS, ids=IDS)
def test_tmx(c: str, corpus: bool) -> None:
    ps, data = render(c, corpus=corpus)
    root = etree.fromstring(data["tmx"])
    sig = signature(c)
    header = {p.get("type"): p.text for p in root.find("header").iter("prop")}  # type: ignore[union-attr]
    assert header["x-signature"] == in_xml(c, sig.as_string())
    assert header["x-sig-model"] == in_xml(c, sig.model) and header["x-sig-model-revision"] == in_xml(
        c, sig.model_revision
    )
    tus = root.findall("body/tu")
    assert len(tus) == 2
    for tu, p in zip(tus, ps, strict=True):
        assert tu.get("tuid") == (in_xml(c, f"{p.doc}#{p.id}") if corpus else str(p.id))
        props = {x.get("type"): x.text for x in tu.findall("prop")}
        assert props["x-flags"] == in_xml(c, ",".join(p.flags))
        assert props.get("x-doc") == (in_xml(c, p.doc) if corpus and p.doc else None)
        src, tgt = (seg for seg in tu.iter("seg"))
        assert seg_text(src) == p.src and seg_text(tgt) == p.tgt  # the text whole, each character as it was
        placeholders = [ph.text for ph in src.iter("ph") if ph.get("type") == "x-char"]
        assert placeholders == ([name(c)] if c in FORBIDDEN else [])
        bpt = src.find("bpt")
        assert bpt is not None and bpt.text == in_xml(c, p.src_codes[0].opening)
        ept = src.find("ept")
        assert ept is not None and ept.text == in_xml(c, p.src_codes[0].closing)


@pytest.mark.parametrize("corpus", [False, True], ids=["document", "corpus"])
@pytest.mark.parametrize("c", CHARS, ids=IDS)
def test_xliff(c: str, corpus: bool) -> None:
    ps, data = render(c, corpus=corpus)
    root = etree.fromstring(data["xlf"])
    files = root.findall("x:file", NS)
    originals = [f.get("original") for f in files]
    assert originals == ([in_xml(c, str(p.doc)) for p in ps] if corpus else [in_xml(c, f"base{c}name")])
    sig = in_xml(c, signature(c).as_string())
    for f in files:
        notes = {n.get("from"): n.text for n in f.findall("x:header/x:note", NS)}
        assert notes["pipeline-signature"] == sig
    units = root.findall(".//x:trans-unit", NS)
    want = details(c, ps)
    for unit, p in zip(units, ps, strict=True):
        assert unit.get("id") == str(p.id)
        assert unit_text(unit.find("x:source", NS)) == p.src
        assert unit_text(unit.find("x:target", NS)) == p.tgt
        alt = unit.find("x:alt-trans", NS)
        assert alt is not None and alt.get("origin") == in_xml(c, signature(c).model)
        assert unit_text(alt.find("x:target", NS)) == p.tgt
        qa = [n.text or "" for n in unit.findall("x:note", NS) if n.get("from") == "pipeline-qa"]
        (detail,) = [d for d in (want[f"{p.doc}#{p.id}" if corpus else str(p.id)]).values()]
        assert any(in_xml(c, detail) in text for text in qa), qa
        contexts = {x.get("context-type"): x.text for x in unit.iter(f"{{{NS['x']}}}context")}
        assert contexts["x-code-1-open"] == in_xml(c, p.src_codes[0].opening)
        assert contexts["x-code-1-close"] == in_xml(c, p.src_codes[0].closing)


@pytest.mark.parametrize("corpus", [False, True], ids=["document", "corpus"])
@pytest.mark.parametrize("c", CHARS, ids=IDS)
def test_jsonl(c: str, corpus: bool) -> None:
    ps, data = render(c, corpus=corpus)
    text = data["jsonl"].decode("utf-8")  # strict: a lone surrogate is a \\u escape, not a byte sequence
    lines = text.splitlines()  # str.splitlines splits on \x1c-\x1e, U+0085, U+2028 too: none may be raw
    assert len(lines) == 2 and text.endswith("\n")
    for line, p in zip(lines, ps, strict=True):
        rec = json.loads(line)
        got = {k: rec.get(k) for k in ("src", "tgt", "flags", "doc")}
        assert got == {"src": p.src, "tgt": p.tgt, "flags": list(p.flags), "doc": p.doc}
        assert rec["signature"] == signature(c).as_string()
        assert rec["src_codes"][0]["opening"] == p.src_codes[0].opening
        assert rec["document"] == {k: v.format(c=c) for k, v in METADATA.items()}


class _Page(HTMLParser):
    """The review page's title and embedded data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.where: str | None = None
        self.title = ""
        self.data = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" or (tag == "script" and ("id", "review-data") in attrs):
            self.where = tag

    def handle_endtag(self, tag: str) -> None:
        self.where = None

    def handle_data(self, data: str) -> None:
        if self.where == "title":
            self.title += data
        elif self.where == "script":
            self.data += data


_RAW_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


@pytest.mark.parametrize("c", CHARS, ids=IDS)
def test_review_page(c: str) -> None:
    ps = [replace(p, src_codes=(), tgt_codes=()) for p in pairs(c, corpus=False)]
    page = review_page_html(
        f"base{c}name.en-uk.review.html", ps, signature=signature(c).as_string(), src_lang="en", tgt_lang="uk",
        qa={"details": details(c, ps)},
    )  # fmt: skip
    parsed = _Page()
    parsed.feed(page)
    parsed.data.encode("utf-8")  # strict: no lone surrogate left raw in the data (the title: the known gap below)
    data = json.loads(parsed.data)
    assert [(x["src"], x["tgt"]) for x in data["pairs"]] == [(p.src, p.tgt) for p in ps]
    assert data["run"]["signature"] == signature(c).as_string()
    assert data["run"]["title"] == f"base{c}name.en-uk"
    assert _RAW_FORBIDDEN.search(parsed.data) is None  # C0 controls only as JSON escapes in the data


@pytest.mark.parametrize("c", ["\x00", "\x07", "\x1b", "\udcff"], ids=name)
def test_review_page_title_has_no_raw_control_characters(c: str) -> None:
    page = review_page_html(
        f"base{c}name.en-uk.review.html", pairs(c, corpus=False)[:1], signature="s", src_lang="en", tgt_lang="uk"
    )
    parsed = _Page()
    parsed.feed(page)
    assert _RAW_FORBIDDEN.search(parsed.title) is None
    page.encode("utf-8")


def test_end_to_end_a_glossary_form_and_a_sentence_with_control_characters(tmp_path: Path) -> None:
    """Through ``translate``: a glossary form with U+0007 reaches the term_missing detail (XLIFF note: U+FFFD;
    report and review page data: exact), a sentence with U+001B reaches every output (TMX/XLIFF placeholder, JSONL
    exact); every output parses."""
    src = tmp_path / "doc.txt"
    sentences = ["The committee met on Monday in the hall.", "The vote was\x1b close and nobody left early."]
    src.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
    gloss = tmp_path / "terms.csv"
    gloss.write_text("en,uk\ncommittee,комі\x07тет\n", encoding="utf-8")
    targets = {sentences[0]: Output("Рада зібралася в понеділок у залі.", 0.9),
               sentences[1]: Output("Голосування було\x1b близьким, і ніхто не пішов.", 0.8)}  # fmt: skip
    overrides = [
        "output.formats=[tmx,xliff,jsonl]", "output.creation_date=2026-01-01T00:00:00Z", "check_links=false",
        f"glossary.files=[{gloss}]",
    ]  # fmt: skip
    cfg = load_config(lang="uk", overrides=overrides)
    translate_file(cfg, src, tmp_path / "out", translator=_Table(targets))
    out = tmp_path / "out"
    detail = "committee (expected комі\x07тет)"
    report = json.loads((out / "doc.en-uk.report.json").read_text(encoding="utf-8"))
    assert report["qa"]["details"]["0"]["term_missing"] == detail
    xlf = etree.fromstring((out / "doc.en-uk.xlf").read_bytes())
    notes = [n.text or "" for n in xlf.iter(f"{{{NS['x']}}}note") if n.get("from") == "pipeline-qa"]
    assert any(in_xml("\x07", detail) in n for n in notes), notes
    units = xlf.findall(".//x:trans-unit", NS)
    assert unit_text(units[1].find("x:source", NS)) == sentences[1]
    assert unit_text(units[1].find("x:target", NS)) == targets[sentences[1]].text
    tmx_root = etree.fromstring((out / "doc.en-uk.tmx").read_bytes())
    segs = [seg_text(s) for s in tmx_root.iter("seg")]
    assert segs[2:] == [sentences[1], targets[sentences[1]].text]
    records = [json.loads(x) for x in (out / "doc.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["src"], r["tgt"]) for r in records] == [(s, targets[s].text) for s in sentences]
    parsed = _Page()
    parsed.feed((out / "doc.en-uk.review.html").read_text(encoding="utf-8"))
    data = json.loads(parsed.data)
    assert data["pairs"][1]["src"] == sentences[1] and data["pairs"][0]["details"] == {"term_missing": detail}


class _Table(TranslatorBase):
    """A stand-in model: the output given for each input."""

    name = "table-1"
    model_id = "stand-in/table"
    model_revision = "local"
    device = "cpu"

    def __init__(self, table: dict[str, Output]) -> None:
        super().__init__()
        self.table = table

    def translate(self, texts: Sequence[str]) -> list[Output]:
        return [self.table[t] for t in texts]


def test_an_input_file_name_that_is_not_utf8_gives_every_output(tmp_path: Path) -> None:
    """A file name with a byte that is not UTF-8 (Python decodes it with surrogateescape) reaches the report, the
    review page and the XLIFF without crashing the run: JSON as a \\udcff escape, HTML and XML as U+FFFD."""
    import os

    name = os.fsdecode(b"doc\xff.txt")
    src = tmp_path / name
    sentences = ["The committee met on Monday.", "It voted twice."]
    src.write_text(" ".join(sentences) + "\n", encoding="utf-8")
    table = {sentences[0]: Output("Комітет зібрався в понеділок.", 0.9), sentences[1]: Output("Він голосував.", 0.9)}
    cfg = load_config(lang="uk", overrides=["output.formats=[tmx,xliff,jsonl]", "check_links=false"])
    translate_file(cfg, src, tmp_path / "out", translator=_Table(table))
    out = os.fsencode(tmp_path / "out")
    names = sorted(os.listdir(out))
    assert len(names) == 5 and all(n.startswith(b"doc\xff.en-uk.") for n in names), names
    report = json.loads((Path(os.fsdecode(out)) / f"{Path(name).stem}.en-uk.report.json").read_bytes())
    assert report["input"] == str(src)  # the escape reads back as the same name
    page = (Path(os.fsdecode(out)) / f"{Path(name).stem}.en-uk.review.html").read_bytes().decode("utf-8")
    assert "doc\ufffd.en-uk" in page.split("</title>")[0]
