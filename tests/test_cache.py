"""The persistent translation cache: hits, misses, --no-cache, resuming a killed run, damaged files."""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.translate import Output, get_translator
from pipeline.translate.base import TranslatorBase
from pipeline.translate.cache import (
    CachedTranslator,
    TranslateStats,
    TranslationCache,
    _checksum,
    _is_corruption,
    cache_root,
    default_cache_path,
    entry_key,
    model_fingerprint,
    wrap_with_cache,
)
from pipeline.translate.models import ModelFiles, resolve_files

DATA = Path(__file__).resolve().parent / "data"
TEXTS = (DATA / "seed.en.txt").read_text(encoding="utf-8").splitlines()[:10]
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d3c0a91caa4d5cc3.txt"


def _cfg(model: Path, db: Path, *extra: str, backend: str = "transformers"):
    return load_config(
        lang="uk",
        overrides=[
            f"translate.model={model}",
            f"translate.backend={backend}",
            "translate.max_new_tokens=16",  # long enough that every text of TEXTS gets its own output
            "translate.num_beams=1",
            "translate.batch_size=2",  # many small batches: five for TEXTS
            f"translate.cache_path={db}",
            f"translate.ct2_dir={db.parent / 'ct2'}",
            "translate.compute_type=float32",
            *extra,
        ],
    ).translate


def _texts(outs: list[Any]) -> list[str]:
    return [o.text for o in outs]


def _fail_after(tr: Any, n: int) -> None:
    """Make the backend behind ``tr`` raise on its (n+1)-th batch, like a run killed midway."""
    inner = tr.inner
    real = inner._translate_ids
    calls = {"n": 0}

    def flaky(batch: list[list[int]]) -> Any:
        calls["n"] += 1
        if calls["n"] > n:
            raise KeyboardInterrupt("killed")
        return real(batch)

    inner._translate_ids = flaky


def _never(tr: Any) -> None:
    def boom(batch: list[list[int]]) -> Any:
        raise AssertionError("the model was called")

    tr.inner._translate_ids = boom


