"""Plain text: the whole text is the document (paragraphs at blank lines, sentences within them), as it always
was; a legacy encoding of the language's script is recognised; no document is written back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import InputError
from pipeline.io import decode_bytes_encoding
from pipeline.read.base import Block, SourceDocument
from pipeline.read.config import ReadConfig

__all__ = ["TextReader", "make_reader"]


class TextReader:
    name = "text"
    extensions = (".txt",)

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        text, encoding = decode_bytes_encoding(data, Path(where), what="input file", lang=lang)
        if not text.strip():
            raise InputError(f"input file is empty: {where}", "give a file that contains text")
        return SourceDocument("text", "plaintext", text=text, encoding=encoding)

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes | None:
        return None


def make_reader(cfg: ReadConfig) -> TextReader:
    return TextReader()
