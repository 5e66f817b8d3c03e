"""Aligner benchmarks: accuracy on gold dev sets, and speed/memory on a large synthetic document pair.

Dev sets, in either of two layouts (one sentence per line, gold beads in Vecalign's format):

* align-dev's: ``<dir>/<set>/<doc>.src|.tgt``, ``<doc>.gold`` and ``<set>/meta.json`` (``src_lang``,
  ``tgt_lang``);
* the project's reference translations' (``tests/data``): ``<dir>/<doc>.<src>.txt``, ``<doc>.<tgt>.txt`` and
  ``<doc>.<src>-<tgt>.gold``; each language pair is a set of its own, named ``<doc>.<src>-<tgt>``.

Nothing here prints; the command formats the results.

Systems scored against each other on a set (the hybrid aligner per embedder, the length-only baseline) must
have aligned the same input: :func:`require_same_input` compares, per document, the sentences each system was
given (a digest of both sides) and how many of them its alignment accounts for (every sentence of each side
once, in a bead or a 1-0/0-1 bead), and stops the benchmark with
:class:`~pipeline.bench.equal.BenchMismatch` naming the two systems and the first differing document. The
alignments themselves legitimately differ (that is what is scored).
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.align.config import AlignConfig
from pipeline.align.metrics import Bead, NullScores, Scores, links_to_beads, null_scores, parse_beads, score_alignments
from pipeline.bench.equal import BenchMismatch
from pipeline.errors import InputError
from pipeline.qa.config import LowScoreCheck


@dataclass
class DevDoc:
    name: str
    src: list[str]
    tgt: list[str]
    gold: list[Bead]


@dataclass
class DevSet:
    name: str
    src_lang: str
    tgt_lang: str
    docs: list[DevDoc]


@dataclass
class RunResult:
    set_name: str
    system: str
    scores: Scores
    embed_s: float
    search_s: float
    embedded: int
    docs: int
    runs: int = 0  # joined-text runs asked for by multi=concat-near-path
    nulls: NullScores = NullScores(0, 0, 0)  # precision / recall of the 1-0 and 0-1 beads
    #: per document: (name, digest of its sentences, source sentences, target sentences, source and target
    #: sentences the alignment accounts for, each once)
    inputs: tuple[tuple[str, str, int, int, int, int], ...] = ()


def _digest(doc: DevDoc) -> str:
    return hashlib.sha256("\n".join([*doc.src, "\0", *doc.tgt]).encode("utf-8")).hexdigest()[:12]


def _accounted(beads: Sequence[Bead], n: int, side: int) -> int:
    """How many of the ``n`` sentences of one side the beads hold, counting only those held exactly once."""
    seen = [i for bead in beads for i in bead[side]]
    return sum(1 for i in range(n) if seen.count(i) == 1)


def require_same_input(a: RunResult, b: RunResult) -> None:
    """Raise :class:`BenchMismatch` unless ``a`` and ``b`` aligned the same documents, with the same sentences,
    and each accounted for the same sentences (all of them, once). What must be equal between two aligners
    scored on one set; their links may differ."""
    head = f"aligner benchmark systems {a.system} and {b.system} ({a.set_name})"
    fix = "nothing is compared: score every system on the same documents, and keep every sentence in its alignment"
    if len(a.inputs) != len(b.inputs):
        raise BenchMismatch(f"{head} aligned {len(a.inputs)} and {len(b.inputs)} documents", fix)
    for x, y in zip(a.inputs, b.inputs, strict=True):
        if x[:4] != y[:4]:
            raise BenchMismatch(
                f"{head} were given different input: document {x[0]!r} ({x[2]} source / {x[3]} target sentences, "
                f"digest {x[1]}) and {y[0]!r} ({y[2]} / {y[3]}, digest {y[1]})",
                fix,
            )
        if x[4:] != y[4:]:
            raise BenchMismatch(
                f"{head} account for different sentences of document {x[0]!r} ({x[2]} source / {x[3]} target): "
                f"{a.system} for {x[4]} / {x[5]}, {b.system} for {y[4]} / {y[5]}",
                fix,
            )


def _lines(p: Path) -> list[str]:
    return p.read_text(encoding="utf-8").splitlines()


def load_dev_sets(root: Path, names: Sequence[str] | None = None) -> list[DevSet]:
    """All (or the named) dev sets under ``root``; InputError if the folder or a named set is missing."""
    if not root.is_dir():
        raise InputError(f"dev-set folder not found: {root}", "pass --dev-dir pointing at align-dev")
    sets = _pair_gold_sets(root)
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        if names and d.name not in names:
            continue
        meta_p = d / "meta.json"
        if not meta_p.is_file():
            continue
        meta = json.loads(meta_p.read_text(encoding="utf-8"))
        docs = []
        for g in sorted(d.glob("*.gold")):
            stem = g.with_suffix("")
            docs.append(
                DevDoc(
                    stem.name,
                    _lines(stem.with_suffix(".src")),
                    _lines(stem.with_suffix(".tgt")),
                    parse_beads(g.read_text(encoding="utf-8")),
                )
            )
        sets.append(DevSet(d.name, str(meta.get("src_lang", "xx")), str(meta.get("tgt_lang", "yy")), docs))
    if names:
        sets = [s for s in sets if s.name in names]
    missing = set(names or ()) - {s.name for s in sets}
    if missing:
        raise InputError(f"dev set(s) not found in {root}: {', '.join(sorted(missing))}", "check --sets")
    if not sets:
        raise InputError(
            f"no dev sets in {root} (folders with meta.json, or <doc>.<src>-<tgt>.gold files)",
            "pass --dev-dir pointing at align-dev",
        )
    return sets


def _pair_gold_sets(root: Path) -> list[DevSet]:
    """One set per ``<doc>.<src>-<tgt>.gold`` file whose two ``<doc>.<lang>.txt`` files are beside it."""
    sets = []
    for g in sorted(root.glob("*.gold")):
        doc, _, pair = g.stem.rpartition(".")
        src_lang, _, tgt_lang = pair.partition("-")
        src_p, tgt_p = root / f"{doc}.{src_lang}.txt", root / f"{doc}.{tgt_lang}.txt"
        if not (doc and src_lang and tgt_lang and src_p.is_file() and tgt_p.is_file()):
            continue
        gold = parse_beads(g.read_text(encoding="utf-8"))
        sets.append(DevSet(g.stem, src_lang, tgt_lang, [DevDoc(doc, _lines(src_p), _lines(tgt_p), gold)]))
    return sets


def published_figures(root: Path) -> list[str]:
    """The README's "Published figures" section, read at run time (never copied into the project)."""
    readme = root / "README.md"
    if not readme.is_file():
        return []
    out: list[str] = []
    on = False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            on = "published" in line.lower()
            continue
        if on and line.strip():
            out.append(line.rstrip())
    return out


