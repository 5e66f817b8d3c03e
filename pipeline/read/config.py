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
        "srt": "pipeline.read.srt:make_reader",
        "vtt": "pipeline.read.vtt:make_reader",
    },
)


class HtmlConfig(Section):
    extract: Literal["document", "article"] = Field(
        "document",
        description="document: every translatable text of the page is translated in place (element text, alt/title/"
        "placeholder/aria-label, <title>, meta description); article: the page's main content only, found by an "
        "extraction library, navigation and other furniture left out and reported",
    )


class SrtConfig(Section):
    """Subtitles (SRT and WebVTT): how each cue's translation is laid out, and the limits of the cue_too_long and
    cue_too_fast flags (the defaults are Netflix's timed-text guidelines for adult programmes in many languages;
    set a target language's own, e.g. for Korean, in its configs/<lang>.yaml)."""

    max_line_length: int = Field(
        42,
        ge=10,
        le=200,
        description="characters a subtitle line may hold: each cue's translation is wrapped to lines of at most "
        "this many characters where its words allow (a longer word, or more text than max_lines such lines hold, "
        "is flagged cue_too_long)",
    )
    max_lines: int = Field(
        2,
        ge=1,
        le=10,
        description="lines a cue may have: more text than this many lines of max_line_length is set in this many "
        "longer lines and flagged cue_too_long",
    )
    max_cps: float = Field(
        17.0,
        gt=0.0,
        le=100.0,
        description="characters a second a viewer is given to read (spaces counted, line breaks not): a cue whose "
        "translation has more for its duration is flagged cue_too_fast",
    )


class ReadConfig(Section):
    """How input documents are read (``--input-format`` sets ``read.format``)."""

    format: str = Field(
        "auto",
        description="the input format: auto (by the file's extension: .html/.htm html, .md/.markdown markdown, "
        ".docx docx, .srt srt, .vtt vtt, anything else text), or a reader's name: text, html, markdown, docx, srt, "
        "vtt",
    )
    html: HtmlConfig = Field(default_factory=lambda: HtmlConfig(), description="HTML pages")
    srt: SrtConfig = Field(default_factory=lambda: SrtConfig(), description="subtitles: SRT and WebVTT")

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        return v if v == "auto" else READERS.check(v)
