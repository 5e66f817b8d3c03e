"""Inline codes (documents with markup) in TMX, XLIFF, apply-review FILE.xlf and the review page.

Pairs are written with a small notation: ``<N>`` opens code N, ``</N>`` closes it, ``<N/>`` is isolated code N,
and :data:`MARKUP` gives each code's kind and markup (with ``<``, ``&`` and both quotes in it). Every output is
validated (TMX 1.4b DTD, XLIFF 1.2 strict schema) and read back into the text and its codes at their offsets,
which are compared with the pair's both as records and written out again in the notation.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from shared_files import shared_path
from test_xliff import assert_valid, load_schema

from pipeline.records import AlignedPair, InlineCode, Signature
from pipeline.review import apply_decisions
from pipeline.review.page import render_review_page, review_data
from pipeline.review.xliff import read_xliff, unit_content, unit_text, xliff_decisions, xliff_decisions_document
from pipeline.write import render_outputs, tmx
from pipeline.write import xliff as xliff_writer

ROOT = Path(__file__).resolve().parent.parent
DTD = etree.DTD(str(ROOT / "tests" / "fixtures" / "tmx14b.dtd"))
NS = {"x": xliff_writer.NS}
WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
SIG = Signature("0.1.0", "rules-en.v2", "Helsinki-NLP/opus-mt-en-ko", "abc123", "hf", "hybrid", "beam4")

#: code id -> (kind, opening, closing); an isolated code has no closing
MARKUP: dict[int, tuple[str, str, str]] = {
    1: ("link", '<a href="/k?x=1&y=2" title=\'say "hi"\'>', "</a>"),
    2: ("bold", "<b>", "</b>"),
    3: ("br", "<br/>", ""),
    4: ("image", '<img src="a.png" alt="A & B < C">', ""),
    5: ("italic", "*", "*"),
    6: ("code", "`x < y && z`", ""),
    7: ("span", '<span class="k">', "</span>"),
    8: ("underline", "<u>", "</u>"),
}
ISOLATED = {3, 4, 6}
_MARK = re.compile(r"<(/?)(\d+)(/?)>")


def parse(marked: str, by_rule: frozenset[int] = frozenset()) -> tuple[str, tuple[InlineCode, ...]]:
    """The text of ``marked`` and its codes (see the module docstring); ``by_rule``: codes put back by rule."""
    out: list[str] = []
    size = 0
    opened: dict[int, int] = {}
    codes: list[InlineCode] = []
    pos = 0
    for m in _MARK.finditer(marked):
        out.append(marked[pos : m.start()])
        size += m.start() - pos
        pos = m.end()
        n = int(m.group(2))
        if m.group(3):
            kind, opening, _ = MARKUP[n]
            codes.append(InlineCode(n, kind, size, size, opening, "", True, n in by_rule))
        elif not m.group(1):
            opened[n] = size
        else:
            kind, opening, closing = MARKUP[n]
            codes.append(InlineCode(n, kind, opened.pop(n), size, opening, closing, False, n in by_rule))
    out.append(marked[pos:])
    assert not opened
    return "".join(out), tuple(sorted(codes, key=lambda c: (c.start, c.id)))


def marked(text: str, codes: Any) -> str:
    """``text`` with its codes written in the notation (for any objects with id, start, end, isolated), in the
    writers' order: at one offset what closes there, then what stands there, then what opens there."""
    marks: list[tuple[int, int, int, int, str]] = []
    for c in codes:
        n = int(c.id)
        if c.isolated:
            marks.append((c.start, 1, n, 0, f"<{n}/>"))
        elif c.start == c.end:
            marks.append((c.start, 1, n, 0, f"<{n}></{n}>"))
        else:
            marks.append((c.start, 2, -c.end, n, f"<{n}>"))
            marks.append((c.end, 0, -c.start, -n, f"</{n}>"))
    out, pos = [], 0
    for offset, _, _, _, mark in sorted(marks):
        out += [text[pos:offset], mark]
        pos = offset
    return "".join(out) + text[pos:]