@pytest.fixture(scope="module")
def reference(en_uk_model: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    db = tmp_path_factory.mktemp("ref") / "unused.sqlite3"
    tr = get_translator(_cfg(en_uk_model, db, "translate.cache=false"), "uk")
    assert not isinstance(tr, CachedTranslator) and not db.exists()
    texts = _texts(tr.translate(TEXTS))
    assert len(set(texts)) == len(TEXTS)  # a translation served for the wrong text cannot go unseen
    return texts


def test_each_entry_holds_the_translation_of_its_own_text(
    en_uk_model: Path, tmp_path: Path, reference: list[str]
) -> None:
    """Read the database itself: the row under a text's key is that text's translation."""
    db = tmp_path / "c.sqlite3"
    tr = get_translator(_cfg(en_uk_model, db), "uk")
    assert isinstance(tr, CachedTranslator)
    tr.translate(TEXTS)
    rows = dict(sqlite3.connect(db).execute("SELECT key, text FROM translations").fetchall())
    assert len(rows) == len(TEXTS)
    assert [rows[entry_key(tr.namespace, t)] for t in TEXTS] == reference


def test_a_text_repeated_in_one_call_is_translated_once_and_answered_everywhere(
    en_uk_model: Path, tmp_path: Path, reference: list[str]
) -> None:
    tr = get_translator(_cfg(en_uk_model, tmp_path / "c.sqlite3"), "uk")
    texts = [TEXTS[3], TEXTS[0], TEXTS[3], TEXTS[1], TEXTS[0]]
    assert _texts(tr.translate(texts)) == [reference[3], reference[0], reference[3], reference[1], reference[0]]
    assert tr.inner.stats.sentences == 3  # type: ignore[attr-defined]


def test_key_covers_the_target_language_prefix(en_zle_model: Path, tmp_path: Path) -> None:
    """One multi-target model, one cache: Russian must not be served the Ukrainian entries (>>rus<< vs >>ukr<<)."""
    db = tmp_path / "c.sqlite3"

    def run(lang: str, *extra: str) -> tuple[list[str], Any]:
        cfg = load_config(
            lang=lang,
            overrides=[
                f"translate.model={en_zle_model}",
                "translate.max_new_tokens=16",
                f"translate.cache_path={db}",
                *extra,
            ],
        ).translate
        tr = get_translator(cfg, lang)
        return _texts(tr.translate(TEXTS)), tr

    uk, _ = run("uk")
    ru, tr = run("ru")
    assert tr.stats.cached == 0
    assert ru == run("ru", "translate.cache=false")[0] and ru != uk


def test_second_run_is_served_from_the_cache(en_uk_model: Path, tmp_path: Path, reference: list[str]) -> None:
    db = tmp_path / "c.sqlite3"
    first = get_translator(_cfg(en_uk_model, db), "uk")
    assert isinstance(first, CachedTranslator)
    assert _texts(first.translate(TEXTS)) == reference
    assert first.stats.cached == 0 and first.stats.sentences == len(TEXTS) and first.stats.batches == 5
    second = get_translator(_cfg(en_uk_model, db), "uk")
    assert isinstance(second, CachedTranslator)
    _never(second)
    assert _texts(second.translate(TEXTS)) == reference
    assert second.stats.cached == len(TEXTS) and second.stats.batches == 0
    assert "10 cache hits" in second.stats.summary()
    meta = dict(sqlite3.connect(db).execute("SELECT key, value FROM meta").fetchall())
    assert meta["schema_version"] == "1"


def test_killed_run_resumes_where_it_stopped(en_uk_model: Path, tmp_path: Path, reference: list[str]) -> None:
    db = tmp_path / "c.sqlite3"
    tr = get_translator(_cfg(en_uk_model, db), "uk")
    _fail_after(tr, 2)
    with pytest.raises(KeyboardInterrupt):
        tr.translate(TEXTS)
    rerun = get_translator(_cfg(en_uk_model, db), "uk")
    assert isinstance(rerun, CachedTranslator)
    assert _texts(rerun.translate(TEXTS)) == reference
    assert rerun.stats.cached == 4  # the two batches committed before the kill
    assert rerun.inner.stats.sentences == len(TEXTS) - 4  # type: ignore[attr-defined]


def test_key_covers_decoding_settings_and_the_model_files(
    en_uk_model: Path, tmp_path: Path, reference: list[str]
) -> None:
    import shutil

    db = tmp_path / "c.sqlite3"
    get_translator(_cfg(en_uk_model, db), "uk").translate(TEXTS)
    for extra in ("translate.num_beams=2", "translate.max_new_tokens=5", "translate.max_input_tokens=64"):
        tr = get_translator(_cfg(en_uk_model, db, extra), "uk")
        tr.translate(TEXTS[:2])
        assert tr.stats.cached == 0, extra  # type: ignore[attr-defined]
    ct2 = get_translator(_cfg(en_uk_model, db, backend="ctranslate2"), "uk")
    assert isinstance(ct2, CachedTranslator)  # every backend gets the cache, with its own keys
    ct2.translate(TEXTS[:2])
    assert ct2.stats.cached == 0
    # The same folder with other weights: a new fingerprint, so nothing stale comes back.
    copy = shutil.copytree(en_uk_model, tmp_path / "model")
    before = model_fingerprint(resolve_files(str(copy)))
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[-1] ^= 1
    (copy / "model.safetensors").write_bytes(bytes(data))
    assert model_fingerprint(resolve_files(str(copy))) != before


def test_no_cache_flag_and_the_summary_line(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "c.sqlite3"
    args = ["translate", "--lang", "uk", "--model", str(en_uk_model), "--input", str(SEED), "--set"]
    fast = ["translate.max_new_tokens=16", "--set", "translate.num_beams=1", "--set", f"translate.cache_path={db}"]
    caplog.set_level(logging.INFO)
    assert main([*args, *fast, "--out", str(tmp_path / "a"), "--no-cache"]) == 0
    assert not db.exists()
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("translated ")]
    assert len(summary) == 1 and "(0 cache hits)" in summary[0] and "tokens/s" in summary[0]
    caplog.clear()
    assert main([*args, *fast, "--out", str(tmp_path / "b")]) == 0
    assert db.exists()
    caplog.clear()
    assert main([*args, *fast, "--out", str(tmp_path / "c")]) == 0
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("translated ")]
    assert len(summary) == 1 and " 0 target tokens" in summary[0] and "(0 cache hits)" not in summary[0]
    a = (tmp_path / "a" / f"{SEED.stem}.en-uk.jsonl").read_text(encoding="utf-8")
    c = (tmp_path / "c" / f"{SEED.stem}.en-uk.jsonl").read_text(encoding="utf-8")
    assert a == c


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "cache" in r.getMessage()]


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_cache_file_is_moved_aside_and_rebuilt(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, reference: list[str], damage: str
) -> None:
    db = tmp_path / "c.sqlite3"
    if damage == "garbage":
        db.write_bytes(b"this is not a database" * 100)
    else:  # a partial file, as after a crash of the disk rather than of the program
        filler = get_translator(_cfg(en_uk_model, db, "translate.batch_size=64"), "uk")
        filler.translate([f"{t} ({n})" for n in range(10) for t in TEXTS])
        data = db.read_bytes()
        assert len(data) > 3 * 4096
        db.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING):
        tr = get_translator(_cfg(en_uk_model, db), "uk")
    assert isinstance(tr, CachedTranslator)
    (msg,) = _warnings(caplog)
    assert "moved it to" in msg and "\n" not in msg
    assert len(list(tmp_path.glob("c.sqlite3.corrupt-*"))) == 1
    assert _texts(tr.translate(TEXTS)) == reference
    again = get_translator(_cfg(en_uk_model, db), "uk")
    again.translate(TEXTS)
    assert again.stats.cached == len(TEXTS)  # type: ignore[attr-defined]