def run_dev_set(ds: DevSet, cfg: AlignConfig, system: str) -> RunResult:
    from pipeline.align import get_aligner

    aligner = get_aligner(cfg)
    gold, test, linked = [], [], []
    embed_s = search_s = 0.0
    embedded = 0
    runs = 0
    name = system
    inputs = []
    for doc in ds.docs:
        links = aligner.align(doc.src, doc.tgt, src_lang=ds.src_lang, tgt_lang=ds.tgt_lang)
        times = aligner.times
        embed_s += times.embed
        search_s += times.search
        embedded += times.embedded
        runs += times.runs
        gold.append(doc.gold)
        beads = links_to_beads(links)
        test.append(beads)
        linked.append(links)
        name = aligner.name
        n_src, n_tgt = len(doc.src), len(doc.tgt)
        inputs.append((doc.name, _digest(doc), n_src, n_tgt, _accounted(beads, n_src, 0), _accounted(beads, n_tgt, 1)))
    return RunResult(
        ds.name, name, score_alignments(gold, test), embed_s, search_s, embedded, len(ds.docs), runs,
        null_scores(gold, test, linked, low_score=LowScoreCheck().min_score), tuple(inputs),
    )  # fmt: skip


# --------------------------------------------------------------------------- synthetic speed benchmark


@dataclass
class Synthetic:
    src: list[str]
    tgt: list[str]
    src_emb: np.ndarray
    tgt_emb: np.ndarray
    gold: list[Bead]


