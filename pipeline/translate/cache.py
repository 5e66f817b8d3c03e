"""A persistent translation cache (SQLite, stdlib) wrapped around any backend.

Every entry is keyed by a SHA-256 of the settings that decide a translation (backend and its version,
compute type, model id, hub revision or a fingerprint of a local folder's files, beams, length limits,
target prefix, ...) and the source text. :class:`CachedTranslator` answers hits from the database,
sends the misses to the wrapped backend and commits after every batch, so a rerun is instant and a
run killed midway resumes where it stopped.

Where: ``translate.cache_path``; null means ``$XDG_CACHE_HOME/opus-align-pipeline/translations.sqlite3``
(``~/.cache/...`` without ``XDG_CACHE_HOME``). Failures never make a wrong translation: a corrupt file
is moved aside and rebuilt, a database of another schema version is rebuilt, a foreign SQLite file is
left alone and the cache bypassed, and a write error (a full disk) turns the cache off for the rest of
the run. Each case is logged in one line.

The backends (:mod:`pipeline.translate.batching`) import :func:`model_fingerprint` (part of every key) from
here, never the other way round.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.fingerprint import folder_fingerprint
from pipeline.translate.base import Batches, Decoding, Output, TranslateStats, Translator

if TYPE_CHECKING:
    from pipeline.translate.config import TranslateConfig
    from pipeline.translate.models import ModelFiles

log = logging.getLogger(__name__)

APP = "opus-align-pipeline/translation-cache"
SCHEMA_VERSION = 1
CACHE_FILE = "translations.sqlite3"


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/opus-align-pipeline`` (``~/.cache/opus-align-pipeline`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "opus-align-pipeline"


def default_cache_path() -> Path:
    return cache_root() / CACHE_FILE


def model_fingerprint(files: ModelFiles) -> str:
    """The hub commit for hub models; for a local folder a hash of its config, tokenizer and weight files.

    A folder's weights can be replaced in place (re-training, re-saving), so its name alone would let a
    cache hand out translations of the old model.
    """
    if not files.is_local:
        return files.revision
    return folder_fingerprint(files.config.parent, (".json", ".spm", ".safetensors", ".bin"))


def entry_key(namespace: str, text: str) -> str:
    return hashlib.sha256(f"{namespace}\0{text}".encode()).hexdigest()


def _checksum(key: str, text: str, score: float | None) -> str:
    return hashlib.sha256(f"{key}\0{text}\0{score!r}".encode()).hexdigest()[:16]


class _Corrupt(sqlite3.DatabaseError):
    pass


def _is_corruption(e: sqlite3.DatabaseError) -> bool:
    """A damaged file or not a database at all (SQLITE_CORRUPT, SQLITE_NOTADB), not a busy or missing one."""
    if isinstance(e, _Corrupt):
        return True
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (11, 26)
    return not isinstance(e, sqlite3.OperationalError)


class CacheUnavailable(Exception):
    """The cache file cannot be used (reason in the message); the run goes on without it."""


class TranslationCache:
    """The SQLite file: ``meta`` (app, schema version) and ``translations`` (key -> text, score)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ok = True
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise CacheUnavailable(f"cannot create {path.parent}: {e.strerror}") from None
        self.db = self._open()

    # ------------------------------------------------------------------ opening and checking

    def _open(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = None
        try:
            db = self._connect()
            problem = self._check(db)
        except sqlite3.DatabaseError as e:
            if db is not None:
                db.close()
            if not _is_corruption(e):  # locked by another run, unreadable folder, ...: leave it alone
                raise CacheUnavailable(f"cannot open {self.path}: {e}") from None
            self._move_aside(f"unreadable ({e})")  # not a database, or a damaged one: start afresh
            return self._create()
        if problem is None:
            return db
        db.close()
        if problem == "foreign":
            raise CacheUnavailable(f"{self.path} is an SQLite file of another program; not touching it")
        if problem != "empty":
            log.warning("translation cache %s: %s; rebuilding it", self.path, problem)
            self._remove()
        return self._create()

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def _check(self, db: sqlite3.Connection) -> str | None:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return "empty"
        if "meta" not in tables:
            return "foreign"
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("app") != APP:
            return "foreign"
        if meta.get("schema_version") != str(SCHEMA_VERSION) or "translations" not in tables:
            return f"schema version {meta.get('schema_version')!r}, this program uses {SCHEMA_VERSION}"
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise _Corrupt("failed its integrity check")
        return None

    def _create(self) -> sqlite3.Connection:
        db = self._connect()
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS translations "
                "(key TEXT PRIMARY KEY, text TEXT NOT NULL, score REAL, checksum TEXT NOT NULL, created REAL NOT NULL) "
                "WITHOUT ROWID"
            )
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("app", APP), ("schema_version", str(SCHEMA_VERSION))],
            )
        return db

    def _move_aside(self, why: str) -> None:
        bad = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        log.warning("translation cache %s is %s; moved it to %s and starting a new one", self.path, why, bad.name)
        try:
            os.replace(self.path, bad)
        except OSError:
            pass
        self._remove()

    # ------------------------------------------------------------------ use

    def get_many(self, keys: Sequence[str]) -> dict[str, Output]:
        found: dict[str, Output] = {}
        bad = 0
        if not self.ok:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for key, text, score, checksum in self.db.execute(
                    f"SELECT key, text, score, checksum FROM translations WHERE key IN ({marks})", chunk
                ):
                    if checksum == _checksum(key, text, score):
                        found[key] = Output(text, score)
                    else:
                        bad += 1
        except sqlite3.Error as e:
            self._fail("reading", e)
            return {}
        if bad:
            log.warning("translation cache %s: %d damaged entries ignored (translated again)", self.path, bad)
        return found

    def put_many(self, items: Sequence[tuple[str, Output]]) -> None:
        if not self.ok or not items:
            return
        now = time.time()
        try:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?)",
                    [(k, o.text, o.score, _checksum(k, o.text, o.score), now) for k, o in items],
                )
        except sqlite3.Error as e:
            self._fail("writing", e)

    def _fail(self, doing: str, e: sqlite3.Error) -> None:
        log.warning("translation cache %s: error %s it (%s); going on without the cache", self.path, doing, e)
        self.ok = False

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass


