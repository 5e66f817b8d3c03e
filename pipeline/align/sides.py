"""One document's sentences as the aligner sees them: character lengths, embeddings, anchor vectors.

A :class:`Side` holds per-sentence features at one resolution; :func:`coarsen` merges runs of
consecutive sentences for the coarse levels of the search (lengths and embeddings summed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.align.search import downsample


@dataclass
class Side:
    """Per-sentence features of one document, at one resolution."""

    lengths: np.ndarray  # (n,) float64, characters without whitespace (>= 1)
    emb: np.ndarray | None = None  # (n, d) float32, centred and L2-normalised, or None
    anc: np.ndarray | None = None  # (n, h) float32 hashed anchor vectors, or None (coarse levels)

    @property
    def n(self) -> int:
        return int(self.lengths.shape[0])


def char_lengths(texts: Sequence[str]) -> np.ndarray:
    """Characters without whitespace, at least 1 (so ratios are defined)."""
    return np.array([max(1, sum(1 for ch in t if not ch.isspace())) for t in texts], dtype=np.float64)


def coarsen(side: Side, factor: int = 2) -> Side:
    """The same document with groups of ``factor`` consecutive sentences merged (for coarse search)."""
    emb = None
    if side.emb is not None:
        e = downsample(side.emb, factor)
        nrm = np.linalg.norm(e, axis=1, keepdims=True)
        nrm[nrm < 1e-6] = 1.0
        emb = (e / nrm).astype(np.float32)
    return Side(lengths=downsample(side.lengths, factor), emb=emb, anc=None)
