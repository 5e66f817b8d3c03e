"""What a segmenter is (the protocol every registered segmenter implements)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Segmenter"]


@runtime_checkable
class Segmenter(Protocol):
    """Splits text into sentence spans."""

    name: str  # versioned, e.g. "rules-en.v2"; goes into output signatures
    lang: str

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans (offsets into ``text``, whitespace trimmed, strictly increasing)."""
        ...
