"""Placeholders that carry something through a translator: ``(1)``, ``(2)``, ... (glossary terms, inline codes).

One syntax and one numbering for everything protected in a text, so two kinds of placeholders never collide:
each new number skips those already written as ``(n)`` in the text (by the author or by another protector).

Why ``(n)``: the placeholder must survive SentencePiece on both sides and be something the model copies. A
parenthesised number is made of ASCII digits and brackets, which every OPUS-MT SentencePiece model has on
both sides (the real opus-mt-en-uk source model even has ``▁(1)`` as one piece, shared with the target
vocabulary), and enumerators such as ``(1)`` are copied verbatim throughout OPUS's legal and UN data. Square
brackets are not in the seed-trained test models' vocabularies at all, and Latin capitals (``XTERM``) are
transliterated into Cyrillic or Hangul by en-uk/en-ru/en-ko models. A placeholder is found again with spaces
or full-width brackets around the number (``( 1 )``, ``（1）``).
"""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = ["PLACEHOLDER", "free_numbers", "placeholder_pattern"]

#: How placeholder ``n`` is written into a source text.
PLACEHOLDER = "({n})"

_OPEN = "[(\uff08]"
_CLOSE = "[)\uff09]"


def placeholder_pattern(n: int) -> re.Pattern[str]:
    """What counts as placeholder ``n`` in a translation (spaces inside, full-width brackets)."""
    return re.compile(rf"{_OPEN}\s*{n}\s*{_CLOSE}")


def free_numbers(text: str, count: int, taken: Collection[int] = ()) -> list[int]:
    """``count`` placeholder numbers from 1 up, skipping ``taken`` and any number written as ``(n)`` in ``text``."""
    out: list[int] = []
    n = 0
    while len(out) < count:
        n += 1
        if n not in taken and not placeholder_pattern(n).search(text):
            out.append(n)
    return out
