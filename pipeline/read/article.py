"""A web page's article (``read.html.extract: article``): the main content, found by trafilatura, as a clean page.

The page's main content is found by a well-kept extraction library (trafilatura) instead of hand-written rules;
navigation, menus, share bars, adverts, related-story lists, newsletter boxes, comment sections and footers are
left out. The article becomes a clean HTML page (its title, headings, paragraphs, lists and tables, with the
inline formatting and links trafilatura keeps), read by the HTML reader in document mode: its blocks are what is
translated, and it is the translated document written back. Every block of the page (read in document mode) whose
text is not in the article is reported as dropped furniture; the title, author, date, site and URL the page
declares are the document's metadata.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Protocol

from pipeline.errors import InputError
from pipeline.read.base import Block, SourceDocument
from pipeline.records import Dropped

__all__ = ["ArticleReader"]

_SPACE = re.compile(r"\s+")
#: blocks of a page that can be furniture (attributes and the head's title and description are not reported)
_CONTENT_KINDS = frozenset({"heading", "paragraph", "list_item", "table_cell", "caption", "quote", "other"})


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


class PageReader(Protocol):
    """What article mode needs of the HTML reader in document mode."""

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument: ...

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes: ...


class ArticleReader:
    """The HTML reader in article mode (chosen by :func:`pipeline.read.html.make_reader`)."""

    name = "html"
    extensions = (".html", ".htm")

    def __init__(self, page: PageReader) -> None:
        self.page = page  # the HTML reader in document mode: the page, and the clean article page

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        import trafilatura

        page = self.page.read(data, where=where, lang=lang)  # the decoding, the limits and their errors
        body = trafilatura.extract(
            data, output_format="html", include_formatting=True, include_links=True, include_tables=True,
            include_comments=False, include_images=False, favor_precision=True,
        )  # fmt: skip
        if not body:
            raise InputError(
                f"no article found in {where}: the page's main content could not be told from the rest",
                "translate the whole page with --set read.html.extract=document",
            )
        meta = trafilatura.extract_metadata(data)
        metadata = {
            k: str(v) for k in ("title", "author", "date", "sitename", "url") if (v := getattr(meta, k, None))
        }  # trafilatura's Document: attributes, None where the page declares nothing
        title = metadata.get("title") or page.metadata.get("title", "")
        clean = _page(title, body)
        article = self.page.read(clean.encode("utf-8"), where=where, lang=lang)
        return SourceDocument(
            "html",
            "html",
            blocks=article.blocks,
            encoding=article.encoding,
            skeleton=article.skeleton,
            metadata={**page.metadata, **metadata},
            dropped=_furniture(page.blocks, article.blocks),
        )

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes:
        return self.page.write(doc, blocks)


def _page(title: str, body_html: str) -> str:
    """A clean UTF-8 page around trafilatura's article body."""
    inner = re.sub(r"(?is)^\s*<html>\s*<body>|</body>\s*</html>\s*$", "", body_html).strip()
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title, quote=False)}</title>\n</head>\n<body>\n<article>\n{inner}\n</article>\n"
        "</body>\n</html>\n"
    )


def _furniture(page: Sequence[Block], article: Sequence[Block]) -> tuple[Dropped, ...]:
    """The page's content blocks whose text the article does not have, in page order."""
    kept = " \n ".join(_norm(b.text) for b in article)
    dropped = []
    for n, b in enumerate(page):
        text = _norm(b.text)
        if b.kind in _CONTENT_KINDS and text and text not in kept:
            shown = " ".join(b.text.split())
            dropped.append(Dropped(shown, 0, len(b.text), n, "furniture: not the page's main content (trafilatura)"))
    return tuple(dropped)