def test_foreign_sqlite_file_is_left_alone(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, reference: list[str]
) -> None:
    db = tmp_path / "c.sqlite3"
    con = sqlite3.connect(db)
    with con:
        con.execute("CREATE TABLE notes (body TEXT)")
        con.execute("INSERT INTO notes VALUES ('mine')")
    con.close()
    with caplog.at_level(logging.WARNING):
        tr = get_translator(_cfg(en_uk_model, db), "uk")
    assert not isinstance(tr, CachedTranslator)
    (msg,) = _warnings(caplog)
    assert "bypassed" in msg and "another program" in msg
    assert _texts(tr.translate(TEXTS)) == reference
    assert sqlite3.connect(db).execute("SELECT body FROM notes").fetchall() == [("mine",)]


def test_cache_of_another_schema_version_is_rebuilt(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, reference: list[str]
) -> None:
    db = tmp_path / "c.sqlite3"
    get_translator(_cfg(en_uk_model, db), "uk").translate(TEXTS)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    with caplog.at_level(logging.WARNING):
        tr = get_translator(_cfg(en_uk_model, db), "uk")
    (msg,) = _warnings(caplog)
    assert "schema version '0'" in msg and "rebuilding" in msg
    assert _texts(tr.translate(TEXTS)) == reference
    assert tr.stats.cached == 0  # type: ignore[attr-defined]


def test_damaged_entries_are_translated_again(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, reference: list[str]
) -> None:
    db = tmp_path / "c.sqlite3"
    get_translator(_cfg(en_uk_model, db), "uk").translate(TEXTS)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE translations SET text = 'WRONG'")
    con.close()
    with caplog.at_level(logging.WARNING):
        tr = get_translator(_cfg(en_uk_model, db), "uk")
        assert _texts(tr.translate(TEXTS)) == reference
    assert tr.stats.cached == 0  # type: ignore[attr-defined]
    assert any("damaged entries ignored" in m for m in _warnings(caplog))


def test_full_disk_while_writing_bypasses_the_cache(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, reference: list[str]
) -> None:
    db = tmp_path / "c.sqlite3"
    tr = get_translator(_cfg(en_uk_model, db, "translate.batch_size=64"), "uk")
    assert isinstance(tr, CachedTranslator)
    pages = tr.cache.db.execute("PRAGMA page_count").fetchone()[0]
    tr.cache.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite now answers SQLITE_FULL, like a full disk
    many = [f"{t} ({n})" for n in range(8) for t in TEXTS]  # more entries than the free space holds
    with caplog.at_level(logging.WARNING):
        out = _texts(tr.translate(many))
    assert out == _texts(get_translator(_cfg(en_uk_model, db, "translate.cache=false"), "uk").translate(many))
    (msg,) = _warnings(caplog)
    assert "full" in msg and "going on without the cache" in msg and "\n" not in msg
    assert not tr.cache.ok