def make_synthetic(n: int, dim: int = 384, seed: int = 0, noise: float = 1.0) -> Synthetic:
    """A document pair of about n x n sentences with a known alignment.

    Beads are drawn 1-1 (85%), 1-2, 2-1 (5% each), 1-0, 0-1, 2-2 (~1.7% each). Source sentences are
    random "words" and random unit vectors; each target bead is the source bead's words through a fixed
    random dictionary (some dropped or added) and a noisy copy of the source bead's summed vector,
    split among its target sentences. Noise 1.0 gives cosines like a weak multilingual embedder.
    """
    rng = np.random.default_rng(seed)
    vocab = [f"w{k}" for k in range(5000)]
    trans = rng.permutation(len(vocab))
    types = [(1, 1), (1, 2), (2, 1), (1, 0), (0, 1), (2, 2)]
    probs = np.array([0.85, 0.05, 0.05, 0.0167, 0.0167, 0.0166])
    src: list[str] = []
    tgt: list[str] = []
    s_vecs: list[np.ndarray] = []
    t_vecs: list[np.ndarray] = []
    gold: list[Bead] = []
    while len(src) < n or len(tgt) < n:
        a, b = types[int(rng.choice(len(types), p=probs / probs.sum()))]
        if len(src) + a > n or len(tgt) + b > n:
            a, b = (1, 0) if len(src) < n else (0, 1)
        s_idx = tuple(range(len(src), len(src) + a))
        t_idx = tuple(range(len(tgt), len(tgt) + b))
        words: list[int] = []
        vec = np.zeros(dim)
        for _ in range(a):
            w = list(rng.integers(0, len(vocab), int(rng.integers(4, 30))))
            if rng.random() < 0.2:
                w.append(-int(rng.integers(1, 3000)))  # a number
            words += w
            v = rng.normal(size=dim)
            s_vecs.append(v / np.linalg.norm(v))
            vec += s_vecs[-1]
            src.append(" ".join(str(-x) if x < 0 else vocab[x] for x in w) + " .")
        if b:
            tw = [x if x < 0 else int(trans[x]) for x in words if rng.random() > 0.1]
            cuts = sorted(rng.choice(np.arange(1, max(2, len(tw))), size=b - 1, replace=False)) if b > 1 else []
            parts = np.split(np.array(tw, dtype=np.int64), cuts) if tw else [np.array([], dtype=np.int64)] * b
            for k in range(b):
                v = vec / max(float(np.linalg.norm(vec)), 1e-9) / np.sqrt(b) + noise * rng.normal(size=dim) / np.sqrt(
                    dim
                )
                t_vecs.append(v / np.linalg.norm(v))
                tgt.append(" ".join(str(-x) if x < 0 else vocab[x] for x in parts[k].tolist()) + " .")
        gold.append((s_idx, t_idx))
    return Synthetic(src, tgt, np.array(s_vecs, dtype=np.float32), np.array(t_vecs, dtype=np.float32), gold)


@dataclass
class SpeedResult:
    n_src: int
    n_tgt: int
    search_s: float
    peak_growth_mb: float
    peak_rss_mb: float
    levels: int
    cells: int
    scores: Scores
    level_sizes: list[tuple[int, int, int]] = field(default_factory=list)


def run_synthetic(syn: Synthetic, cfg: AlignConfig) -> SpeedResult:
    """Align the synthetic pair with its given embeddings: search time and peak memory of the search."""
    from pipeline.align.hybrid import SearchStats, align_features

    stats = SearchStats()
    before = _rss_mb()
    t0 = time.perf_counter()
    links = align_features(syn.src, syn.tgt, syn.src_emb, syn.tgt_emb, cfg, stats=stats)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return SpeedResult(
        len(syn.src), len(syn.tgt), secs, max(0.0, peak - before), peak, stats.levels, stats.cells,
        score_alignments([syn.gold], [links_to_beads(links)]), stats.level_sizes,
    )  # fmt: skip


def _rss_mb() -> float:
    """Current resident memory (MiB), from /proc where available, else the peak so far."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def embedding_rate(name: str, texts: Sequence[str], cfg: AlignConfig) -> tuple[float, int]:
    """Seconds to embed ``texts`` with a fresh (uncached) embedder, and how many were embedded.

    An ensemble (``a+b``) embeds with each of its models: the seconds are their sum."""
    from pipeline.align.config import EMBEDDERS
    from pipeline.align.embed import CachedEmbedder

    secs = 0.0
    for part in name.split("+"):
        inner = EMBEDDERS.load(part)(
            threads=cfg.threads,
            batch_size=cfg.embed_batch_size,
            model=cfg.st_model,
            device=cfg.st_device,
            revision=cfg.st_revision,
        )
        emb = CachedEmbedder(inner, cache_dir=None, max_chars=cfg.embed_max_chars)
        emb.embed(texts[:2])  # load the model outside the timing
        t0 = time.perf_counter()
        emb.embed(texts[2:])
        secs += time.perf_counter() - t0
    return secs, max(0, len(texts) - 2)
