"""What a translation backend is (the protocol every registered backend implements) and what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Output", "Translator"]


@dataclass(frozen=True)
class Output:
    """One translated unit: target text and the model's confidence (exp of mean token log-prob).

    ``error`` is set (and ``text`` empty) when this unit could not be translated: the reason, for the
    run report. Such outputs are never cached.
    """

    text: str
    score: float | None
    error: str | None = None


class Translator(Protocol):
    name: str  # backend id with version, e.g. "transformers-5.2"
    model_id: str
    model_revision: str
    device: str

    def translate(self, texts: Sequence[str]) -> list[Output]: ...