def test_unwritable_cache_folder_is_bypassed(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        tr = get_translator(_cfg(en_uk_model, blocker / "sub" / "c.sqlite3"), "uk")
    assert not isinstance(tr, CachedTranslator)
    (msg,) = _warnings(caplog)
    assert "bypassed" in msg


# --------------------------------------------------------------------------- the cache on its own, fake backends


class _Batched(TranslatorBase):
    """A backend that reports batch by batch (like BatchedTranslator): two texts per batch, upper-cased;
    'BAD' texts fail (an Output with error). Keeps stats like the real backends."""

    name, model_id, model_revision, device = "fake-1", "org/fake", "r1", "cpu"
    prefix: str | None = ">>fake<<"

    def __init__(self) -> None:
        self.stats = TranslateStats()
        self.asked: list[list[str]] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t) for t in texts]

    def cache_settings(self) -> dict[str, Any]:
        return {"backend": self.name, "model": "org/fake", "prefix": "»ü«"}

    def translate_iter(self, texts: Sequence[str], skip: Any = ()) -> Any:
        for start in range(0, len(texts), 2):
            idx = [j for j in range(start, min(start + 2, len(texts))) if j not in skip]
            if idx:
                self.asked.append([texts[j] for j in idx])
                self.stats.batches += 1
                self.stats.src_tokens += 10
                self.stats.tgt_tokens += 7
                yield idx, [Output("", None, "boom") if "BAD" in texts[j] else Output(texts[j].upper(), 0.5)
                            for j in idx]  # fmt: skip

    def translate(self, texts: Sequence[str]) -> list[Output]:
        out = [Output("", None)] * len(texts)
        for idx, outs in self.translate_iter(list(texts)):
            for j, o in zip(idx, outs, strict=True):
                out[j] = o
        return out


class _Plain(TranslatorBase):
    """A backend with only ``translate`` (the declared defaults: one batch, stats not kept)."""

    name, model_id, model_revision, device = "plain-1", "org/plain", "r2", "cuda:0"

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[list[str]] = []

    def cache_settings(self) -> dict[str, Any]:
        return {"backend": self.name}

    def translate(self, texts: Sequence[str]) -> list[Output]:
        self.asked.append(list(texts))
        return [Output(t[::-1], 0.25) for t in texts]


class _Opaque(TranslatorBase):
    name, model_id, model_revision, device = "opaque-1", "org/opaque", "r3", "cpu"

    def translate(self, texts: Sequence[str]) -> list[Output]:
        return []


def _cache_cfg(path: Path | str | None) -> Any:
    return load_config(lang="uk", overrides=[f"translate.cache_path={path if path is not None else 'null'}"]).translate


def _wrap(backend: Any, db: Path) -> CachedTranslator:
    tr = wrap_with_cache(backend, _cache_cfg(db))
    assert isinstance(tr, CachedTranslator)
    return tr


def test_cache_location_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "opus-align-pipeline" / "translations.sqlite3"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "opus-align-pipeline"
    monkeypatch.setenv("XDG_CACHE_HOME", "~/elsewhere")
    assert cache_root() == tmp_path / "home" / "elsewhere" / "opus-align-pipeline"
    tr = wrap_with_cache(_Batched(), _cache_cfg(None))  # no cache_path: the default file
    assert isinstance(tr, CachedTranslator)
    assert tr.cache.path == tmp_path / "home" / "elsewhere" / "opus-align-pipeline" / "translations.sqlite3"
    tr.close()
    tr = wrap_with_cache(_Batched(), _cache_cfg("~/my/c.sqlite3"))  # a path with ~ is the user's home
    assert isinstance(tr, CachedTranslator) and tr.cache.path == tmp_path / "home" / "my" / "c.sqlite3"
    assert (tmp_path / "home" / "my" / "c.sqlite3").exists()


def test_keys_and_checksums_of_existing_cache_files_stay_valid() -> None:
    """Entries written by an earlier run are found (same key) and pass their check (same checksum): a change
    of either derivation would silently throw every user's cache away without a schema version change."""
    assert entry_key('{"model": "m"}', "Hello.") == hashlib.sha256(b'{"model": "m"}\0Hello.').hexdigest()
    assert len({entry_key("ns", "Hello."), entry_key("ns", "Hello!"), entry_key("ns2", "Hello.")}) == 3
    assert _checksum("k", "Привіт.", 0.5) == hashlib.sha256("k\0Привіт.\x000.5".encode()).hexdigest()[:16]
    assert _checksum("k", "t", None) == hashlib.sha256(b"k\0t\0None").hexdigest()[:16]


