"""Input of ``translate-corpus``: find the files, cut them into shards, read a shard's records.

Formats, by extension: ``.jsonl`` / ``.ndjson`` (one JSON object per line with an id and a text field),
``.parquet`` (columns of the same names), ``.txt`` (one record per non-blank line, id ``file:line``), and a
document of any reader but plain text (``.html``, ``.md``, ...: :data:`pipeline.read.READERS`): one record, id its
path relative to the input, one shard of its own, read and segmented by its reader in the segment stage (its
translated document is written beside the shards). A folder is searched recursively for these; other files are
ignored (and counted in the log).

Nothing here raises for a bad record: a line that is not JSON, a record without id or text, a file that
cannot be parsed become :class:`Reject` entries with the reason. Only an unusable ``--input`` (missing,
no supported file) is an :class:`InputError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline.corpus.config import CorpusConfig
from pipeline.corpus.records import InputRecord, Reject, ShardSpec, ShardWork
from pipeline.errors import InputError

log = logging.getLogger(__name__)

SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".txt": "text"}
DOCUMENT = "document"  # the format of a file a document reader reads: one record
PLAN_VERSION = 1


def input_formats() -> dict[str, str]:
    """File name ending -> format: the record files' (:data:`SUFFIXES`), then every extension a document reader
    claims (``document``; the plain-text reader's ``.txt`` stays one record per line)."""
    from pipeline.read import FALLBACK as TEXT
    from pipeline.read import READERS, ReadConfig

    formats = dict(SUFFIXES)
    for name in READERS.names():
        if name != TEXT:
            for ext in READERS.load(name)(ReadConfig()).extensions:
                formats.setdefault(ext.lower(), DOCUMENT)
    return formats


def format_of(path: Path, formats: dict[str, str]) -> str | None:
    name = path.name.lower()
    return next((fmt for ext, fmt in formats.items() if name.endswith(ext)), None)


def find_files(root: Path) -> list[tuple[Path, str, str]]:
    """The input files under ``root`` (or ``root`` itself), sorted, each with its path relative to the input and its
    format."""
    formats = input_formats()
    if not root.exists():
        raise InputError(
            f"input not found: {root}", "pass a JSONL, Parquet or text file, a document, or a folder of them"
        )
    if root.is_file():
        fmt = format_of(root, formats)
        if fmt is None:
            raise InputError(
                f"cannot tell the format of {root} from its name",
                f"name it {', '.join(formats)} (text: one record per line; a document: one record)",
            )
        return [(root, root.name, fmt)]
    found: list[tuple[Path, str, str]] = []
    ignored = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            fmt = format_of(p, formats)
            if name.startswith(".") or fmt is None:
                ignored += 1
                continue
            found.append((p, p.relative_to(root).as_posix(), fmt))
    if ignored:
        log.info("input: %d file(s) in %s ignored (not %s)", ignored, root, ", ".join(formats))
    if not found:
        raise InputError(f"no {', '.join(formats)} file in {root}", "pass a file or a folder that holds some")
    return sorted(found, key=lambda t: t[1])


def plan_shards(
    root: Path, cfg: CorpusConfig, settings_key: str, document_key: Callable[[Path], str] | None = None
) -> tuple[list[ShardSpec], list[Reject]]:
    """Cut every input file into shards of about ``cfg.shard_records`` records (a document: one shard); a file that
    cannot be planned (a corrupt Parquet footer, an unreadable file) is one reject. ``document_key(path)``: the
    settings that decide a document's shard (its reader's too; default ``settings_key``)."""
    specs: list[ShardSpec] = []
    rejects: list[Reject] = []
    for n, (path, rel, fmt) in enumerate(find_files(root)):
        try:
            stat = path.stat()
            slices: list[tuple[int, int, int, tuple[int, ...]]]
            if fmt == DOCUMENT:
                slices = [(1, 1, 0, ())]
            elif fmt == "parquet":
                slices = _parquet_slices(path, cfg.shard_records)
            else:
                slices = _line_slices(path, cfg)
        except Exception as e:  # noqa: BLE001 - any parse failure of one file rejects that file, not the job
            rejects.append(Reject(rel, "plan", f"cannot read {fmt} file: {_one_line(e)}", records=0))
            continue
        for k, (start, count, offset, groups) in enumerate(slices):
            spec = ShardSpec(f"part-{n:05d}-{k:05d}", str(path), rel, fmt, start, count, offset, groups)
            planned = spec.to_json()
            planned.pop("duplicates")  # none yet: find_duplicates folds them into the key
            ident = {
                "v": PLAN_VERSION,
                "spec": planned,
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "settings": document_key(path) if fmt == DOCUMENT and document_key is not None else settings_key,
            }
            key = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:32]
            specs.append(ShardSpec(**{**spec.__dict__, "key": key}))
    return specs, rejects


