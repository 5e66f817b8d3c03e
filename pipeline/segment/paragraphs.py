"""Paragraph and line splitting with exact character offsets."""

from __future__ import annotations

import re

# A paragraph break: a newline followed by one or more whitespace-only lines (or U+2029).
_PARA_SEP = re.compile(r"\n(?:[^\S\n]*\n)+|\u2029")
_LINE_SEP = re.compile(r"\n")


def trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Shrink ``[start, end)`` to exclude surrounding whitespace; None when nothing is left."""
    seg = text[start:end]
    stripped = seg.lstrip()
    if not stripped:
        return None
    lead = len(seg) - len(stripped)
    return start + lead, start + len(seg.rstrip())


def _split(text: str, sep: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in sep.finditer(text):
        span = trim(text, pos, m.start())
        if span is not None:
            spans.append(span)
        pos = m.end()
    span = trim(text, pos, len(text))
    if span is not None:
        spans.append(span)
    return spans


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans (trimmed, non-empty): blocks separated by one or more blank lines."""
    return _split(text, _PARA_SEP)


def split_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines of ``text`` (trimmed)."""
    return _split(text, _LINE_SEP)
