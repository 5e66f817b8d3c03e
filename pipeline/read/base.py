"""What a reader is (the protocol every registered input format implements) and the document it returns.

A reader turns a file's bytes into a :class:`SourceDocument`: the translatable text as :class:`Block` s (a
heading, a paragraph, a list item, a table cell, an attribute, ...) whose text carries its inline markup as
stand-off :class:`InlineCode` s, and a skeleton: whatever the reader needs to write the document back with
every block's text replaced by its translation (:meth:`Reader.write`). Plain text is one reader: its document
is the whole text (``text``), segmented as it always was, and it writes no document back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipeline.records import Dropped, InlineCode

__all__ = ["Block", "InlineCode", "Reader", "SourceDocument"]


@dataclass(frozen=True)
class Block:
    """One piece of translatable text of a document, with its inline codes (sorted by ``start``, then ``id``)."""

    id: int
    kind: str  # title, heading, paragraph, list_item, table_cell, caption, quote, attribute, meta, ...
    text: str
    codes: tuple[InlineCode, ...] = ()

    def __post_init__(self) -> None:
        for c in self.codes:
            if c.end > len(self.text):
                raise ValueError(f"block {self.id}: inline code {c.id} ends after the text ({c.end}>{len(self.text)})")


@dataclass(frozen=True)
class SourceDocument:
    """A document as a reader found it: its blocks, and what it takes to write it back."""

    reader: str  # the reader's name (``text``, ``html``, ``markdown``)
    datatype: str  # what XLIFF calls the document's type: plaintext, html, x-markdown
    blocks: tuple[Block, ...] = ()
    text: str | None = None  # a plain-text document: the whole text (segmented into paragraphs and sentences)
    encoding: str = "utf-8"  # what the input was decoded with
    skeleton: Any = None  # the reader's own: what :meth:`Reader.write` needs besides the translated blocks
    metadata: Mapping[str, str] = field(default_factory=dict)  # title, author, date, url the document declares
    dropped: tuple[Dropped, ...] = ()  # parts left out on purpose (page furniture), reported


class Reader(Protocol):
    """An input format: bytes -> :class:`SourceDocument` -> translated bytes."""

    name: str
    extensions: tuple[str, ...]  # the file name endings it is chosen for (``.html``); lower case, with the dot

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        """The document in ``data``, written in ``lang`` (``where`` names it in errors: a file name).

        Untrusted input: nothing is fetched (no external entities, DTDs, stylesheets or images); a document
        that cannot be read raises :class:`pipeline.errors.InputError` naming ``where`` and the fix.
        """
        ...

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes | None:
        """``doc`` with each block's text and codes replaced by ``blocks[i]``'s (same ids, same order; codes at
        offsets of the new text); None for a format that writes no document back (plain text)."""
        ...