@pytest.mark.parametrize("name", ["config.json", "source.spm", "model.safetensors", "pytorch_model.bin"])
def test_a_local_models_fingerprint_covers_its_config_tokenizer_and_weights(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    for n in ("config.json", "source.spm", "model.safetensors", "pytorch_model.bin", "README.md"):
        (folder / n).write_text(n, encoding="utf-8")
    files = ModelFiles(str(folder), "local", True, folder / "config.json", {})
    before = model_fingerprint(files)
    assert before.startswith("local-")
    (folder / "README.md").write_text("changed", encoding="utf-8")
    assert model_fingerprint(files) == before  # not a model file
    (folder / name).write_text("changed", encoding="utf-8")
    assert model_fingerprint(files) != before
    assert model_fingerprint(ModelFiles("org/m", "abc123", False, folder / "config.json", {})) == "abc123"


def _db_error(cls: type[sqlite3.Error], code: int | None) -> sqlite3.DatabaseError:
    e = cls("x")
    if code is not None:
        e.sqlite_errorcode = code  # type: ignore[attr-defined]
    return e  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("cls", "code", "corrupt"),
    [
        (sqlite3.DatabaseError, 11, True),  # SQLITE_CORRUPT
        (sqlite3.DatabaseError, 26, True),  # SQLITE_NOTADB
        (sqlite3.DatabaseError, 11 | (1 << 8), True),  # SQLITE_CORRUPT_VTAB: an extended code of CORRUPT
        (sqlite3.OperationalError, 5, False),  # SQLITE_BUSY: another run holds it
        (sqlite3.OperationalError, 14, False),  # SQLITE_CANTOPEN
        (sqlite3.DatabaseError, 10, False),  # SQLITE_IOERR
        (sqlite3.OperationalError, None, False),
        (sqlite3.DatabaseError, None, True),
    ],
)
def test_only_a_damaged_file_counts_as_corrupt(cls: type[sqlite3.Error], code: int | None, corrupt: bool) -> None:
    assert _is_corruption(_db_error(cls, code)) is corrupt


