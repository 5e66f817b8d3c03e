"""Anchors: numbers, URLs, shared words and punctuation that a sentence and its translation have in common.

Per sentence (:func:`sentence_anchors`), filtered and IDF-weighted per document pair
(:func:`document_anchors`), then hashed into unit vectors (:func:`anchor_vectors`) whose cosines the bead
model turns into a log-likelihood ratio (aligned vs random pairs, :mod:`pipeline.align.beads`).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.]+\b", re.IGNORECASE)
_NUM = re.compile(r"\d+(?:[.,'\u2009\u202f ]\d{3})*(?:[.,]\d+)?")
_WORD = re.compile(r"\w+")

#: sentence punctuation classes, language-neutral (full-width and typographic variants included)
_PUNCT_CLASSES = {
    "?": "?",
    "？": "?",
    "¿": "?",
    ";": "?" if False else ";",
    "!": "!",
    "！": "!",
    "¡": "!",
    ":": ":",
    "：": ":",
    "(": "(",
    "（": "(",
    "[": "(",
    "【": "(",
    "…": "…",
    "%": "%",
    "％": "%",
}


def _digits(s: str) -> str:
    return "".join(str(unicodedata.digit(ch, 0)) if ch.isdigit() else ch for ch in s)


def sentence_anchors(text: str) -> Counter[str]:
    """Candidate anchors of one sentence: numbers, URLs, words (filtered later by document), punctuation."""
    out: Counter[str] = Counter()
    t = _digits(text)
    for u in _URL.findall(t):
        out["u:" + u.lower().rstrip(".,;)")] += 1
    t2 = _URL.sub(" ", t)
    for num in _NUM.findall(t2):
        v = re.sub(r"[.,'\u2009\u202f ](?=\d{3}\b)", "", num).replace(",", ".")
        out["n:" + v] += 1
    for w in _WORD.findall(t2):
        if not w.isdigit() and len(w) >= 2:
            out["w:" + w.lower()] += 1
    for ch in t2:
        cls = _PUNCT_CLASSES.get(ch)
        if cls is not None and cls != ";":
            out["p:" + cls] += 1
    opens, closes = quote_sides(t2)
    if opens:
        out['p:"<'] = 1
    if closes:
        out['p:">'] = 1
    return out


_QUOTES = "\"'“”„«»‘’「」『』"
_OPEN_AFTER = set(" \t([{—–-:：，,、")
_CLOSE_BEFORE = set(".,!?;:…—-)。？！，；：")


def quote_sides(text: str) -> tuple[bool, bool]:
    """Whether a sentence opens a quotation and whether it closes one.

    A speech of several sentences opens in its first and closes in its last, in both languages, so the
    two are separate anchors. Marks are told apart by position, not by shape, since the same mark opens
    in one language and closes in another (“ closes German „…“ and opens English “…”): a mark at the start
    or after a space, bracket, dash or colon and before text opens; one after text and before a space,
    punctuation or the end closes. 「」『』 are explicit; « » with spaces on both sides are French (« opens).
    A single ' or ’ counts only as a quote (British 'dialogue'), not as an apostrophe (don't, boys', '90s).
    """
    opens = closes = False
    n = len(text)
    for k, ch in enumerate(text):
        if ch not in _QUOTES:
            continue
        if ch in "「『":
            opens = True
            continue
        if ch in "」』":
            closes = True
            continue
        prev = text[k - 1] if k > 0 else " "
        nxt = text[k + 1] if k + 1 < n else " "
        if prev.isspace() and nxt.isspace() and ch in "\u00ab\u00bb":  # French spacing: « text »
            if ch == "\u00ab":
                opens = True
            else:
                closes = True
            continue
        if (prev in _OPEN_AFTER or prev in _QUOTES) and not nxt.isspace():
            if ch in "'’" and not (nxt.isalpha()):
                continue
            opens = True
        elif not prev.isspace() and (nxt.isspace() or nxt in _CLOSE_BEFORE or nxt in _QUOTES):
            if ch in "'’" and not (prev in _CLOSE_BEFORE or prev in _QUOTES):
                continue  # an apostrophe (boys') unless after end punctuation
            closes = True
    return opens, closes


def document_anchors(
    src: Sequence[str], tgt: Sequence[str]
) -> tuple[list[Counter[str]], list[Counter[str]], dict[str, float]]:
    """Anchors of both documents, keeping words only where the same word occurs in both documents.

    Returns the per-sentence anchor counters and an IDF-like weight per anchor
    (``log(1 + N / df)``, N = sentences of both documents), so frequent shared tokens count little.
    """
    a_src = [sentence_anchors(t) for t in src]
    a_tgt = [sentence_anchors(t) for t in tgt]
    df_src: Counter[str] = Counter()
    df_tgt: Counter[str] = Counter()
    for c in a_src:
        df_src.update(c.keys())
    for c in a_tgt:
        df_tgt.update(c.keys())
    shared = {k for k in df_src if k in df_tgt}
    keep = {k for k in shared if not k.startswith("w:")}  # numbers, urls, punctuation: kept if shared
    words = {k for k in shared if k.startswith("w:")}
    keep |= words
    for c in a_src + a_tgt:
        for k in [k for k in c if k not in keep and not k.startswith(("n:", "u:", "p:"))]:
            del c[k]
    N = len(src) + len(tgt)
    weights = {k: math.log(1.0 + N / (df_src.get(k, 0) + df_tgt.get(k, 0))) for k in set(df_src) | set(df_tgt)}
    return a_src, a_tgt, weights


def anchor_vectors(anchors: Sequence[Counter[str]], weights: dict[str, float], dim: int = 512) -> np.ndarray:
    """Hashed, IDF-weighted anchor vectors (n, dim), L2-normalised; all-zero rows for no anchors."""
    out = np.zeros((len(anchors), dim), dtype=np.float32)
    for r, c in enumerate(anchors):
        for k, v in c.items():
            h = int.from_bytes(hashlib.blake2b(k.encode(), digest_size=4).digest(), "little") % dim
            out[r, h] += v * weights.get(k, 1.0)
    nrm = np.linalg.norm(out, axis=1, keepdims=True)
    nrm[nrm == 0] = 1.0
    return out / nrm
