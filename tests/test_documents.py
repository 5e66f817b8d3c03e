"""Documents with markup through the whole ``translate`` run (tiny copying model): the translated document keeps its
structure, its code, URLs and markup, each code comes back once, and each translation reaches its own block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main

SETTINGS = ["--set", "translate.cache=false", "--set", "align.aligner=length"]
SETTINGS += ["--set", "qa.fail_wrong_language_ratio=null", "--set", "output.formats=[jsonl,tmx,xliff]"]

MARKDOWN = """---
title: Talks
---

# Talks resume in Geneva

The talks began on **Monday** in Geneva. Both sides met for [three hours](https://example.org/talks "Talks").

- The second round starts in May.
- Observers expect a *long* process.

```python
print("code is kept")
```

| City | Note |
|------|------|
| Geneva | The venue of the `first` round. |

<div>An HTML block is kept.</div>
"""


def _run(tmp_path: Path, model: Path, name: str, body: str) -> tuple[Path, list[dict[str, Any]]]:
    src = tmp_path / name
    src.write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    args = ["-q", "translate", "--lang", "uk", "--model", str(model), "--input", str(src), "--out", str(out)]
    assert main([*args, *SETTINGS]) == 0
    stem = src.stem
    records = [json.loads(x) for x in (out / f"{stem}.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    return out, records


def test_markdown_through_translate(tmp_path: Path, en_uk_model: Path) -> None:
    from markdown_it import MarkdownIt

    out, records = _run(tmp_path, en_uk_model, "talks.md", MARKDOWN)
    assert [r["src"] for r in records] == [
        "Talks resume in Geneva",
        "The talks began on Monday in Geneva.",
        "Both sides met for three hours.",
        "The second round starts in May.",
        "Observers expect a long process.",
        "City",
        "Note",
        "Geneva",
        "The venue of the round.",  # inline code is an isolated code: kept as written, not translated
    ]
    translated = (out / "talks.uk.md").read_text(encoding="utf-8")
    md = MarkdownIt("commonmark").enable("table")
    assert [t.type for t in md.parse(translated)] == [t.type for t in md.parse(MARKDOWN)]
    for kept in ("---\ntitle: Talks\n---\n", '```python\nprint("code is kept")\n```', "(https://example.org/talks",
                 "<div>An HTML block is kept.</div>", "`first`", "|------|------|"):  # fmt: skip
        assert kept in translated
    for r in records:  # every code of a sentence is back in its translation, by the model's placeholders
        assert [c["id"] for c in r.get("src_codes", [])] == sorted(c["id"] for c in r.get("tgt_codes", []))
        assert not any(c.get("by_rule") for c in r.get("tgt_codes", [])) and "(1)" not in r["tgt"]
    # each block's translation is the one of its own sentence (the copying model gives distinct outputs)
    tokens = md.parse(translated)
    h1 = next(i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1")
    assert tokens[h1 + 1].content == records[0]["tgt"]
    report = json.loads((out / "talks.en-uk.report.json").read_text(encoding="utf-8"))
    assert report["document"]["reader"] == "markdown" and report["document"]["title"] == "Talks resume in Geneva"
    assert report["qa"]["counts"]["tag_mismatch"] == 0


def test_a_document_without_translatable_text_is_one_line(
    tmp_path: Path, en_uk_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "code.md"
    src.write_text("```\nonly code\n```\n", encoding="utf-8")
    args = ["-q", "translate", "--lang", "uk", "--model", str(en_uk_model), "--input", str(src), "--out",
            str(tmp_path / "out"), *SETTINGS]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"pipeline: error: input file {src} has no translatable text; check its content"
    assert not (tmp_path / "out").exists()


def test_paragraph_units_are_refused_for_documents(
    tmp_path: Path, en_uk_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "talks.md"
    src.write_text(MARKDOWN, encoding="utf-8")
    args = ["-q", "translate", "--lang", "uk", "--model", str(en_uk_model), "--input", str(src), "--out",
            str(tmp_path / "out"), *SETTINGS, "--set", "translate.unit=paragraph"]  # fmt: skip
    assert main(args) == 2
    assert "a markdown document is translated sentence by sentence" in capsys.readouterr().err


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Talks resume</title>
<meta name="description" content="Talks resume in Geneva.">
<style>p { color: red; }</style><script>var talks = "not translated";</script></head>
<body><h1>Talks resume in Geneva</h1>
<p>The talks began on <b>Monday</b> in Geneva.<br>Both sides met for <a href="/h?a=1&amp;b=2">three hours</a>.</p>
<p class="notranslate">Keep this as it is.</p>
<ul><li>The second round starts in May.</li><li>Observers expect a <i>long</i> process.</li></ul>
<img src="map.png" alt="A map of Geneva">
<pre>preformatted text</pre>
</body></html>
"""


def test_html_through_translate(tmp_path: Path, en_uk_model: Path) -> None:
    import lxml.etree as etree
    import lxml.html

    out, records = _run(tmp_path, en_uk_model, "talks.html", PAGE)
    srcs = [r["src"] for r in records]
    want = ["Talks resume", "Talks resume in Geneva.", "The talks began on Monday in Geneva."]
    want += ["Both sides met for three hours.", "The second round starts in May.", "A map of Geneva"]
    assert all(sentence in srcs for sentence in want), srcs
    assert not any("Keep this" in s or "preformatted" in s or "not translated" in s for s in srcs)
    translated = (out / "talks.uk.html").read_text(encoding="utf-8")
    for kept in ('<script>var talks = "not translated";</script>', "<style>p { color: red; }</style>",
                 '<p class="notranslate">Keep this as it is.</p>', "<pre>preformatted text</pre>",
                 'href="/h?a=1&amp;b=2"', '<img src="map.png"'):  # fmt: skip
        assert kept in translated

    def shape(page: str) -> list[tuple[str, dict[str, str]]]:
        tree = lxml.html.fromstring(page)
        keep = ("href", "src", "class", "charset", "name", "lang")
        return [
            (el.tag, {k: v for k, v in el.attrib.items() if k in keep}) for el in tree.iter() if isinstance(el.tag, str)
        ]

    assert shape(translated) == shape(PAGE)  # every element and attribute, in the same order
    first = next(r for r in records if r["src"] == "The talks began on Monday in Geneva.")
    assert [c["kind"] for c in first["src_codes"]] == ["bold", "br"] and len(first["tgt_codes"]) == 2
    assert first["tgt"] in lxml.html.fromstring(translated).text_content()  # its translation is in the page
    tmx = etree.parse(str(out / "talks.en-uk.tmx"))
    assert tmx.xpath("//bpt") and tmx.xpath("//ept") and tmx.xpath("//ph[@x]")
    xliff = (out / "talks.en-uk.xlf").read_text(encoding="utf-8")
    assert 'datatype="html"' in xliff and "<g id=" in xliff