def test_a_new_cache_file_has_its_tables_and_waits_for_a_busy_one(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "c.sqlite3"
    cache = TranslationCache(db)
    assert cache.ok and db.exists()
    assert cache.db.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    con = sqlite3.connect(db)
    assert dict(con.execute("SELECT key, value FROM meta").fetchall()) == {
        "app": "opus-align-pipeline/translation-cache", "schema_version": "1"}  # fmt: skip
    assert con.execute("SELECT count(*) FROM translations").fetchone()[0] == 0
    cache.put_many([("k1", Output("one", 0.5)), ("k2", Output("two", None))])
    row = con.execute("SELECT key, text, score, checksum, created FROM translations WHERE key = 'k1'").fetchone()
    assert row[:4] == ("k1", "one", 0.5, _checksum("k1", "one", 0.5)) and abs(row[4] - time.time()) < 60
    assert cache.get_many(["k2", "k0", "k1"]) == {"k1": Output("one", 0.5), "k2": Output("two", None)}
    cache.close()
    cache.close()  # closing twice is harmless
    again = TranslationCache(db)  # a valid file is kept
    assert again.get_many(["k1"]) == {"k1": Output("one", 0.5)}
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    assert TranslationCache(empty).get_many(["k1"]) == {}


def test_many_keys_are_looked_up_in_chunks(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path / "c.sqlite3")
    items = [(f"k{n}", Output(f"t{n}", n / 2000)) for n in range(1203)]
    cache.put_many(items)
    assert cache.get_many([k for k, _ in items]) == dict(items)  # more than SQLite's variables in one query


def test_cache_file_problems_are_each_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    # damaged entries
    db = tmp_path / "c.sqlite3"
    cache = TranslationCache(db)
    cache.put_many([("k1", Output("one", 0.5)), ("k2", Output("two", 0.5)), ("k3", Output("three", 0.5))])
    with cache.db:
        cache.db.execute("UPDATE translations SET score = 0.25 WHERE key != 'k2'")
    assert cache.get_many(["k1", "k2", "k3"]) == {"k2": Output("two", 0.5)}
    assert caplog.messages == [f"translation cache {db}: 2 damaged entries ignored (translated again)"]
    caplog.clear()
    # a read error, then a write error: the cache is off for the rest of the run
    cache.db.close()
    assert cache.get_many(["k2"]) == {} and not cache.ok
    assert caplog.messages == [
        f"translation cache {db}: error reading it (Cannot operate on a closed database.); going on without the cache"
    ]
    assert cache.get_many(["k2"]) == {}
    cache.put_many([("k4", Output("four", 0.5))])  # off: not even tried
    assert len(caplog.messages) == 1
    caplog.clear()
    writer = TranslationCache(tmp_path / "w.sqlite3")
    writer.db.close()
    writer.put_many([("k4", Output("four", 0.5))])
    assert caplog.messages == [
        f"translation cache {tmp_path / 'w.sqlite3'}: error writing it (Cannot operate on a closed database.); "
        "going on without the cache"
    ]
    assert not writer.ok


def test_a_corrupt_file_is_moved_aside_with_its_journal_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "c.sqlite3"
    db.write_bytes(b"not a database" * 500)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").write_bytes(b"stale")
    with caplog.at_level(logging.WARNING):
        cache = TranslationCache(db)
    (msg,) = caplog.messages
    (aside,) = tmp_path.glob("c.sqlite3.corrupt-*")
    assert re.fullmatch(r"c\.sqlite3\.corrupt-\d{10}", aside.name)
    assert abs(int(aside.name.rsplit("-", 1)[1]) - time.time()) < 60
    assert msg == (f"translation cache {db} is unreadable (file is not a database); moved it to {aside.name} "
                   "and starting a new one")  # fmt: skip
    assert aside.read_bytes() == b"not a database" * 500
    for suffix in ("-wal", "-shm", "-journal"):  # the old file's journals are not applied to the new one
        assert not Path(f"{db}{suffix}").exists() or Path(f"{db}{suffix}").read_bytes() != b"stale"
    cache.put_many([("k", Output("t", 0.5))])
    assert cache.get_many(["k"]) == {"k": Output("t", 0.5)}


def test_a_file_failing_its_integrity_check_is_moved_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Readable tables but a damaged structure (here the header's free-page count): not trusted, rebuilt."""
    db = tmp_path / "c.sqlite3"
    cache = TranslationCache(db)
    cache.put_many([(f"k{n}", Output(f"text {n} " * 20, 0.5)) for n in range(1000)])
    cache.close()
    data = bytearray(db.read_bytes())
    data[36:40] = (3).to_bytes(4, "big")  # free-page count of the database header, while the free list is empty
    db.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        cache = TranslationCache(db)
    (aside,) = tmp_path.glob("c.sqlite3.corrupt-*")
    assert caplog.messages == [f"translation cache {db} is unreadable (failed its integrity check); moved it to "
                               f"{aside.name} and starting a new one"]  # fmt: skip
    assert cache.get_many(["k1"]) == {}


def test_an_sqlite_error_while_setting_up_the_cache_bypasses_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(self: TranslationCache) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(TranslationCache, "_create", fails)
    backend = _Batched()
    with caplog.at_level(logging.WARNING):
        assert wrap_with_cache(backend, _cache_cfg(tmp_path / "c.sqlite3")) is backend
    assert caplog.messages == [f"translation cache bypassed: cannot open {tmp_path / 'c.sqlite3'} (disk I/O error)"]


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        ("CREATE TABLE notes (body TEXT)", "foreign"),
        ("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('app', 'other-program')", "foreign"),
        ("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('app', "
         "'opus-align-pipeline/translation-cache'); INSERT INTO meta VALUES ('schema_version', '2');"
         "CREATE TABLE translations (key TEXT)", "schema version '2', this program uses 1"),
        ("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('app', "
         "'opus-align-pipeline/translation-cache'); INSERT INTO meta VALUES ('schema_version', '1')",
         "schema version '1', this program uses 1"),  # no translations table
    ],
)  # fmt: skip
def test_another_programs_file_is_left_alone_and_another_schema_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, setup: str, problem: str
) -> None:
    db = tmp_path / "c.sqlite3"
    con = sqlite3.connect(db)
    con.executescript(setup)
    con.close()
    caplog.set_level(logging.WARNING)
    tr = wrap_with_cache(_Batched(), _cache_cfg(db))
    if problem == "foreign":
        assert not isinstance(tr, CachedTranslator)
        assert caplog.messages == [
            f"translation cache bypassed: {db} is an SQLite file of another program; not touching it"
        ]
        assert sqlite3.connect(db).execute("SELECT count(*) FROM sqlite_master").fetchone()[0] >= 1
        return
    assert isinstance(tr, CachedTranslator)
    assert caplog.messages == [f"translation cache {db}: {problem}; rebuilding it"]
    assert dict(sqlite3.connect(db).execute("SELECT key, value FROM meta").fetchall())["schema_version"] == "1"


def test_an_unusable_cache_path_is_bypassed_with_the_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    folder = tmp_path / "a-folder.sqlite3"
    folder.mkdir()
    backend = _Batched()
    assert wrap_with_cache(backend, _cache_cfg(folder)) is backend
    assert caplog.messages == [f"translation cache bypassed: cannot open {folder}: unable to open database file"]
    caplog.clear()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert wrap_with_cache(backend, _cache_cfg(tmp_path / "file" / "c.sqlite3")) is backend
    assert caplog.messages == [f"translation cache bypassed: cannot create {tmp_path / 'file'}: File exists"]
    caplog.clear()
    opaque = _Opaque()  # cache_settings() is None: its outputs are not to be cached
    assert wrap_with_cache(opaque, _cache_cfg(tmp_path / "c.sqlite3")) is opaque
    assert not (tmp_path / "c.sqlite3").exists()
    assert caplog.messages == ["translation cache: backend opaque-1 gives no cache settings; not caching"]