# (source, target, target codes put back by rule)
CASES: list[tuple[str, str, frozenset[int]]] = [
    # nested codes, two opening at one offset, a line break at the end
    ("<1>Read the <2>full</2> guide</1> now.<3/>", "<1><2>전체</2> 안내서를 읽으세요</1> 지금.<3/>", frozenset()),
    # an image and a code span (isolated, markup with < & and quotes); the model lost code 5: put back at the end
    ("See <4/> and <5>this</5>: <6/>.", "<4/> 과 이것 <6/>을 보세요.<5></5>", frozenset({5})),
    # codes a translation put across each other; a character XML cannot carry inside a code
    ("<7>one <8>two\x07</7> three</8> four", "<7>하나 <8>둘\x07</7> 셋</8> 넷", frozenset()),
    # a paired code around no text, next to an isolated one; one code closing where the next opens
    ("Line<3/><7></7><1>end</1><8>!</8>.", "<1>끝</1><8>줄</8><3/><7></7>.", frozenset()),
]


def code_pairs() -> list[AlignedPair]:
    pairs = []
    for n, (src_m, tgt_m, lost) in enumerate(CASES):
        src, src_codes = parse(src_m)
        tgt, tgt_codes = parse(tgt_m, lost)
        flags = ("tag_mismatch",) if lost else ()
        pairs.append(
            AlignedPair(
                n, "en", "ko", src, tgt, (n,), (n,), 0.9, 0.8, n, flags, src_codes=src_codes, tgt_codes=tgt_codes
            )
        )
    pairs.append(
        AlignedPair(len(pairs), "en", "ko", 'Plain <b>text</b> & "q".', '평문 <b>텍스트</b> & "q".', (9,), (9,), 0.7)
    )
    return pairs


def render_tmx(pairs: list[AlignedPair], **kw: Any) -> str:
    return tmx.render(pairs, signature=SIG, src_lang="en", tgt_lang="ko", creation_date=WHEN, **kw)


def render_xliff(pairs: list[AlignedPair], **kw: Any) -> str:
    return xliff_writer.render(pairs, signature=SIG, src_lang="en", tgt_lang="ko", creation_date=WHEN, **kw)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    for name in ("xliff-core-1.2-strict.xsd", "xml.xsd"):
        shared_path("xliff", name)  # else the test skips: ../shared missing
    loaded = load_schema()
    assert loaded is not None
    return loaded


def spans(codes: Any) -> list[tuple[int, int, int, bool]]:
    return sorted((int(c.id), c.start, c.end, c.isolated) for c in codes)


# --------------------------------------------------------------------------- the order of the codes


def test_code_events_close_before_open_and_nest_at_one_offset() -> None:
    # two codes ending at 2 (inner first), the line break, an empty span, then two opening at 2 (outer first)
    text, codes = (
        "abc",
        (
            InlineCode(1, "link", 0, 2, "<a>", "</a>"),
            InlineCode(2, "bold", 0, 2, "<b>", "</b>"),
            InlineCode(3, "br", 2, 2, "<br>", isolated=True),
            InlineCode(7, "span", 2, 2, "<span>", "</span>"),
            InlineCode(8, "underline", 2, 3, "<u>", "</u>"),
            InlineCode(9, "italic", 2, 3, "<i>", "</i>"),
        ),
    )
    got = [(o, what, c.id) for o, what, c in tmx.code_events(text, codes)]
    assert got == [
        (0, "open", 1),
        (0, "open", 2),
        (2, "close", 2),
        (2, "close", 1),
        (2, "isolated", 3),
        (2, "empty", 7),
        (2, "open", 8),
        (2, "open", 9),
        (3, "close", 9),
        (3, "close", 8),
    ]


def test_a_code_beyond_its_text_is_put_at_its_end(caplog: pytest.LogCaptureFixture) -> None:
    codes = (InlineCode(1, "bold", 2, 40, "<b>", "</b>"), InlineCode(2, "br", 50, 50, "<br>", isolated=True))
    got = [(o, what, c.start, c.end) for o, what, c in tmx.code_events("abcd", codes)]
    assert got == [(2, "open", 2, 4), (4, "close", 2, 4), (4, "isolated", 4, 4)]
    assert "beyond the end" in caplog.text


