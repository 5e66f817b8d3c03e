"""The persistent translation cache: hits, misses, --no-cache, resuming a killed run, damaged files."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.translate import get_translator
from pipeline.translate.cache import CachedTranslator, entry_key, model_fingerprint
from pipeline.translate.models import resolve_files

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
