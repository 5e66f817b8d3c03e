"""The review page: one self-contained static HTML file (inline CSS and JS, no network).

The pairs are embedded as JSON in ``<script type="application/json" id="review-data">`` with every
``<``, ``>`` and ``&`` written as a ``\\u00XX`` escape (so no text can close the script element), and
the page's script builds the table with ``textContent`` only. See ``template.html``.

A pair of a document with markup also carries ``src_codes``/``tgt_codes`` (its inline codes, as in the JSONL);
the page shows each code as a grey chip in the text (``⟨b⟩``...``⟨/b⟩``, ``⟨br⟩``; the markup as the input wrote
it in the tooltip; one put back by rule dashed red), never as markup. The template's parts for codes stand
between ``/*codes{*/`` and ``/*}codes*/``: a run without codes leaves them out, so its page is as it was before
documents with markup.

A pair the repair ladder repaired says so beside its scores (``repaired: <step>``); a pair with alternatives
(``translate.alternatives``, and a repaired pair's first output) lists them, with their scores, in its "Edit..."
row, each with a "Use" button that makes it the pair's target (an ``edit`` decision, as a typed correction). Those
parts stand between ``/*alts{*/`` and ``/*}alts*/`` and are left out of a run without either.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.io import atomic_write
from pipeline.qa.risk import risk_of
from pipeline.records import AlignedPair, run_hash
from pipeline.review.common import DECISIONS_FORMAT, sentence_cuts
from pipeline.xmlsafe import xml_safe

__all__ = ["REVIEW_PAGE_REQUIRES", "embed_json", "render_review_page", "review_data", "write_review_page"]

#: the outputs a review page needs beside it (``apply-review`` reads the run's JSONL with its decisions)
REVIEW_PAGE_REQUIRES = ("jsonl",)

_DATA_MARK = "__REVIEW_DATA__"
_TITLE_MARK = "__REVIEW_TITLE__"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _part(name: str, keep: bool, text: str) -> str:
    """``text`` with the template's optional part ``name`` (between ``/*name{*/`` and ``/*}name*/``) kept
    (its marks removed) or left out."""
    if keep:
        return re.sub(rf"/\*{name}\{{\*/|/\*\}}{name}\*/", "", text)
    return re.sub(rf"/\*{name}\{{\*/.*?/\*\}}{name}\*/", "", text, flags=re.S)


def _template(codes: bool = False, alternatives: bool = False) -> str:
    """The page template; its parts for inline codes (``codes``) and for alternatives (``alternatives``) kept or
    left out."""
    text = resources.files("pipeline.review").joinpath("template.html").read_text(encoding="utf-8")
    return _part("alts", alternatives, _part("codes", codes, text))


def _pair_data(p: AlignedPair, details: Mapping[str, Any], src_lang: str, tgt_lang: str) -> dict[str, Any]:
    data = {
        "id": p.id,
        "src": p.src,
        "tgt": p.tgt,
        "src_idx": list(p.src_idx),
        "tgt_idx": list(p.tgt_idx),
        "score": p.score,
        "mt_score": p.mt_score,
        "paragraph": p.paragraph,
        "flags": list(p.flags),
        "risk": risk_of(p.flags, repaired=p.repaired is not None),
        "details": details.get(str(p.id), {}),
        "src_cuts": sentence_cuts(p.src, src_lang),
        "tgt_cuts": sentence_cuts(p.tgt, tgt_lang),
    }
    if p.src_codes:  # a document with markup only: plain-text pairs are as they were
        data["src_codes"] = [c.to_json() for c in p.src_codes]
    if p.tgt_codes:
        data["tgt_codes"] = [c.to_json() for c in p.tgt_codes]
    if p.repaired is not None:  # the repair ladder and the alternatives: only where set, as in the JSONL
        data["repaired"] = p.repaired
    if p.alternatives:
        data["alternatives"] = [a.to_json() for a in p.alternatives]
    return data


def embed_json(data: Any) -> str:
    """JSON safe inside an HTML ``<script>`` element: no ``<``, ``>``, ``&``, U+2028/U+2029 left raw."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def review_data(
    pairs: Sequence[AlignedPair],
    *,
    signature: str,
    src_lang: str,
    tgt_lang: str,
    title: str,
    jsonl_path: Path | None = None,
    qa: Mapping[str, Any] | None = None,
    flag_help: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as JSON-serialisable data (also what the tests inspect)."""
    details: Mapping[str, Any] = (qa or {}).get("details", {})
    return {
        "format": DECISIONS_FORMAT,
        "run": {
            "hash": run_hash(pairs, signature),
            "signature": signature,
            "src_lang": src_lang,
            "tgt_lang": tgt_lang,
            "pairs": len(pairs),
            "title": title,
            "jsonl": jsonl_path.name if jsonl_path else None,
            "jsonl_path": str(jsonl_path.resolve()) if jsonl_path else None,
            "decisions_file": f"{title}.review-decisions.json",
        },
        "qa": {k: v for k, v in (qa or {}).items() if k != "details"},
        "flag_help": dict(flag_help or {}),
        "pairs": [_pair_data(p, details, src_lang, tgt_lang) for p in pairs],
    }


def render_review_page(data: Mapping[str, Any]) -> str:
    """The HTML page for :func:`review_data`'s ``data``."""
    title = html.escape(xml_safe(f"Review: {data['run']['title']}")[0], quote=True)  # a file name's controls, too
    values = {_TITLE_MARK: title, _DATA_MARK: embed_json(data)}
    codes = any("src_codes" in p or "tgt_codes" in p for p in data["pairs"])
    alternatives = any("alternatives" in p or "repaired" in p for p in data["pairs"])
    return re.sub(f"{_TITLE_MARK}|{_DATA_MARK}", lambda m: values[m.group()], _template(codes, alternatives))


def review_page_html(
    name: str,
    pairs: Sequence[AlignedPair],
    *,
    signature: str,
    src_lang: str,
    tgt_lang: str,
    jsonl_path: Path | None = None,
    qa: Mapping[str, Any] | None = None,
) -> str:
    """The review page (``name`` = its file name, ``<base>.review.html``) for ``pairs``, as a string."""
    from pipeline.qa import CHECKS

    data = review_data(
        pairs,
        signature=signature,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        title=name.removesuffix(".review.html"),
        jsonl_path=jsonl_path,
        qa=qa,
        flag_help={
            "translation_failed": "the model failed on this sentence; the reason is in the run report",
            "no_target": "the aligner found no translation of this source sentence (left out by the translator?)",
            "no_source": "the aligner found no source for this target sentence (added by the translator?)",
            **{c.name: c.description for c in map(CHECKS.load, CHECKS.names()) if c.applies_to(pairs)},
        },
    )
    return render_review_page(data)


def write_review_page(
    path: Path,
    pairs: Sequence[AlignedPair],
    *,
    signature: str,
    src_lang: str,
    tgt_lang: str,
    jsonl_path: Path | None = None,
    qa: Mapping[str, Any] | None = None,
) -> Path:
    """Write the review page for ``pairs`` to ``path`` atomically; ``jsonl_path`` is the run's JSONL (for apply)."""
    page = review_page_html(
        path.name, pairs, signature=signature, src_lang=src_lang, tgt_lang=tgt_lang, jsonl_path=jsonl_path, qa=qa
    )
    with atomic_write(path) as f:
        f.write(page)
    return path
