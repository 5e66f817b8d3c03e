"""Inputs and stand-ins for the translate-corpus tests (importable by Ray workers: tests/ is on their path)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pipeline.translate.base import TranslatorBase

FAST = [
    "translate.max_new_tokens=48",  # long enough that the tiny copying models give nearly every sentence its own output
    "translate.num_beams=2",
    "translate.cache=false",
    "align.aligner=length",  # the aligner runs (check_links), without an embedding model
    "output.creation_date=2026-01-01T00:00:00Z",
]

# Bad records written by write_corpus, by where they are: (where, stage, reason fragment)
BAD = [
    ("docs.jsonl:", "read", "has no text"),
    ("docs.jsonl:", "read", "has no id"),
    ("docs.jsonl:", "read", "not a JSON object"),
    ("docs.jsonl:", "read", "has an empty text"),
    ("docs.jsonl:", "read", "duplicate id 'doc-0' (first used at docs.jsonl:1)"),
    ("lines.txt:", "read", "not UTF-8 text"),
    ("rows.parquet#", "read", "has no text"),
    ("rows.parquet#", "read", "duplicate id 'doc-1' (first used at docs.jsonl:2)"),  # across files
    ("broken.parquet", "plan", "cannot read parquet file"),
]


def write_corpus(folder: Path, sentences: list[str]) -> dict[str, int]:
    """A folder with a JSONL of documents, a text file of sentences, a Parquet file and the bad cases above.

    Returns the counts of valid records per file (the bad ones are extra).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    third = len(sentences) // 3
    docs, lines, rows = sentences[:third], sentences[third : 2 * third], sentences[2 * third :]
    with open(folder / "docs.jsonl", "w", encoding="utf-8") as f:
        n_docs = 0
        for i in range(0, len(docs), 3):
            f.write(json.dumps({"id": f"doc-{i // 3}", "text": " ".join(docs[i : i + 3]), "extra": 1}) + "\n")
            n_docs += 1
            if i == 9:
                f.write(json.dumps({"id": "no-text"}) + "\n")
                f.write(json.dumps({"text": "A record without an id."}) + "\n")
                f.write("{not json\n")
                f.write("\n")  # blank: not a record
                f.write(json.dumps({"id": 7, "text": "   "}) + "\n")
                f.write(json.dumps({"id": "doc-0", "text": "A second record with the first one's id."}) + "\n")
    body = "\n".join(lines[:5]).encode() + b"\n\xff\xfe broken latin-1 \xe9\n" + "\n".join(lines[5:]).encode() + b"\n"
    (folder / "lines.txt").write_bytes(body)
    ids = [f"row-{i}" for i in range(len(rows))] + ["row-none", "doc-1"]
    texts: list[Any] = list(rows) + [None, "A row with the id of a document."]
    table = pa.table({"id": ids, "text": texts, "meta": list(range(len(ids)))})
    pq.write_table(table, folder / "rows.parquet", row_group_size=10)
    (folder / "broken.parquet").write_bytes(b"PAR1 this is not a parquet file PAR1")
    (folder / "notes.log").write_text("ignored: not an input format\n", encoding="utf-8")
    return {"docs": n_docs, "lines": len(lines), "rows": len(rows)}


def shard_records(out: Path) -> list[dict[str, Any]]:
    """Every JSONL pair of every shard, sorted by (doc, id)."""
    recs = []
    for p in sorted((out / "shards").glob("*.jsonl")):
        if p.name.endswith(".rejects.jsonl"):
            continue
        recs += [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
    return sorted(recs, key=lambda r: (r["doc"], r["id"]))


def assert_each_target_is_its_own_sources_translation(cfg: Any, records: list[dict[str, Any]]) -> None:
    """Translate every pair's source again, directly and without a cache: it must give that pair's target.

    A runner that puts a translation on the wrong sentence (shifted, rotated, another document's) fails here
    even when two engines agree with each other. The copying fixtures give distinct inputs distinct outputs;
    at FAST's 48 tokens, sentences that differ only further on share one (about 1 in 10), hence "most".
    """
    from pipeline.translate import get_translator

    translator = get_translator(cfg.translate.model_copy(update={"cache": False}), cfg.lang)
    sources = [r["src"] for r in records]
    assert len({r["tgt"] for r in records}) > 0.8 * len(set(sources)) > 10
    assert [r["tgt"] for r in records] == [o.text for o in translator.translate(sources)]


def rejects(out: Path) -> list[dict[str, Any]]:
    lines = (out / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda r: (r["where"], r["stage"]))


class DieOnceFactory:
    """Builds the real translator; the first translate call of the whole run kills its process (os._exit).

    ``marker`` is created (exclusively) by the process that dies, so the restarted worker goes on.
    """

    def __init__(self, cfg: Any, marker: Path) -> None:
        self.cfg = cfg
        self.marker = str(marker)

    def __call__(self) -> Any:
        from pipeline.translate import get_translator

        inner = get_translator(self.cfg.translate, self.cfg.lang)
        return _DieOnce(inner, self.marker)


class _DieOnce(TranslatorBase):
    def __init__(self, inner: Any, marker: str) -> None:
        super().__init__()
        self.inner = inner
        self.marker = marker
        self.name, self.model_id, self.model_revision, self.device = (
            inner.name,
            inner.model_id,
            inner.model_revision,
            inner.device,
        )

    def translate(self, texts: Any) -> Any:
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return self.inner.translate(texts)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os._exit(1)  # the worker process dies midway through the job


class FailOn(TranslatorBase):
    """A stand-in translator (no model): raises for texts containing ``bad``, else echoes them upper-cased."""

    name = "fail-on"
    model_id = "stand-in"
    model_revision = "none"
    device = "cpu"

    def __init__(self, bad: str) -> None:
        super().__init__()
        self.bad = bad

    def __call__(self) -> FailOn:
        return self

    def count_tokens(self, texts: Any) -> list[int]:  # a word is a token (translate.unit=paragraph)
        return [len(t.split()) + 1 for t in texts]

    def translate(self, texts: Any) -> Any:
        from pipeline.translate import Output

        if any(self.bad in t for t in texts):
            raise RuntimeError(f"cannot translate {self.bad!r}")
        return [Output(t.upper(), 0.5) for t in texts]


class ErrorOn(FailOn):
    """Like the backends since input isolation: a failing input comes back empty with ``error`` set."""

    def translate(self, texts: Any) -> Any:
        from pipeline.translate import Output

        return [Output("", None, "boom") if self.bad in t else Output(t.upper(), 0.5) for t in texts]


class Broken(FailOn):
    """A backend that is broken as a whole (what the backends raise when no input is to blame)."""

    def translate(self, texts: Any) -> Any:
        from pipeline.errors import TranslationError

        raise TranslationError("the stand-in backend cannot run on cpu (libcublas missing)", "install it")


class Rewrites(FailOn):
    """A stand-in translator: gives the output named in ``outputs`` for a text, else echoes it upper-cased."""

    def __init__(self, outputs: dict[str, str]) -> None:
        super().__init__("\0")
        self.outputs = outputs

    def translate(self, texts: Any) -> Any:
        from pipeline.translate import Output

        return [Output(self.outputs.get(t, t.upper()), 0.5) for t in texts]
