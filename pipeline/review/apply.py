"""Reviewer decisions (exported by the review page) -> corrected pairs.

The decisions file::

    {"format": "pipeline-review/1",
     "run": {"hash": "...", "signature": "...", "jsonl": "doc.en-ko.jsonl", ...},
     "decisions": [
       {"op": "reject", "id": 3},                      leave pair 3 out
       {"op": "accept", "id": 4},                      keep pair 4, clear its QA flags
       {"op": "merge", "ids": [5, 6]},                 one pair from consecutive pairs 5 and 6
       {"op": "split", "id": 7, "src_at": [41], "tgt_at": [18]}   pair 7 cut into 2 parts
       {"op": "edit", "id": 8, "tgt": "corrected target"}        pair 8 with the reviewer's target text
     ]}

Offsets in ``src_at``/``tgt_at`` are Unicode code points into the pair's ``src``/``tgt``; part k runs
from cut k-1 to cut k, whitespace-trimmed, and every part needs text on both sides. A part's sentence
indices are those whose sentence overlaps it (by the rule segmenter; proportionally when the bead's
text does not segment into its number of indices), so a cut inside a sentence gives both parts that
sentence's index.

The run hash (:func:`pipeline.records.run_hash`) must match the pairs the decisions are applied
to. Each pair may appear in one decision. The result is renumbered 0..n-1; pairs changed by a decision
lose their QA flags (the reviewer has looked at them) and get ``reviewed:<op>``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.records import AlignedPair, InlineCode, run_hash
from pipeline.review.common import DECISIONS_FORMAT, sentence_spans

__all__ = ["Decision", "Decisions", "apply_decisions", "load_decisions", "parse_decisions"]

OPS = ("reject", "accept", "merge", "split", "edit")
_FIX = "export the decisions again from the review page"


@dataclass(frozen=True)
class Decision:
    op: str
    ids: tuple[int, ...]
    src_at: tuple[int, ...] = ()
    tgt_at: tuple[int, ...] = ()
    tgt: str | None = None  # edit: the corrected target text
    tgt_codes: tuple[InlineCode, ...] = ()  # edit (a post-edited XLIFF): the target's inline codes at offsets of tgt

    def label(self) -> str:
        return f"{self.op} {', '.join(str(i) for i in self.ids)}"


@dataclass(frozen=True)
class Decisions:
    run: dict[str, Any]
    decisions: tuple[Decision, ...]
    source: str = "decisions"

    @property
    def run_hash(self) -> str:
        return str(self.run.get("hash", ""))


def _ints(v: Any, what: str) -> tuple[int, ...]:
    if not isinstance(v, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        raise ValueError(f"{what} must be a list of integers")
    return tuple(v)


def _decision(raw: Any) -> Decision:
    if not isinstance(raw, dict) or raw.get("op") not in OPS:
        raise ValueError(f"op must be one of {', '.join(OPS)}")
    op = raw["op"]
    if op == "merge":
        ids = _ints(raw.get("ids"), "merge ids")
        if len(ids) < 2:
            raise ValueError("a merge needs at least two ids")
        return Decision(op, ids)
    pid = raw.get("id")
    if not isinstance(pid, int) or isinstance(pid, bool):
        raise ValueError("id must be an integer")
    if op == "split":
        src_at, tgt_at = _ints(raw.get("src_at"), "src_at"), _ints(raw.get("tgt_at"), "tgt_at")
        if not src_at or len(src_at) != len(tgt_at):
            raise ValueError("src_at and tgt_at need the same number (1 or more) of offsets")
        return Decision(op, (pid,), src_at, tgt_at)
    if op == "edit":
        tgt = raw.get("tgt")
        if not isinstance(tgt, str) or not tgt.strip():
            raise ValueError("an edit needs the corrected target text (tgt), not empty: reject the pair instead")
        codes = raw.get("tgt_codes") or []
        if not isinstance(codes, list) or not all(isinstance(c, dict) for c in codes):
            raise ValueError("tgt_codes must be a list of inline code records")
        try:
            parsed = tuple(InlineCode(**c) for c in codes)
        except (TypeError, ValueError) as e:
            raise ValueError(f"tgt_codes: {e}") from None
        return Decision(op, (pid,), tgt=" ".join(tgt.split()), tgt_codes=parsed)
    return Decision(op, (pid,))


def parse_decisions(data: Any, source: str = "decisions") -> Decisions:
    """Validate the structure of a decisions document (not yet against a run)."""
    if not isinstance(data, dict) or data.get("format") != DECISIONS_FORMAT:
        raise InputError(f"{source} is not a review decisions file (format {DECISIONS_FORMAT!r})", _FIX)
    run = data.get("run")
    if not isinstance(run, dict) or not isinstance(run.get("hash"), str):
        raise InputError(f"{source} has no run hash", _FIX)
    items = data.get("decisions")
    if not isinstance(items, list):
        raise InputError(f"{source} has no decisions list", _FIX)
    out = []
    for n, raw in enumerate(items):
        try:
            out.append(_decision(raw))
        except ValueError as e:
            raise InputError(f"{source}: decision {n + 1} is malformed ({e})", _FIX) from None
    return Decisions(run=run, decisions=tuple(out), source=source)


def load_decisions(path: str | Path) -> Decisions:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"decisions file not found: {p}", "check the path of the exported file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read decisions file {p}: {e}", "give the exported JSON file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"decisions file {p} is not JSON (line {e.lineno}: {e.msg})", _FIX) from None
    return parse_decisions(data, str(p))


def _part_indices(text: str, idx: tuple[int, ...], lang: str, start: int, end: int) -> tuple[int, ...]:
    if len(idx) <= 1:
        return idx
    spans = sentence_spans(text, lang, len(idx))
    got = tuple(i for i, (s, e) in zip(idx, spans, strict=True) if s < end and start < e)
    return got or idx


def _split(p: AlignedPair, d: Decision, label: str) -> list[AlignedPair]:
    src, tgt = list(p.src), list(p.tgt)
    bounds_s = (0, *d.src_at, len(src))
    bounds_t = (0, *d.tgt_at, len(tgt))
    for a, b, what in ((bounds_s, len(src), "src_at"), (bounds_t, len(tgt), "tgt_at")):
        if any(x >= y for x, y in zip(a, a[1:], strict=False)):
            raise InputError(f"{label}: {what} offsets must increase strictly inside the text (1..{b - 1})", _FIX)
    parts = []
    for k in range(len(bounds_s) - 1):
        s0, s1, t0, t1 = bounds_s[k], bounds_s[k + 1], bounds_t[k], bounds_t[k + 1]
        s_raw, t_raw = "".join(src[s0:s1]), "".join(tgt[t0:t1])
        s_text, t_text = s_raw.strip(), t_raw.strip()
        if not s_text or not t_text:
            raise InputError(f"{label}: part {k + 1} has no source or no target text", _FIX)
        parts.append(
            dataclasses.replace(
                p,
                src=s_text,
                tgt=t_text,
                src_codes=_clip_codes(p.src_codes, s0, s0 + len(s_raw.rstrip()), len(s_raw) - len(s_raw.lstrip())),
                tgt_codes=_clip_codes(p.tgt_codes, t0, t0 + len(t_raw.rstrip()), len(t_raw) - len(t_raw.lstrip())),
                src_idx=_part_indices(p.src, p.src_idx, p.src_lang, s0, s1),
                tgt_idx=_part_indices(p.tgt, p.tgt_idx, p.tgt_lang, t0, t1),
                flags=("reviewed:split",),
            )
        )
    return parts


def _joined_codes(texts: Sequence[str], codes: Sequence[tuple[InlineCode, ...]]) -> tuple[InlineCode, ...]:
    """The codes of texts joined by one space (empty texts left out), at offsets of the joined text."""
    out: list[InlineCode] = []
    at = 0
    for text, cs in zip(texts, codes, strict=True):
        if not text:
            continue
        out += [c.moved(c.start + at, c.end + at, by_rule=c.by_rule) for c in cs]
        at += len(text) + 1
    return tuple(out)


def _clip_codes(codes: Sequence[InlineCode], start: int, end: int, lead: int) -> tuple[InlineCode, ...]:
    """The codes inside ``[start, end)`` of a text, at offsets of that part (``lead``: spaces stripped at its start)."""
    return tuple(
        c.moved(c.start - start - lead, c.end - start - lead, by_rule=c.by_rule)
        for c in codes
        if start + lead <= c.start and c.end <= end
    )


def _merge(group: Sequence[AlignedPair]) -> AlignedPair:
    mt = [p.mt_score for p in group if p.mt_score is not None]
    return dataclasses.replace(
        group[0],
        src_codes=_joined_codes([p.src for p in group], [p.src_codes for p in group]),
        tgt_codes=_joined_codes([p.tgt for p in group], [p.tgt_codes for p in group]),
        src=" ".join(p.src for p in group if p.src),
        tgt=" ".join(p.tgt for p in group if p.tgt),
        src_idx=tuple(sorted({i for p in group for i in p.src_idx})),
        tgt_idx=tuple(sorted({i for p in group for i in p.tgt_idx})),
        score=min(p.score for p in group),
        mt_score=min(mt) if mt else None,
        paragraph=next((p.paragraph for p in group if p.paragraph is not None), None),
        flags=("reviewed:merged",),
    )


def apply_decisions(
    pairs: Sequence[AlignedPair], decisions: Decisions, *, signature: str
) -> tuple[list[AlignedPair], dict[str, int]]:
    """The corrected pairs and the number of decisions per op; :class:`InputError` for any inconsistency."""
    src = decisions.source
    actual = run_hash(pairs, signature)
    if decisions.run_hash != actual:
        raise InputError(
            f"{src} was made for run {decisions.run_hash}, but the JSONL given is run {actual}",
            "pass the JSONL file of the run the review page was made from (--jsonl)",
        )
    pos = {p.id: i for i, p in enumerate(pairs)}
    owner: dict[int, Decision] = {}
    for n, d in enumerate(decisions.decisions):
        label = f"{src}: decision {n + 1} ({d.label()})"
        for pid in d.ids:
            if pid not in pos:
                raise InputError(f"{label}: the run has no pair {pid}", _FIX)
            if pid in owner:
                raise InputError(f"{label}: pair {pid} already has a decision ({owner[pid].label()})", _FIX)
            owner[pid] = d
        if d.op == "merge" and [pos[i] for i in d.ids] != list(range(pos[d.ids[0]], pos[d.ids[0]] + len(d.ids))):
            raise InputError(f"{label}: only consecutive pairs can be merged, in order", _FIX)
    counts = dict.fromkeys(OPS, 0)
    for d in decisions.decisions:
        counts[d.op] += 1
    out: list[AlignedPair] = []
    for p in pairs:
        decision = owner.get(p.id)
        if decision is None:
            out.append(p)
        elif decision.op == "reject":
            continue
        elif decision.op == "accept":
            out.append(dataclasses.replace(p, flags=("reviewed:accepted",)))
        elif decision.op == "edit":  # the reviewer's text: no model confidence; the alignment is unchanged
            assert decision.tgt is not None  # parse_decisions requires it
            codes = tuple(c for c in decision.tgt_codes if c.end <= len(decision.tgt))  # the old ones no longer fit
            edited = dataclasses.replace(
                p, tgt=decision.tgt, tgt_codes=codes, mt_score=None, flags=("reviewed:edited",)
            )
            out.append(edited)
        elif decision.op == "merge":
            if p.id == decision.ids[0]:
                out.append(_merge([pairs[pos[i]] for i in decision.ids]))
        else:
            n = decisions.decisions.index(decision) + 1
            out += _split(p, decision, f"{src}: decision {n} ({decision.label()})")
    return [dataclasses.replace(p, id=n) for n, p in enumerate(out)], counts
