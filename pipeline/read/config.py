"""The ``read:`` section of the configuration, and the readers it can name (input formats)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import Field, field_validator

from pipeline.read.base import Reader
from pipeline.registry import Registry
from pipeline.settings import Section

#: ``read.format``: name -> ``"module:attr"`` of a factory ``(read_cfg) -> Reader`` (:mod:`pipeline.registry`).
#: With ``read.format: auto`` the reader is chosen by the input file's extension (:attr:`Reader.extensions`).
READERS: Registry[Callable[[ReadConfig], Reader]] = Registry(
    "readers",
    "input format",
    "read.format",
    {
        "text": "pipeline.read.text:make_reader",
        "html": "pipeline.read.html:make_reader",
        "markdown": "pipeline.read.markdown:make_reader",
        "docx": "pipeline.read.docx:make_reader",
    },
)


class HtmlConfig(Section):
    extract: Literal["document", "article"] = Field(
        "document",
        description="document: every translatable text of the page is translated in place (element text, alt/title/"
        "placeholder/aria-label, <title>, meta description); article: the page's main content only, found by an "
        "extraction library, navigation and other furniture left out and reported",
    )


class ReadConfig(Section):
    """How input documents are read (``--input-format`` sets ``read.format``)."""

    format: str = Field(
        "auto",
        description="the input format: auto (by the file's extension: .html/.htm html, .md/.markdown markdown, "
        "anything else text), or a reader's name: text, html, markdown",
    )
    html: HtmlConfig = Field(default_factory=lambda: HtmlConfig(), description="HTML pages")

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        return v if v == "auto" else READERS.check(v)