class CachedTranslator:
    """Wrap a backend: hits from the cache, misses translated batch by batch and committed after each batch."""

    def __init__(self, inner: Translator, cache: TranslationCache, settings: dict[str, Any]) -> None:
        self.inner = inner
        self.cache = cache
        self.namespace = json.dumps(settings, sort_keys=True, ensure_ascii=False)
        self.stats: TranslateStats = TranslateStats()

        self.name: str = inner.name
        self.model_id: str = inner.model_id
        self.model_revision: str = inner.model_revision
        self.device: str = inner.device
        self.prefix: str | None = inner.prefix

    def count_tokens(self, texts: Sequence[str]) -> list[int] | None:
        return self.inner.count_tokens(texts)

    def cache_settings(self) -> dict[str, Any] | None:
        return self.inner.cache_settings()

    def translate_iter(self, texts: Sequence[str], skip: Collection[int] = ()) -> Batches:
        """Batch-wise results are the inner backend's; the cache answers whole calls (:meth:`translate`)."""
        return self.inner.translate_iter(texts, skip)

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
        """The inner backend's hypotheses, cached per text under a key that names ``decoding``'s options (one
        entry holds a unit's hypotheses as JSON): a rerun repairs and lists alternatives without the model."""
        namespace = f"{self.namespace}\0with:{decoding.key()}"
        keys = [entry_key(namespace, t) for t in texts]
        found = self.cache.get_many(list(dict.fromkeys(keys)))
        results: list[list[Output] | None] = [_hypotheses(found[k]) if k in found else None for k in keys]
        todo = list(dict.fromkeys(t for t, r in zip(texts, results, strict=True) if r is None))
        if todo:
            t0 = time.perf_counter()
            inner_stats = self.inner.stats
            before = replace(inner_stats)
            fresh = self.inner.translate_with(todo, decoding)
            self.stats.batches += inner_stats.batches - before.batches
            self.stats.src_tokens += inner_stats.src_tokens - before.src_tokens
            self.stats.tgt_tokens += inner_stats.tgt_tokens - before.tgt_tokens
            self.stats.seconds += time.perf_counter() - t0
            if fresh is None:
                return None
            got = dict(zip(todo, fresh, strict=True))
            self.cache.put_many(
                [(entry_key(namespace, t), _packed(h)) for t, h in got.items() if all(o.error is None for o in h)]
            )
            results = [r if r is not None else got[t] for t, r in zip(texts, results, strict=True)]
        return [r if r is not None else [Output("", None)] for r in results]

    def translate(self, texts: Sequence[str]) -> list[Output]:
        t0 = time.perf_counter()
        inner_stats = self.inner.stats
        before = replace(inner_stats)
        keys = [entry_key(self.namespace, t) for t in texts]
        found = self.cache.get_many(keys)
        results: list[Output | None] = [found.get(k) for k in keys]
        hits = sum(r is not None for r in results)
        # One translation per distinct text. The backend plans its batches over every distinct text, the
        # cached ones included but not run: a resumed run batches (and so computes) exactly like a fresh one.
        distinct: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            distinct.setdefault(k, []).append(i)
        order = list(distinct)
        known = {j for j, k in enumerate(order) if results[distinct[k][0]] is not None}
        try:
            if len(known) < len(order):
                for idx, outs in self.inner.translate_iter([texts[distinct[k][0]] for k in order], known):
                    self.cache.put_many([(order[j], o) for j, o in zip(idx, outs, strict=True) if o.error is None])
                    for j, out in zip(idx, outs, strict=True):
                        for i in distinct[order[j]]:
                            results[i] = out
        finally:
            self.stats.sentences += len(texts)
            self.stats.cached += hits
            self.stats.batches += inner_stats.batches - before.batches
            self.stats.src_tokens += inner_stats.src_tokens - before.src_tokens
            self.stats.tgt_tokens += inner_stats.tgt_tokens - before.tgt_tokens
            self.stats.seconds += time.perf_counter() - t0
        if hits:
            log.info("translation cache: %d of %d units found in %s", hits, len(texts), self.cache.path)
        return [r if r is not None else Output("", None) for r in results]

    def close(self) -> None:
        self.cache.close()