def _line_slices(path: Path, cfg: CorpusConfig) -> list[tuple[int, int, int, tuple[int, ...]]]:
    """(first line, lines, byte offset, ()) per slice of ``shard_records`` lines (blank lines included)."""
    slices: list[tuple[int, int, int, tuple[int, ...]]] = []
    offset = 0
    start, count, at = 1, 0, 0
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, start=1):
            if count == 0:
                start, at = lineno, offset
            count += 1
            offset += len(line)
            if count == cfg.shard_records:
                slices.append((start, count, at, ()))
                count = 0
    if count:
        slices.append((start, count, at, ()))
    return slices


def _parquet_slices(path: Path, shard_records: int) -> list[tuple[int, int, int, tuple[int, ...]]]:
    """Whole row groups per slice, at least ``shard_records`` rows each (the last one may have fewer)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    slices: list[tuple[int, int, int, tuple[int, ...]]] = []
    groups: list[int] = []
    row, count, start = 0, 0, 0
    for g in range(meta.num_row_groups):
        if not groups:
            start = row
        n = meta.row_group(g).num_rows
        groups.append(g)
        count += n
        row += n
        if count >= shard_records:
            slices.append((start, count, 0, tuple(groups)))
            groups, count = [], 0
    if groups:
        slices.append((start, count, 0, tuple(groups)))
    return slices


# --------------------------------------------------------------------------- ids repeated across shards


def find_duplicates(specs: list[ShardSpec], cfg: CorpusConfig) -> tuple[list[ShardSpec], int]:
    """The specs with ``duplicates`` set: every record whose id a record of an earlier shard already has.

    One pass over the whole input before any shard runs (ids only are kept: a 64-bit hash per record, with
    its shard and position, 20 bytes a record plus the sort's index). In plan order (shards in order, records in order)
    the first valid record with an id keeps it; a later one in another shard is listed on its shard's spec,
    with the first one's location, and :func:`read_shard` rejects it. Repeats inside one shard are left to
    :func:`read_shard` (it finds them itself, with the same reason). Records that are rejects anyway (not
    JSON, no id, no text) use no id. Text files and documents are skipped: their ids (``file:line``, the path) are
    unique.

    A shard with duplicates gets a key that includes them, so a shard whose duplicates change (another
    input file added or changed) is not skipped as done by a rerun. Returns the specs and the number of
    duplicates found. Two different ids with the same 64-bit hash would be taken for one: with n records
    the chance is about n^2 / 2^65 (for 10 million records, 3 in a million jobs).
    """
    import numpy as np

    hashes: list[np.ndarray] = []
    shard_of: list[np.ndarray] = []
    pos_of: list[np.ndarray] = []
    for n, spec in enumerate(specs):
        if spec.fmt in ("text", DOCUMENT):
            continue
        digests: list[bytes] = []
        positions: list[int] = []
        for i, item in enumerate(_records(spec, cfg)):
            if isinstance(item, InputRecord):
                digests.append(hashlib.blake2b(item.id.encode("utf-8"), digest_size=8).digest())
                positions.append(i)
        if digests:
            hashes.append(np.frombuffer(b"".join(digests), dtype="<u8"))
            shard_of.append(np.full(len(digests), n, dtype=np.int32))
            pos_of.append(np.array(positions, dtype=np.int64))
    if not hashes:
        return specs, 0
    h = np.concatenate(hashes)
    shard = np.concatenate(shard_of)
    order = np.argsort(h, kind="stable")  # stable: equal hashes stay in plan order, the first one first
    hs = h[order]
    starts = np.ones(len(hs), dtype=bool)
    starts[1:] = hs[1:] != hs[:-1]
    if starts.all():
        return specs, 0
    pos = np.concatenate(pos_of)
    first = order[np.maximum.accumulate(np.where(starts, np.arange(len(hs)), 0))]  # per sorted slot
    later = np.flatnonzero(~starts)
    dup, orig = order[later], first[later]
    cross = shard[dup] != shard[orig]  # repeats inside a shard: read_shard rejects them
    dup, orig = dup[cross], orig[cross]
    found: dict[int, list[tuple[int, str]]] = {}
    for d, o in zip(dup.tolist(), orig.tolist(), strict=True):
        s = int(shard[d])
        found.setdefault(s, []).append((int(pos[d]), _where(specs[int(shard[o])], int(pos[o]))))
    out = list(specs)
    for s, items in found.items():
        spec = specs[s]
        dups = tuple((_where(spec, p), w) for p, w in sorted(items))
        key = hashlib.sha256(json.dumps({"key": spec.key, "duplicates": dups}).encode()).hexdigest()[:32]
        out[s] = ShardSpec(**{**spec.__dict__, "key": key, "duplicates": dups})
    return out, len(dup)


def _where(spec: ShardSpec, i: int) -> str:
    """The location of the ``i``-th line/row of a shard (as :func:`_records` names it)."""
    return f"{spec.rel}#{spec.start + i}" if spec.fmt == "parquet" else f"{spec.rel}:{spec.start + i}"


# --------------------------------------------------------------------------- reading a shard


def read_shard(spec: ShardSpec, cfg: CorpusConfig) -> ShardWork:
    """The shard's valid records (as docs still to process) and a reject for every other record.

    A record whose id an earlier record of the input already has is rejected (the outputs name pairs by
    record id, so two records with one id could not be told apart): ``spec.duplicates`` lists those whose
    first record is in an earlier shard (:func:`find_duplicates`), repeats inside the shard are found here.
    """
    from pipeline.corpus.records import Doc

    work = ShardWork(spec)
    seen: dict[str, str] = {}
    earlier = dict(spec.duplicates)
    for item in _records(spec, cfg):
        if item is None:  # a blank line: not a record
            work.blank += 1
            continue
        if isinstance(item, Reject):
            work.rejects.append(item)
        elif item.where in earlier or item.id in seen:
            first = earlier.get(item.where) or seen[item.id]
            reason = f"duplicate id {item.id!r} (first used at {first})"
            work.rejects.append(Reject(item.where, "read", reason, item.id))
        else:
            seen[item.id] = item.where
            work.docs.append(Doc(item))
        work.records += 1
    return work


def _records(spec: ShardSpec, cfg: CorpusConfig) -> Iterator[InputRecord | Reject | None]:
    if spec.fmt == DOCUMENT:  # read by its reader in the segment stage (which knows the languages and settings)
        yield InputRecord(spec.rel, "", spec.rel, path=spec.path)
        return
    if spec.fmt == "parquet":
        yield from _parquet_records(spec, cfg)
        return
    try:
        f = open(spec.path, "rb")
    except OSError as e:
        for i in range(spec.count):  # every line of the slice, blank or not: unknown
            yield Reject(f"{spec.rel}:{spec.start + i}", "read", f"cannot open the file: {e.strerror}")
        return
    with f:
        f.seek(spec.offset)
        for i in range(spec.count):
            raw = f.readline()
            where = f"{spec.rel}:{spec.start + i}"
            if not raw:  # the file shrank since it was planned
                yield Reject(where, "read", "line missing: the file changed while the job ran")
                continue
            try:
                line = raw.decode("utf-8-sig" if spec.start + i == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                yield Reject(where, "read", f"not UTF-8 text (undecodable byte at column {e.start + 1})")
                continue
            if not line.strip():
                yield None
                continue
            if spec.fmt == "text":
                yield InputRecord(f"{spec.rel}:{spec.start + i}", line.strip(), where)
            else:
                yield _from_json_line(line, where, cfg)


def _from_json_line(line: str, where: str, cfg: CorpusConfig) -> InputRecord | Reject:
    try:
        obj = json.loads(line)
    except ValueError as e:
        return Reject(where, "read", f"not a JSON object: {_one_line(e)}")
    if not isinstance(obj, dict):
        return Reject(where, "read", f"not a JSON object but a {type(obj).__name__}")
    return _validate(obj.get(cfg.id_field), obj.get(cfg.text_field), where, cfg)


def _validate(rid: Any, text: Any, where: str, cfg: CorpusConfig) -> InputRecord | Reject:
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or (isinstance(rid, str) and not rid.strip()):
        what = "no" if rid is None or rid == "" else f"an unusable ({type(rid).__name__})"
        return Reject(where, "read", f"record has {what} id (field {cfg.id_field!r})")
    rid = str(rid)
    if not isinstance(text, str):
        what = "no" if text is None else f"a non-string ({type(text).__name__})"
        return Reject(where, "read", f"record has {what} text (field {cfg.text_field!r})", rid)
    if not text.strip():
        return Reject(where, "read", f"record has an empty text (field {cfg.text_field!r})", rid)
    return InputRecord(rid, text, where)


def _parquet_records(spec: ShardSpec, cfg: CorpusConfig) -> Iterator[InputRecord | Reject]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(spec.path)
        names = set(pf.schema_arrow.names)
        cols = [c for c in (cfg.id_field, cfg.text_field) if c in names]
        table = pf.read_row_groups(list(spec.row_groups), columns=cols)
        ids = table.column(cfg.id_field).to_pylist() if cfg.id_field in names else [None] * table.num_rows
        texts = table.column(cfg.text_field).to_pylist() if cfg.text_field in names else [None] * table.num_rows
    except Exception as e:  # noqa: BLE001 - a corrupt slice rejects its rows, not the job
        reason = f"cannot read Parquet rows: {_one_line(e)}"
        for i in range(spec.count):
            yield Reject(f"{spec.rel}#{spec.start + i}", "read", reason)
        return
    for i, (rid, text) in enumerate(zip(ids, texts, strict=True)):
        yield _validate(rid, text, f"{spec.rel}#{spec.start + i}", cfg)
    for i in range(len(ids), spec.count):  # fewer rows than planned: the file changed
        yield Reject(f"{spec.rel}#{spec.start + i}", "read", "row missing: the file changed while the job ran")


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:300]