# --------------------------------------------------------------------------- TMX


def test_tmx_with_codes_is_valid_and_reads_back_at_the_same_offsets() -> None:
    pairs = code_pairs()
    doc = render_tmx(pairs, datatype="html")
    root = etree.fromstring(doc.encode("utf-8"))
    assert DTD.validate(root.getroottree()), DTD.error_log
    assert root.find("header").get("datatype") == "html"
    tus = root.findall("body/tu")
    assert len(tus) == len(pairs)
    for p, tu, (src_m, tgt_m, _) in zip(pairs, tus, [*CASES, ("", "", frozenset())], strict=True):
        src_seg, tgt_seg = tu.findall("tuv/seg")
        src, src_codes = tmx.seg_codes(src_seg)
        tgt, tgt_codes = tmx.seg_codes(tgt_seg)
        assert (src, tgt) == (p.src, p.tgt) == (tmx.seg_text(src_seg), tmx.seg_text(tgt_seg))
        assert spans(src_codes) == spans(p.src_codes) and spans(tgt_codes) == spans(p.tgt_codes)
        for side, want in ((src_codes, p.src_codes), (tgt_codes, p.tgt_codes)):
            assert {c.id: (c.opening, c.closing) for c in side} == {c.id: (c.opening, c.closing) for c in want}
        if src_m:
            assert marked(src, src_codes) == src_m and marked(tgt, tgt_codes) == tgt_m


def test_tmx_writes_paired_codes_as_bpt_ept_and_isolated_ones_as_ph_with_the_markup_escaped() -> None:
    pairs = code_pairs()
    doc = render_tmx(pairs[:2])
    assert (
        '<seg><bpt i="1" x="1" type="link">&lt;a href="/k?x=1&amp;y=2" title=\'say "hi"\'&gt;</bpt>Read the '
        '<bpt i="2" x="2" type="bold">&lt;b&gt;</bpt>full<ept i="2">&lt;/b&gt;</ept> guide<ept i="1">&lt;/a&gt;</ept>'
        ' now.<ph x="3" type="lb">&lt;br/&gt;</ph></seg>'
    ) in doc
    assert (
        '<seg><ph x="4" type="image">&lt;img src="a.png" alt="A &amp; B &lt; C"&gt;</ph> 과 이것 '
        '<ph x="6" type="x-code">`x &lt; y &amp;&amp; z`</ph>을 보세요.<bpt i="5" x="5" type="italic">*</bpt>'
        '<ept i="5">*</ept></seg>'
    ) in doc


def test_tmx_crossing_codes_and_forbidden_characters_together() -> None:
    doc = render_tmx(code_pairs()[2:3])
    assert (
        '<seg><bpt i="7" x="7" type="x-span">&lt;span class="k"&gt;</bpt>one <bpt i="8" x="8" type="ulined">&lt;u&gt;'
        '</bpt>two<ph type="x-char">U+0007</ph><ept i="7">&lt;/span&gt;</ept> three<ept i="8">&lt;/u&gt;</ept> four'
        "</seg>"
    ) in doc
    assert DTD.validate(etree.fromstring(doc.encode("utf-8")).getroottree()), DTD.error_log