def _packed(hypotheses: Sequence[Output]) -> Output:
    """A unit's hypotheses as one cache entry (their texts and scores as JSON)."""
    return Output(json.dumps([[o.text, o.score] for o in hypotheses], ensure_ascii=False), None)


def _hypotheses(entry: Output) -> list[Output] | None:
    try:
        rows = json.loads(entry.text)
        return [Output(str(t), None if s is None else float(s)) for t, s in rows] or None
    except (ValueError, TypeError):
        return None


def wrap_with_cache(translator: Translator, cfg: TranslateConfig) -> Translator:
    """``translator`` behind a :class:`CachedTranslator`, or unchanged when the cache cannot be used."""
    path = Path(cfg.cache_path).expanduser() if cfg.cache_path else default_cache_path()
    settings_of = translator.cache_settings()
    if settings_of is None:
        log.warning("translation cache: backend %s gives no cache settings; not caching", translator.name)
        return translator
    try:
        cache = TranslationCache(path)
    except CacheUnavailable as e:
        log.warning("translation cache bypassed: %s", e)
        return translator
    except (OSError, sqlite3.Error) as e:
        log.warning("translation cache bypassed: cannot open %s (%s)", path, e)
        return translator
    settings = {"cache_schema": SCHEMA_VERSION, **settings_of}
    return CachedTranslator(translator, cache, settings)
