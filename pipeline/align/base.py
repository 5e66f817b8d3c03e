"""What an aligner is (the protocol every registered aligner implements)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pipeline.records import Link

if TYPE_CHECKING:
    import numpy as np

__all__ = ["AlignTimes", "Aligner", "Embedder"]


@dataclass
class AlignTimes:
    """Where the time of the last :meth:`Aligner.align` call went (seconds) and how much was embedded."""

    embed: float = 0.0
    search: float = 0.0
    embedded: int = 0
    runs: int = 0  # multi-sentence runs asked for as joined text (multi=concat-near-path)


@runtime_checkable
class Aligner(Protocol):
    """Aligns two sentence lists; ``name`` is versioned and goes into output signatures."""

    #: seconds spent loading models over all calls (a run's profile shows it as embedder_load)
    load_seconds: float
    #: where the last call's time went (bench-align's breakdown)
    times: AlignTimes

    @property
    def name(self) -> str: ...

    def align(self, src: Sequence[str], tgt: Sequence[str], *, src_lang: str, tgt_lang: str) -> list[Link]: ...


class Embedder(Protocol):
    name: str
    version: str
    dim: int
    #: languages the model was trained on, or None when unknown / very many
    languages: frozenset[str] | None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array (len(texts), dim) float32 of L2-normalised embeddings."""
        ...