def test_cached_translator_answers_hits_dedups_and_keeps_stats(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "c.sqlite3"
    backend = _Batched()
    tr = _wrap(backend, db)
    assert (tr.name, tr.model_id, tr.model_revision, tr.device) == ("fake-1", "org/fake", "r1", "cpu")
    # the rest of the protocol is the backend's
    assert tr.prefix == ">>fake<<" and tr.count_tokens(["a", "bcd"]) == [1, 3]
    assert tr.cache_settings() == backend.cache_settings()
    assert tr.namespace == '{"backend": "fake-1", "cache_schema": 1, "model": "org/fake", "prefix": "»ü«"}'
    texts = ["a", "b", "a", "BAD", "c"]
    assert tr.translate(texts) == [Output("A", 0.5), Output("B", 0.5), Output("A", 0.5), Output("", None, "boom"),
                                   Output("C", 0.5)]  # fmt: skip
    assert backend.asked == [["a", "b"], ["BAD", "c"]]  # each distinct text once
    stored = dict(sqlite3.connect(db).execute("SELECT key, text FROM translations").fetchall())
    assert stored == {entry_key(tr.namespace, t): t.upper() for t in "abc"}  # never a failed one
    s = tr.stats
    assert (s.sentences, s.cached, s.batches, s.src_tokens, s.tgt_tokens) == (5, 0, 2, 20, 14) and s.seconds > 0
    backend.asked.clear()
    with caplog.at_level(logging.INFO, logger="pipeline.translate.cache"):
        out = tr.translate(["c", "d", "BAD", "a", "e", "c"])
    assert out == [Output("C", 0.5), Output("D", 0.5), Output("", None, "boom"), Output("A", 0.5), Output("E", 0.5),
                   Output("C", 0.5)]  # fmt: skip
    # planned over every distinct text (c d | BAD a | e), run for the missing ones only
    assert backend.asked == [["d"], ["BAD"], ["e"]]
    assert caplog.messages == [f"translation cache: 3 of 6 units found in {db}"]
    assert (s.sentences, s.cached, s.batches, s.src_tokens, s.tgt_tokens) == (11, 3, 5, 50, 35)
    caplog.clear()
    backend.asked.clear()
    with caplog.at_level(logging.INFO, logger="pipeline.translate.cache"):
        assert tr.translate(["a", "c"]) == [Output("A", 0.5), Output("C", 0.5)]
    assert backend.asked == [] and s.batches == 5 and s.cached == 5
    assert caplog.messages == [f"translation cache: 2 of 2 units found in {db}"]
    tr.close()


def test_a_backend_without_batch_results_gets_the_missing_texts_at_once(tmp_path: Path) -> None:
    backend = _Plain()
    tr = _wrap(backend, tmp_path / "c.sqlite3")
    assert tr.device == "cuda:0"
    assert tr.translate(["ab", "cd"]) == [Output("ba", 0.25), Output("dc", 0.25)]
    assert tr.translate(["cd", "ef", "gh", "ef"]) == [Output("dc", 0.25), Output("fe", 0.25), Output("hg", 0.25),
                                                      Output("fe", 0.25)]  # fmt: skip
    assert backend.asked == [["ab", "cd"], ["ef", "gh"]]
    assert (tr.stats.sentences, tr.stats.cached, tr.stats.batches) == (6, 1, 0)
    assert tr.translate(["gh", "ab"]) == [Output("hg", 0.25), Output("ba", 0.25)]
    assert backend.asked == [["ab", "cd"], ["ef", "gh"]]  # all cached: the backend is not called at all


def test_a_backend_answering_fewer_outputs_than_inputs_is_an_error(tmp_path: Path) -> None:
    backend = _Batched()
    tr = _wrap(backend, tmp_path / "c.sqlite3")
    real = backend.translate_iter

    def short(texts: Sequence[str], skip: Any = ()) -> Any:
        for idx, outs in real(texts, skip):
            yield idx, outs[:1]

    backend.translate_iter = short  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="zip"):
        tr.translate(["a", "b"])
    assert tr.cache.get_many([entry_key(tr.namespace, "a")]) == {}  # nothing half-matched was stored


