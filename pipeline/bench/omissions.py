"""The omission/addition benchmark: dev documents with planted omissions and additions, and null-bead scores.

:func:`plant_omissions` turns a gold-aligned dev set into one where the translation leaves sentences out
and adds some, with the gold updated to match (``bench-align --omissions``). Per document, seeded:

* 5% of the target sentences that sit in 1-1 gold beads are removed: their source sentences become 1-0
  beads (an omission by the translator);
* 5% of the source sentences of other 1-1 beads are removed: their target sentences become 0-1 beads
  (an addition by the translator);
* 3% foreign sentences are inserted on each side, between gold beads, as 1-0 / 0-1 beads: sentences of
  the same language from another document of the set (the next one; in a set of one document, from the
  other half of the same document, as far from the insertion point as it can be).

:func:`pipeline.align.metrics.null_scores` scores the null beads (1-0 and 0-1): a predicted null bead is
right only where the gold has the same bead, so a sentence merged into a neighbouring bead is a miss.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.align.metrics import Bead
from pipeline.bench.align import DevDoc, DevSet

#: fraction of the 1-1 beads whose target (then, of other beads, whose source) is removed
REMOVE_FRACTION = 0.05
#: foreign sentences inserted on each side, as a fraction of that side's sentences
INSERT_FRACTION = 0.03


@dataclass(frozen=True)
class Planted:
    """What was planted in one set: sentences removed from each side, foreign sentences inserted per side."""

    removed_tgt: int = 0
    removed_src: int = 0
    inserted_src: int = 0
    inserted_tgt: int = 0

    def __add__(self, other: Planted) -> Planted:
        return Planted(
            self.removed_tgt + other.removed_tgt,
            self.removed_src + other.removed_src,
            self.inserted_src + other.inserted_src,
            self.inserted_tgt + other.inserted_tgt,
        )

    def line(self) -> str:
        return (
            f"{self.removed_tgt} targets and {self.removed_src} sources removed, "
            f"{self.inserted_src} + {self.inserted_tgt} foreign sentences inserted"
        )


# one gold bead with its text: (source sentences, target sentences)
_TextBead = tuple[list[str], list[str]]


def _foreign(docs: Sequence[DevDoc], k: int, side: str, at: float, rng: np.random.Generator) -> str:
    """A sentence of ``side`` ("src"/"tgt") from another document than ``docs[k]`` (or its far half)."""
    if len(docs) > 1:
        other = docs[(k + 1) % len(docs)]
        pool = other.src if side == "src" else other.tgt
        return pool[int(rng.integers(0, len(pool)))]
    pool = docs[k].src if side == "src" else docs[k].tgt
    n = len(pool)
    centre = int((at + 0.5) % 1.0 * n)  # half a document away from the insertion point
    lo, hi = max(0, centre - n // 8), min(n, centre + n // 8 + 1)
    return pool[int(rng.integers(lo, hi))]


def plant_document(docs: Sequence[DevDoc], k: int, seed: int) -> tuple[DevDoc, Planted]:
    """Document ``docs[k]`` with omissions and additions planted (see the module docstring)."""
    doc = docs[k]
    rng = np.random.default_rng([seed, zlib.crc32(doc.name.encode("utf-8"))])
    beads: list[_TextBead] = [([doc.src[i] for i in s], [doc.tgt[j] for j in t]) for s, t in doc.gold]
    ones = [b for b, (s, t) in enumerate(doc.gold) if len(s) == 1 and len(t) == 1]
    n_rm = int(round(REMOVE_FRACTION * len(ones)))
    chosen = rng.permutation(ones)[: 2 * n_rm] if ones else np.zeros(0, dtype=np.int64)
    for b in chosen[:n_rm]:
        beads[int(b)] = (beads[int(b)][0], [])  # the translator left this sentence out
    for b in chosen[n_rm:]:
        beads[int(b)] = ([], beads[int(b)][1])  # the translator added this one
    n_src, n_tgt = int(round(INSERT_FRACTION * len(doc.src))), int(round(INSERT_FRACTION * len(doc.tgt)))
    inserts: list[tuple[int, _TextBead]] = []
    for side, count in (("src", n_src), ("tgt", n_tgt)):
        for _ in range(count):
            at = int(rng.integers(0, len(beads) + 1))
            text = _foreign(docs, k, side, at / max(1, len(beads)), rng)
            inserts.append((at, ([text], []) if side == "src" else ([], [text])))
    for at, bead in sorted(inserts, key=lambda x: x[0], reverse=True):
        beads.insert(at, bead)
    src: list[str] = []
    tgt: list[str] = []
    gold: list[Bead] = []
    for s_text, t_text in beads:
        s_idx = tuple(range(len(src), len(src) + len(s_text)))
        t_idx = tuple(range(len(tgt), len(tgt) + len(t_text)))
        src += s_text
        tgt += t_text
        if s_idx or t_idx:
            gold.append((s_idx, t_idx))
    planted = Planted(len(chosen[:n_rm]), len(chosen[n_rm:]), n_src, n_tgt)
    return DevDoc(doc.name, src, tgt, gold), planted


def plant_omissions(ds: DevSet, seed: int = 0) -> tuple[DevSet, Planted]:
    """The dev set with omissions and additions planted in every document, and what was planted."""
    docs = []
    total = Planted()
    for k in range(len(ds.docs)):
        d, p = plant_document(ds.docs, k, seed)
        docs.append(d)
        total = total + p
    return DevSet(f"{ds.name}+omissions", ds.src_lang, ds.tgt_lang, docs), total
