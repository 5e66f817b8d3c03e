"""A web page's article (read.html.extract=article) and an http(s) --input, fetched from a server on the loopback
address: the main content only, the furniture reported, the page's metadata in the report, one-line errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import InputError
from pipeline.read import READERS
from pipeline.read.fetch import fetch, url_stem

pytest.importorskip("trafilatura")

PAGE = """<!DOCTYPE html>
<html><head><title>Talks resume in Geneva</title><meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2026-03-01"><meta name="description" content="Talks again.">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li></ul></nav>
<div class="share">Share this article on social media</div>
<article><h1>Talks resume in Geneva</h1>
<p>The talks began on <b>Monday</b> in Geneva, officials from both delegations said on the record.</p>
<p>Both sides met for <a href="/hours">three hours</a> behind closed doors. The second round starts in May.</p>
<p>Observers expect a long process, with several rounds before any agreement is signed by the parties.</p>
</article>
<aside><h3>Related stories</h3><ul><li><a href="/a">Markets fall after the summit in Rome</a></li></ul></aside>
<div class="newsletter">Sign up for our daily newsletter</div>
<footer><p>Copyright 2026 The Daily Example. All rights reserved.</p></footer>
</body></html>
"""

ARTICLE = [
    "Talks resume in Geneva",
    "The talks began on Monday in Geneva, officials from both delegations said on the record.",
    "Both sides met for three hours behind closed doors.",
    "The second round starts in May.",
    "Observers expect a long process, with several rounds before any agreement is signed by the parties.",
]
SETTINGS = [
    "--set",
    "translate.cache=false",
    "--set",
    "align.aligner=length",
    "--set",
    "qa.fail_wrong_language_ratio=null",
]


class _Site(BaseHTTPRequestHandler):
    pages = {"/news/talks.html": ("text/html; charset=utf-8", PAGE.encode()), "/data.json": ("application/json", b"{}")}

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook
        if self.path == "/slow":
            time.sleep(2)  # longer than the client waits
            return
        kind, body = self.pages.get(self.path, ("", b""))
        if not kind:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _read(data: bytes, extract: str = "article") -> object:
    cfg = load_config(lang=None, overrides=[f"read.html.extract={extract}"]).read
    return READERS.load("html")(cfg).read(data, where="page.html", lang="en")


def test_article_mode_keeps_the_main_content_and_reports_the_furniture() -> None:
    doc = _read(PAGE.encode())
    texts = [b.text for b in doc.blocks]  # type: ignore[attr-defined]
    joined = " ".join(texts)
    for sentence in ARTICLE:
        assert sentence in joined
    for furniture in ("World news", "Share this article", "Related stories", "Markets fall", "newsletter", "Copyright"):
        assert furniture not in joined
    dropped = " ".join(d.text for d in doc.dropped)  # type: ignore[attr-defined]
    for furniture in ("World news", "Share this article", "Related stories", "Sign up for our daily newsletter"):
        assert furniture in dropped
    assert "The talks began" not in dropped
    meta = doc.metadata  # type: ignore[attr-defined]
    assert meta["title"] == "Talks resume in Geneva" and meta["author"] == "Jane Roe" and meta["date"] == "2026-03-01"
    codes = [c.kind for b in doc.blocks for c in b.codes]  # type: ignore[attr-defined]
    assert codes  # the bold word and the link survive the extraction as inline codes


def test_document_mode_keeps_everything() -> None:
    doc = _read(PAGE.encode(), "document")
    joined = " ".join(b.text for b in doc.blocks)  # type: ignore[attr-defined]
    assert "World news" in joined and "Copyright 2026" in joined and not doc.dropped  # type: ignore[attr-defined]


def test_a_page_without_an_article_is_one_line() -> None:
    with pytest.raises(InputError, match="no article found in page.html"):
        _read(b"<html><head><title>x</title></head><body><script>var a = 1;</script><img src='a.png'></body></html>")


def test_a_web_address_is_fetched_and_translated_as_an_article(site: str, tmp_path: Path, en_uk_model: Path) -> None:
    url = f"{site}/news/talks.html"
    out = tmp_path / "out"
    args = [
        "-q",
        "translate",
        "--lang",
        "uk",
        "--model",
        str(en_uk_model),
        "--input",
        url,
        "--out",
        str(out),
        *SETTINGS,
    ]
    assert main(args) == 0
    records = [json.loads(x) for x in (out / "talks.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["src"] for r in records] == [ARTICLE[0], *ARTICLE]  # the clean page's <title>, then the article
    report = json.loads((out / "talks.en-uk.report.json").read_text(encoding="utf-8"))
    assert report["document"]["title"] == "Talks resume in Geneva" and report["input"] == url
    assert report["document"]["author"] == "Jane Roe" and report["document"]["date"] == "2026-03-01"
    assert any("Related stories" in d["text"] for d in report["dropped"])
    declared = {k: v for k, v in report["document"].items() if k not in ("reader", "blocks")}
    assert all(r["document"] == declared for r in records) and declared["url"] == url  # on every JSONL record
    page = (out / "talks.uk.html").read_text(encoding="utf-8")
    assert page.count("<p>") >= 3 and "<nav" not in page and "Related stories" not in page


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.html", "the server answered 404"),
        ("/data.json", "is not a web page (content type application/json)"),
    ],
)
def test_a_bad_address_is_one_line(site: str, path: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fetch(site + path)


def test_limits(site: str) -> None:
    with pytest.raises(InputError, match="larger than 0 MB"):
        fetch(f"{site}/news/talks.html", max_bytes=100)
    with pytest.raises(InputError, match="did not answer within 0.5 s|cannot be fetched: timed out"):
        fetch(f"{site}/slow", timeout=0.5)
    with pytest.raises(InputError, match="cannot be fetched"):
        fetch("http://127.0.0.1:9/")  # nothing listens on the discard port


def test_url_stem() -> None:
    assert url_stem("https://example.org/news/2026/talks-resume.html?x=1") == "talks-resume"
    assert url_stem("https://example.org/") == "example.org"