def test_an_input_the_backend_never_answers_comes_back_empty(tmp_path: Path) -> None:
    backend = _Batched()
    tr = _wrap(backend, tmp_path / "c.sqlite3")
    real = backend.translate_iter

    def forgetful(texts: Sequence[str], skip: Any = ()) -> Any:
        for idx, outs in real(texts, skip):
            yield idx[:1], outs[:1]

    backend.translate_iter = forgetful  # type: ignore[method-assign]
    assert tr.translate(["a", "b", "c"]) == [Output("A", 0.5), Output("", None), Output("C", 0.5)]


def test_a_cached_translator_can_be_copied(tmp_path: Path) -> None:
    """copy/pickle build the object without __init__ and look up hooks on it."""
    tr = _wrap(_Batched(), tmp_path / "c.sqlite3")
    twin = copy.copy(tr)
    assert twin.inner is tr.inner and twin.namespace == tr.namespace and twin.prefix == ">>fake<<"


def test_stats_are_counted_even_when_the_backend_fails(tmp_path: Path) -> None:
    backend = _Batched()
    tr = _wrap(backend, tmp_path / "c.sqlite3")
    real = backend.translate_iter

    def dies(texts: Sequence[str], skip: Any = ()) -> Any:
        it = real(texts, skip)
        yield next(it)
        raise KeyboardInterrupt

    backend.translate_iter = dies  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        tr.translate(["a", "b", "c", "d"])
    assert (tr.stats.sentences, tr.stats.batches, tr.stats.src_tokens, tr.stats.tgt_tokens) == (4, 1, 10, 7)
    backend.translate_iter = real  # type: ignore[method-assign]
    tr.translate(["a", "b", "c", "d"])
    assert backend.asked == [["a", "b"], ["c", "d"]] and tr.stats.cached == 2  # the first batch was committed


def test_translate_time_adds_up_over_calls(tmp_path: Path) -> None:
    backend = _Batched()
    tr = _wrap(backend, tmp_path / "c.sqlite3")
    real = backend.translate_iter

    def slow(texts: Sequence[str], skip: Any = ()) -> Any:
        time.sleep(0.2)
        yield from real(texts, skip)

    backend.translate_iter = slow  # type: ignore[method-assign]
    tr.translate(["a"])
    first = tr.stats.seconds
    assert 0.2 <= first < 30
    backend.translate_iter = real  # type: ignore[method-assign]
    tr.translate(["b"])
    assert tr.stats.seconds > first


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_a_changed_length_factor_or_floor_is_not_served_from_the_cache(tmp_path: Path, backend: str) -> None:
    """Bounded decoding changes the outputs of units that run long: a model that never writes </s> cached
    without a factor must not hand those long outputs to a run with one (nor a floor's to another floor's)."""
    from pipeline.bench.translation import build_model

    model = build_model(tmp_path / "looping", quick=True)
    db = tmp_path / "c.sqlite3"
    texts = TEXTS[:4]

    def run(*extra: str) -> tuple[list[str], int]:
        tr = get_translator(_cfg(model, db, "translate.max_new_tokens=48", *extra, backend=backend), "uk")
        assert isinstance(tr, CachedTranslator)
        out = _texts(tr.translate(texts))
        return out, tr.stats.cached

    free, _ = run("translate.max_length_factor=null")
    assert run("translate.max_length_factor=null") == (free, len(texts))  # the cache answers a rerun
    cut, hits = run("translate.max_length_factor=1.0", "translate.max_length_floor=4")
    assert hits == 0 and all(len(c) < len(f) for c, f in zip(cut, free, strict=True))
    floor, hits = run("translate.max_length_factor=1.0", "translate.max_length_floor=40")
    assert hits == 0 and floor != cut
    assert run("translate.max_length_factor=1.0", "translate.max_length_floor=4") == (cut, len(texts))


def test_the_signature_names_the_length_bound(en_uk_model: Path) -> None:
    from pipeline.document import run_signature

    class Info:
        name, model_id, model_revision, prefix = "transformers-5", "m", "r", None

    def decoding(**kw: Any) -> str:
        info = Info()
        sig = run_signature(
            segmenter="s",
            translator=info,  # type: ignore[arg-type]
            links="l",
            num_beams=4,
            max_new_tokens=256,
            unit="u",
            **kw,
        )
        return sig.decoding

    assert decoding() == "beam4.max256"
    assert decoding(max_length_factor=3.0, max_length_floor=32) == "beam4.max256.factor3.floor32"
    assert decoding(max_length_factor=1.5, max_length_floor=16) == "beam4.max256.factor1.5.floor16"