def test_markup_with_a_character_xml_cannot_carry_becomes_a_replacement_character(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text, codes = "ab", (InlineCode(1, "other", 0, 0, "<x\x01>", isolated=True),)
    p = AlignedPair(0, "en", "ko", text, text, (0,), (0,), 0.9, src_codes=codes, tgt_codes=codes)
    doc = render_tmx([p])
    assert '<ph x="1" type="x-other">&lt;x\ufffd&gt;</ph>ab' in doc
    assert "replaced 2 character(s)" in caplog.text
    assert DTD.validate(etree.fromstring(doc.encode("utf-8")).getroottree()), DTD.error_log


# --------------------------------------------------------------------------- XLIFF


def test_xliff_with_codes_is_strict_valid_and_reads_back_at_the_same_offsets(
    schema: etree.XMLSchema, tmp_path: Path
) -> None:
    pairs = code_pairs()
    doc = render_xliff(pairs, datatype="x-markdown", original="doc.md")
    assert_valid(schema, doc)
    root = etree.fromstring(doc.encode("utf-8"))
    assert root.find("x:file", NS).get("datatype") == "x-markdown"
    path = tmp_path / "doc.en-ko.xlf"
    path.write_text(doc, encoding="utf-8")
    review = read_xliff(path)
    for p, u in zip(pairs, review.units, strict=True):
        assert (u.source, u.target, u.original) == (p.src, p.tgt, p.tgt)
        assert spans(u.source_codes) == spans(p.src_codes)
        assert spans(u.target_codes) == spans(p.tgt_codes) == spans(u.original_codes)
        assert marked(u.source, u.source_codes) == marked(p.src, p.src_codes)
        assert marked(u.target or "", u.target_codes) == marked(p.tgt, p.tgt_codes)
        want = {(str(c.id), c.opening, c.closing) for c in p.src_codes}
        assert set(u.markup) == want  # the markup in the unit's context group, as the input wrote it


def test_xliff_writes_g_and_x_with_ids_ctypes_the_markup_in_the_context_and_a_note_for_a_code_put_back() -> None:
    pairs = code_pairs()
    doc = render_xliff(pairs)
    tus = etree.fromstring(doc.encode("utf-8")).findall(".//x:trans-unit", NS)
    source = etree.tostring(tus[0].find("x:source", NS), encoding="unicode", with_tail=False)
    assert re.sub(r"^<source [^>]*>", "<source>", source) == (
        '<source><g id="1" ctype="link">Read the <g id="2" ctype="bold">full</g> guide</g> now.<x id="3" ctype="lb"/>'
        "</source>"
    )
    target = etree.tostring(tus[1].find("x:target", NS), encoding="unicode", with_tail=False)
    assert '<x id="4" ctype="image"/> 과 이것 <x id="6" ctype="x-code"/>을 보세요.<g id="5" ctype="italic"/>' in target
    notes = {n.get("from"): n.text for n in tus[1].findall("x:note", NS)}
    assert notes["pipeline-codes"] == (
        'put back by rule (the model lost it): <g id="5"> (italic) at the end; move each tag where it belongs'
    )
    assert [n.get("from") for n in tus[0].findall("x:note", NS)] == ["pipeline-scores"]  # none was lost
    contexts = {c.get("context-type"): c.text for c in tus[1].findall("x:context-group/x:context", NS)}
    assert contexts == {
        "x-code-4": '<img src="a.png" alt="A & B < C">',
        "x-code-5-open": "*",
        "x-code-5-close": "*",
        "x-code-6": "`x < y && z`",
    }
    assert tus[1].find("x:context-group", NS).attrib == {"name": "pipeline-codes-1", "purpose": "information"}
    assert tus[4].find("x:context-group", NS) is None  # a plain pair has none


def test_xliff_crossing_codes_are_bx_ex_and_a_forbidden_character_stays_a_placeholder(schema: etree.XMLSchema) -> None:
    doc = render_xliff(code_pairs()[2:3])
    assert_valid(schema, doc)
    target = etree.tostring(etree.fromstring(doc.encode("utf-8")).find(".//x:target", NS), encoding="unicode")
    assert (
        '<g id="7" ctype="x-span">하나 <bx id="8" rid="8" ctype="underlined"/>둘<ph id="t1" ctype="x-char">U+0007</ph>'
        '</g> 셋<ex id="8-end" rid="8"/> 넷</target>'
    ) in target


# --------------------------------------------------------------------------- plain text: as it was


def test_a_plain_pair_is_written_exactly_as_before(schema: etree.XMLSchema) -> None:
    p = AlignedPair(
        0, "en", "ko", 'Plain <b>not a code</b> & "q"\x07 end.', '평문 <b>코드 아님</b> & "q"\x07 끝.', (0,), (0,), 0.9
    )
    doc = render_tmx([p])
    assert 'datatype="plaintext"' in doc
    assert (
        '<seg>Plain &lt;b&gt;not a code&lt;/b&gt; &amp; "q"<ph type="x-char">U+0007</ph> end.</seg>\n'
        "      </tuv>\n"
        '      <tuv xml:lang="ko">\n'
        '        <seg>평문 &lt;b&gt;코드 아님&lt;/b&gt; &amp; "q"<ph type="x-char">U+0007</ph> 끝.</seg>'
    ) in doc
    doc = render_xliff([p], original="a.txt")
    assert_valid(schema, doc)
    assert 'datatype="plaintext"' in doc
    assert (
        '        <source>Plain &lt;b&gt;not a code&lt;/b&gt; &amp; "q"<ph id="s1" ctype="x-char">U+0007</ph> end.'
        "</source>\n"
        '        <target state="needs-review-translation">평문 &lt;b&gt;코드 아님&lt;/b&gt; &amp; "q"'
        '<ph id="t1" ctype="x-char">U+0007</ph> 끝.</target>\n'
        '        <note from="pipeline-scores" priority="5">alignment score 0.9000; source sentence(s) 0; target '
        "sentence(s) 0; risk ok</note>\n"
        '        <alt-trans tool-id="pipeline" origin="Helsinki-NLP/opus-mt-en-ko">\n'
        '          <target>평문 &lt;b&gt;코드 아님&lt;/b&gt; &amp; "q"<ph id="a1" ctype="x-char">U+0007</ph> 끝.'
        "</target>\n"
        "        </alt-trans>\n"
        "      </trans-unit>"
    ) in doc
    assert "context-group" not in doc and "pipeline-codes" not in doc


def test_render_outputs_passes_the_datatype_on() -> None:
    out = render_outputs(["tmx", "xliff"], code_pairs(), "doc.en-ko", signature=SIG, src_lang="en", tgt_lang="ko",
                         creation_date=WHEN, datatype="html")  # fmt: skip
    assert [r.name for r in out] == ["doc.en-ko.tmx", "doc.en-ko.xlf"]
    assert all(b'datatype="html"' in (r.data or b"") for r in out)
    plain = render_outputs(["xliff"], code_pairs(), "doc.en-ko", signature=SIG, src_lang="en", tgt_lang="ko",
                           creation_date=WHEN)  # fmt: skip
    assert b'datatype="plaintext"' in (plain[0].data or b"")


# --------------------------------------------------------------------------- apply-review FILE.xlf


def post_edit(doc: str, uid: int, target_xml: str) -> str:
    """``doc`` with the target of unit ``uid`` replaced by ``target_xml`` (its content, tags and all)."""
    root = etree.fromstring(doc.encode("utf-8"))
    tu = root.find(f".//x:trans-unit[@id='{uid}']", NS)
    old = tu.find("x:target", NS)
    new = etree.fromstring(f'<target xmlns="{xliff_writer.NS}">{target_xml}</target>')
    new.attrib.update(old.attrib)
    new.set("state", "translated")
    tu.replace(old, new)
    return etree.tostring(root, encoding="unicode")


def test_apply_review_reads_the_tags_of_a_post_edited_target_back_as_codes(tmp_path: Path) -> None:
    pairs = code_pairs()
    doc = render_xliff(pairs, original="doc.en-ko")
    # unit 0: words and tags changed (the line break now inside the link); unit 2: only a tag moved, the crossing
    # gone; unit 3: only the text changed, with doubled spaces; unit 1: as written (no decision)
    doc = post_edit(
        doc, 0, '<g id="1" ctype="link">안내서를  <g id="2" ctype="bold">모두</g> 읽기<x id="3" ctype="lb"/></g> 지금.'
    )
    doc = post_edit(
        doc,
        2,
        '<g id="7" ctype="x-span">하나 <g id="8" ctype="underlined">둘<ph id="t1" ctype="x-char">U+0007</ph></g></g>'
        " 셋 넷",
    )
    doc = post_edit(doc, 3, '<g id="1" ctype="link">끝</g>   줄이다<g id="7" ctype="x-span"/><x id="3" ctype="lb"/>.')
    path = tmp_path / "doc.en-ko.xlf"
    path.write_text(doc, encoding="utf-8")
    review = read_xliff(path)
    assert unit_text(etree.fromstring(f'<t xmlns="{xliff_writer.NS}"><g id="1">a</g><x id="2"/>b</t>')) == "ab"
    assert review.units[0].target == "안내서를  모두 읽기 지금."
    got = xliff_decisions_document(review, pairs, signature=SIG.as_string())["decisions"]
    by_id = {d["id"]: d for d in got}
    assert sorted(by_id) == [0, 2, 3]
    link, bold, br = (MARKUP[n] for n in (1, 2, 3))
    assert by_id[0]["tgt"] == "안내서를  모두 읽기 지금."
    assert by_id[0]["tgt_codes"] == [  # at offsets of the text as apply-review keeps it (spaces collapsed)
        {"id": 1, "kind": "link", "start": 0, "end": 10, "opening": link[1], "closing": link[2], "isolated": False},
        {"id": 2, "kind": "bold", "start": 5, "end": 7, "opening": bold[1], "closing": bold[2], "isolated": False},
        {"id": 3, "kind": "br", "start": 10, "end": 10, "opening": br[1], "closing": "", "isolated": True},
    ]
    tgt = " ".join(by_id[0]["tgt"].split())
    assert marked(tgt, [InlineCode(**c) for c in by_id[0]["tgt_codes"]]) == "<1>안내서를 <2>모두</2> 읽기</1><3/> 지금."
    assert by_id[2]["tgt"] == pairs[2].tgt  # the same words: a tag moved is an edit too
    assert marked(pairs[2].tgt, [InlineCode(**c) for c in by_id[2]["tgt_codes"]]) == "<7>하나 <8>둘\x07</8></7> 셋 넷"
    assert by_id[3]["tgt"] == "끝   줄이다."
    assert marked("끝 줄이다.", [InlineCode(**c) for c in by_id[3]["tgt_codes"]]) == "<1>끝</1> 줄이다<3/><7></7>."
    assert all(c.get("by_rule") is None for d in got for c in d["tgt_codes"])  # the reviewer placed them
    # without the run's JSONL: the markup comes from the units' context groups
    alone = {d["id"]: d for d in xliff_decisions_document(review)["decisions"]}
    assert alone == by_id
    # apply-review takes the decisions (the text; the codes are in the decisions for it to keep)
    decisions = xliff_decisions(review, pairs, signature=SIG.as_string())
    fixed, counts = apply_decisions(pairs, decisions, signature=SIG.as_string())
    assert counts["edit"] == 3 and fixed[0].tgt == "안내서를 모두 읽기 지금."


def test_a_tag_of_no_code_of_the_run_is_left_out(tmp_path: Path) -> None:
    pairs = code_pairs()
    doc = render_xliff(pairs, original="doc.en-ko")
    doc = post_edit(doc, 4, '평문 <x id="99"/>&lt;b&gt;텍스트&lt;/b&gt; &amp; "q".')  # a plain pair: a tag added
    doc = post_edit(
        doc,
        1,
        '<x id="4" ctype="image"/> 과 <g id="5" ctype="italic">이것</g> <x id="6" ctype="x-code"/>을 보세요.'
        '<x id="42"/>',
    )
    path = tmp_path / "doc.en-ko.xlf"
    path.write_text(doc, encoding="utf-8")
    got = xliff_decisions_document(read_xliff(path), pairs, signature=SIG.as_string())["decisions"]
    assert {d["id"]: d["op"] for d in got} == {1: "edit", 4: "accept"}  # unit 4: its text as written, accepted
    assert [(c["id"], c["start"], c["end"]) for c in got[0]["tgt_codes"]] == [(4, 0, 0), (5, 2, 4), (6, 5, 5)]
    text, codes = unit_content(etree.fromstring(f'<t xmlns="{xliff_writer.NS}">a<bx id="1" rid="1"/>b<ex id="9"/></t>'))
    assert (text, codes) == ("ab", ())  # a <bx> without its <ex>: left out


# --------------------------------------------------------------------------- the review page


def test_the_review_page_shows_codes_as_chips_of_text_only() -> None:
    pairs = code_pairs()
    data = review_data(pairs, signature=SIG.as_string(), src_lang="en", tgt_lang="ko", title="doc")
    assert data["pairs"][0]["src_codes"][0] == {
        "id": 1, "kind": "link", "start": 0, "end": 19, "opening": MARKUP[1][1], "closing": "</a>", "isolated": False,
    }  # fmt: skip
    assert data["pairs"][1]["tgt_codes"][-1]["by_rule"] is True
    assert "src_codes" not in data["pairs"][4] and "tgt_codes" not in data["pairs"][4]  # plain: no new keys
    page = render_review_page(data)
    assert "function codeCell(" in page and ".code.by-rule" in page and "/*codes{*/" not in page
    embedded = page.split('<script type="application/json" id="review-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in embedded and "&" not in embedded  # the markup is escaped JSON, never live HTML
    assert json.loads(embedded)["pairs"][0]["src_codes"][0]["opening"] == MARKUP[1][1]
    assert ".innerHTML" not in page and "insertAdjacentHTML" not in page


def test_a_plain_run_s_review_page_has_nothing_of_the_codes() -> None:
    plain = [dataclasses.replace(p, src_codes=(), tgt_codes=()) for p in code_pairs()]
    data = review_data(plain, signature=SIG.as_string(), src_lang="en", tgt_lang="ko", title="doc")
    assert not any("src_codes" in p or "tgt_codes" in p for p in data["pairs"])
    page = render_review_page(data)
    for absent in ("codes{", "}codes", "codeCell", ".code {", "SHORT", "p.src_codes", "tgt_codes"):
        assert absent not in page
    assert "  function textCell(text, lang, cuts) {\n" in page


# --------------------------------------------------------------------------- the page's script, run in Node

NODE = shutil.which("node")

# a DOM of text nodes and elements, enough for the page's script (it builds everything with textContent)
FAKE_DOM = r"""
class FakeNode { constructor() { this.childNodes = []; }
  append(...cs) { for (const c of cs) this.childNodes.push(c instanceof FakeNode ? c : new FakeText(String(c))); }
  insertBefore(n, ref) { const i = this.childNodes.indexOf(ref); this.childNodes.splice(i < 0 ? 0 : i, 0, n);
    return n; }
  get children() { return this.childNodes.filter((c) => c instanceof FakeElement); } }
class FakeText extends FakeNode { constructor(t) { super(); this.data = t; } get textContent() { return this.data; } }
class FakeElement extends FakeNode {
  constructor(tag) { super(); this.tagName = tag; this.attributes = {}; this.hidden = false; this.className = "";
    this.value = ""; this.checked = false;
    this.classList = { contains: (c) => this.className.split(" ").includes(c) }; }
  setAttribute(k, v) { this.attributes[k] = String(v); }
  getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
  addEventListener() {} focus() {} click() {} select() {} setSelectionRange() {}
  get textContent() { return this.childNodes.map((c) => c.textContent).join(""); }
  set textContent(v) { this.childNodes = []; if (v !== "") this.append(String(v)); }
  set innerHTML(v) { throw new Error("innerHTML used"); } }
const byId = {};
globalThis.document = { getElementById: (id) => (byId[id] ||= new FakeElement("div")),
  createElement: (t) => new FakeElement(t), createTextNode: (t) => new FakeText(t), body: new FakeElement("body") };
globalThis.Node = FakeNode;
globalThis.window = { confirm: () => false };
globalThis.localStorage = { getItem: () => null, setItem: () => {} };
globalThis.navigator = {};
globalThis.setTimeout = () => 0;
const fs = require("fs");
const page = fs.readFileSync(process.argv[2], "utf8");
document.getElementById("review-data").textContent =
  page.split('<script type="application/json" id="review-data">')[1].split("</script>")[0];
eval(page.split("<script>")[1].split("</script>")[0]);
const show = (n) => n instanceof FakeText ? n.data
  : n.className.startsWith("code") ? "[" + n.textContent + (n.className.includes("by-rule") ? "!" : "") + "]"
  : n.childNodes.map(show).join("");
const rows = document.getElementById("rows").children.filter((r) => r.getAttribute("data-id") !== null);
const titles = [];
const walk = (n) => { if (n.className && n.className.startsWith("code")) titles.push(n.attributes.title);
  n.childNodes.forEach(walk); };
rows.forEach(walk);
console.log(JSON.stringify({ cells: rows.map((r) => [show(r.childNodes[1]), show(r.childNodes[2])]), titles }));
"""


def run_page(tmp_path: Path, pairs: list[AlignedPair]) -> dict[str, Any]:
    data = review_data(pairs, signature=SIG.as_string(), src_lang="en", tgt_lang="ko", title="doc")
    page = tmp_path / "doc.review.html"
    page.write_text(render_review_page(data), encoding="utf-8")
    script = tmp_path / "dom.js"
    script.write_text(FAKE_DOM, encoding="utf-8")
    assert NODE is not None
    res = subprocess.run([NODE, str(script), str(page)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr[-3000:]
    result: dict[str, Any] = json.loads(res.stdout)
    return result


@pytest.mark.skipif(NODE is None, reason="no Node.js to run the page's script")
def test_the_page_script_draws_each_code_as_a_chip_in_offset_order(tmp_path: Path) -> None:
    got = run_page(tmp_path, code_pairs())
    assert got["cells"] == [
        [
            "[⟨a⟩]Read the [⟨b⟩]full[⟨/b⟩] guide[⟨/a⟩] now.[⟨br⟩]",
            "[⟨a⟩][⟨b⟩]전체[⟨/b⟩] 안내서를 읽으세요[⟨/a⟩] 지금.[⟨br⟩]",
        ],
        ["See [⟨img⟩] and [⟨i⟩]this[⟨/i⟩]: [⟨code⟩].", "[⟨img⟩] 과 이것 [⟨code⟩]을 보세요.[⟨i⟩!][⟨/i⟩!]"],
        ["[⟨span⟩]one [⟨u⟩]two\x07[⟨/span⟩] three[⟨/u⟩] four", "[⟨span⟩]하나 [⟨u⟩]둘\x07[⟨/span⟩] 셋[⟨/u⟩] 넷"],
        [
            "Line[⟨br⟩][⟨span⟩][⟨/span⟩][⟨a⟩]end[⟨/a⟩][⟨u⟩]![⟨/u⟩].",
            "[⟨a⟩]끝[⟨/a⟩][⟨u⟩]줄[⟨/u⟩][⟨br⟩][⟨span⟩][⟨/span⟩].",
        ],
        ['Plain <b>text</b> & "q".', '평문 <b>텍스트</b> & "q".'],  # markup in a plain pair is text
    ]
    assert got["titles"][:2] == [f"code 1: {MARKUP[1][1]}", "code 2: <b>"]
    assert "code 5: * \u2014 put back by rule: the model lost it" in got["titles"]


@pytest.mark.skipif(NODE is None, reason="no Node.js to run the page's script")
def test_the_page_script_of_a_plain_run_draws_the_text_alone(tmp_path: Path) -> None:
    plain = [dataclasses.replace(p, src_codes=(), tgt_codes=()) for p in code_pairs()]
    got = run_page(tmp_path, plain)
    assert got["cells"][0] == ["Read the full guide now.", "전체 안내서를 읽으세요 지금."]
    assert got["titles"] == []
