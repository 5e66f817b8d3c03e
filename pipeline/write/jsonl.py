"""JSON Lines writer and reader: one self-describing record per aligned pair.

Each line is :meth:`AlignedPair.to_json` (keys in field order: ``id, src_lang, tgt_lang, src, tgt,
src_idx, tgt_idx, score, mt_score, paragraph, flags``; ``src_codes``/``tgt_codes``, ``repaired`` and
``alternatives`` only when set) plus ``"risk"`` (the pair's risk level, :mod:`pipeline.qa.risk`: ok, check,
redo), ``"signature"`` (the signature string), and for a
document that declares them, ``"document"``: its title, author, date and url (a web page's article), UTF-8 with
``ensure_ascii=False``, one object per line, LF line ends, no blank lines.

The records are described by the JSON Schema ``pipeline/schemas/pair.schema.json`` (package data;
:func:`pair_schema` loads it): consumers must ignore keys they do not know.

So that every line survives any line-splitting reader and any UTF-8 encoder, U+0085, U+2028, U+2029
and lone surrogates are written as JSON ``\\uXXXX`` escapes (the value read back is identical). One
exception, inherent to JSON: a lone high surrogate directly followed by a lone low one is read back as
the one character the pair encodes in UTF-16 (``"\\ud83d\\ude00"`` -> U+1F600), since JSON cannot tell
the two apart. Scores must be finite: NaN/Infinity are not JSON and raise :class:`ValueError` naming the
pair.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.qa.risk import risk_of
from pipeline.records import AlignedPair, Alternative, InlineCode, Signature
from pipeline.write.output import document_format

__all__ = ["SCHEMA_RESOURCE", "dumps_pair", "pair_schema", "read_jsonl", "render"]

_ESCAPE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")
_REQUIRED = ("id", "src_lang", "tgt_lang", "src", "tgt", "src_idx", "tgt_idx", "score")
SCHEMA_RESOURCE = "schemas/pair.schema.json"  # inside the pipeline package


@cache
def _schema_text() -> str:
    return resources.files("pipeline").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


def pair_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one JSONL record, from the package data (a fresh copy)."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def dumps_pair(pair: AlignedPair, signature: str, document: Mapping[str, str] | None = None) -> str:
    """One JSONL line (without the LF) for ``pair`` (``document``: what its source document declares)."""
    record: dict[str, Any] = pair.to_json()
    record["risk"] = risk_of(pair.flags, repaired=pair.repaired is not None)
    record["signature"] = signature
    if document:
        record["document"] = dict(document)
    try:
        line = json.dumps(record, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ValueError(
            f"pair {pair.id}: score/mt_score must be finite, got {pair.score!r}/{pair.mt_score!r}"
        ) from None
    # These characters only occur inside JSON strings, where \uXXXX escapes are equivalent.
    return _ESCAPE.sub(_escape, line)


def render(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
    document: Mapping[str, str] | None = None,
) -> str:
    """All records, one per line, each line ending in LF (empty string for no pairs).

    ``src_lang``/``tgt_lang``/``creation_date`` are accepted for a uniform writer interface; the
    records carry their own languages and JSONL has no creation date (outputs stay deterministic).
    ``document``: what the source document declares (title, author, date, url), on every record.
    """
    sig = signature.as_string()
    return "".join(dumps_pair(p, sig, document) + "\n" for p in pairs)


def _pair_from_record(record: Any) -> AlignedPair:
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    return AlignedPair(
        id=int(record["id"]),
        src_lang=str(record["src_lang"]),
        tgt_lang=str(record["tgt_lang"]),
        src=str(record["src"]),
        tgt=str(record["tgt"]),
        src_idx=tuple(int(i) for i in record["src_idx"]),
        tgt_idx=tuple(int(i) for i in record["tgt_idx"]),
        score=float(record["score"]),
        mt_score=None if record.get("mt_score") is None else float(record["mt_score"]),
        paragraph=None if record.get("paragraph") is None else int(record["paragraph"]),
        flags=tuple(str(f) for f in record.get("flags") or ()),
        doc=None if record.get("doc") is None else str(record["doc"]),
        src_codes=tuple(InlineCode(**c) for c in record.get("src_codes") or ()),
        tgt_codes=tuple(InlineCode(**c) for c in record.get("tgt_codes") or ()),
        repaired=None if record.get("repaired") is None else str(record["repaired"]),
        alternatives=tuple(
            Alternative(str(a["text"]), None if a.get("score") is None else float(a["score"]), str(a["origin"]))
            for a in record.get("alternatives") or ()
        ),
    )


def read_jsonl(path: str | Path) -> list[AlignedPair]:
    """Read pairs written by :func:`render` back (the ``signature`` field and unknown keys are ignored).

    Raises :class:`InputError` for a missing/unreadable file or a malformed line (with its number).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"JSONL file not found: {p}", "check the path") from None
    except OSError as e:
        raise InputError(f"cannot read JSONL file {p}: {e.strerror}", "check its permissions") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            f"JSONL file {p} is not UTF-8 (byte offset {e.start})", "give a file written by the pipeline"
        ) from None
    pairs: list[AlignedPair] = []
    # Split on LF only: str.splitlines() would also split on U+2028, U+0085, ... inside strings.
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            pairs.append(_pair_from_record(json.loads(line)))
        except (ValueError, TypeError) as e:
            raise InputError(
                f"{p}:{lineno}: not a pair record ({e})", "give a JSONL file written by the pipeline"
            ) from None
    return pairs


#: the ``jsonl`` output format (registered in :data:`pipeline.write.config.FORMATS`)
FORMAT = document_format(
    "jsonl",
    ".jsonl",
    lambda pairs, ctx: render(pairs, **ctx.kwargs(), document=ctx.document),
    description=".jsonl: one record per pair",
)
