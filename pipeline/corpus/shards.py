"""Shard outputs on disk: ``<out>/shards/<shard>.en-<lang>.{parquet,jsonl,tmx}``, ``<shard>.rejects.jsonl``
and the ``<shard>.done.json`` marker.

A shard's files are written as one unit (:func:`pipeline.write.output.commit_all`: every file staged in
full, then renamed into place) with the marker renamed last, so a marker only exists beside complete
files. A rerun skips a shard whose marker matches the shard's key (the input slice, the input file's size
and mtime, the settings that decide the output, and the records it rejects as repeating an id of an
earlier shard) and whose files are all there.

A document record's translated document goes to ``<out>/documents/<its path in the input>`` with ``.<lang>``
before its extension (``news/a.html`` -> ``documents/news/a.uk.html``), written before the shard's files; the
marker lists it (``documents``, relative to ``<out>``), so a shard whose document is missing is redone.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path, PurePosixPath

from pipeline.components import Components
from pipeline.corpus.records import Reject, ShardResult, ShardSpec, ShardWork
from pipeline.records import AlignedPair
from pipeline.write.output import Rendered, commit_all

log = logging.getLogger(__name__)

MARKER = ".done.json"
REJECTS = ".rejects.jsonl"
DOCUMENTS = "documents"  # beside shards/: the translated documents, in the input's folders


def document_path(record_id: str, lang: str) -> str:
    """Where a document record's translation goes, relative to the output folder."""
    rel = PurePosixPath(record_id)
    return str(PurePosixPath(DOCUMENTS, rel.parent, f"{rel.stem}.{lang}{rel.suffix}"))


def marker_path(shards_dir: Path, name: str) -> Path:
    return shards_dir / f"{name}{MARKER}"


def dumps_reject(r: Reject) -> str:
    return json.dumps(r.to_json(), ensure_ascii=False)


def write_shard(work: ShardWork, parts: Components, shards_dir: Path, created: str) -> ShardResult:
    """Render the shard's formats, its rejects and its marker; write them as one unit; return the marker."""
    assert work.translator is not None
    cfg, tr = parts.cfg, work.translator
    signature = parts.signature(tr)
    pairs: list[AlignedPair] = [p for d in work.docs for p in d.pairs]
    details = {f"{d.record.id}#{pid}": v for d in work.docs for pid, v in d.qa_details.items()}
    source = work.docs[0].source if len(work.docs) == 1 else None  # a document's shard holds it alone
    rendered = parts.render(
        cfg.corpus.formats,
        pairs,
        f"{work.spec.name}.{cfg.src_lang}-{cfg.lang}",
        signature=signature,
        created=datetime.fromisoformat(created),
        corpus=True,
        qa_details=details,
        datatype=source.datatype if source is not None else "plaintext",
        document=source.metadata if source is not None else None,
    )
    rendered.append(
        Rendered(work.spec.name + REJECTS, data="".join(dumps_reject(r) + "\n" for r in work.rejects).encode())
    )
    documents: list[str] = []
    for d in work.docs:  # before the marker: a shard is done only with its translated documents in place
        if d.translated is not None:
            rel = document_path(d.record.id, str(cfg.lang))
            target = PurePosixPath(rel)
            commit_all([Rendered(target.name, data=d.translated)], shards_dir.parent / target.parent)
            documents.append(rel)
    flags: dict[str, int] = {}
    for d in work.docs:
        for k, v in d.flags.items():
            flags[k] = flags.get(k, 0) + v
    result = ShardResult(
        name=work.spec.name,
        key=work.spec.key,
        records=work.records,
        written=len(work.docs),
        rejected=len(work.rejects),
        blank=work.blank,
        sentences=sum(len(d.seg.sentences) for d in work.docs if d.seg is not None),
        pairs=len(pairs),
        files=tuple(r.name for r in rendered),
        signature=signature.as_string(),
        device=tr.device,
        flags=flags,
        seconds={k: round(v, 3) for k, v in work.seconds.items()},
        glossary=dict(work.glossary),
        documents=tuple(documents),
    )
    if result.written + result.rejected != result.records:  # every record is in the outputs or a reject
        raise RuntimeError(f"{result.records} records, but {result.written} written + {result.rejected} rejected")
    body = {"shard": work.spec.to_json(), **result.to_json()}
    rendered.append(Rendered(work.spec.name + MARKER, data=(json.dumps(body, indent=1) + "\n").encode()))
    commit_all(rendered, shards_dir)  # the marker is renamed into place last
    keep = {r.name for r in rendered}
    for old in shards_dir.glob(f"{work.spec.name}.*"):  # formats no longer asked for
        if old.name not in keep and old.is_file():
            old.unlink()
    return result


def load_done(shards_dir: Path, spec: ShardSpec) -> ShardResult | None:
    """The shard's marker when it matches ``spec.key`` and every file it lists exists; else None."""
    path = marker_path(shards_dir, spec.name)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        optional = {"glossary", "documents"}  # not in the markers of older versions
        fields = [k for k in ShardResult.__dataclass_fields__ if k not in optional or k in body]
        result = ShardResult.from_json({k: body[k] for k in fields})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("shard %s: unreadable marker %s (%s); redoing the shard", spec.name, path, e)
        return None
    if result.key != spec.key:
        log.info("shard %s: input or settings changed since it was written; redoing it", spec.name)
        return None
    missing = [f for f in result.files if not (shards_dir / f).is_file()]
    missing += [f for f in result.documents if not (shards_dir.parent / f).is_file()]
    if missing:
        log.warning("shard %s: %s missing; redoing the shard", spec.name, ", ".join(missing))
        return None
    return result


def read_rejects(shards_dir: Path, name: str) -> list[str]:
    """The JSON lines of a written shard's rejects file."""
    path = shards_dir / f"{name}{REJECTS}"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def remove_stale(shards_dir: Path, planned: set[str]) -> int:
    """Delete shard files of an earlier plan (another input or shard size) that this plan does not have."""
    n = 0
    for p in shards_dir.glob("part-*"):
        if p.is_file() and p.name.split(".", 1)[0] not in planned:
            p.unlink()
            n += 1
    return n
