"""How a subtitle block's translation is laid out over its cues: the one function the subtitle writer and the
subtitle quality checks share, so what the checks measure is what is written.

A subtitle block is a run of consecutive cues read as one text (:mod:`pipeline.read.srt`); each cue starts with an
isolated inline code of kind :data:`CUE` whose markup is the cue's header (number and timecode line). After
translation the block's text is cut into one part per cue (:func:`cue_spans`): at word boundaries (characters,
where there are too few words), each cut as near as it can be to where the model put the cue's code when it kept
it, else to the cue's share of the source's length (its non-space characters). No cue is left empty. Each part
is wrapped (:func:`wrap`) into as few lines of at most ``max_line_length`` characters as it takes, balanced; when
that is more than ``max_lines`` lines, into ``max_lines`` longer lines (a line break before a speaker's dash is
kept). :func:`lay_out` gives each cue's lines, as plain text and with their markup; :func:`pair_blocks` rebuilds
a document's blocks from its aligned pairs, as the writer is given them, for the checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from pipeline.records import AlignedPair, InlineCode

__all__ = [
    "BR",
    "CUE",
    "FILLER",
    "CueLayout",
    "Limits",
    "PairBlock",
    "cue_codes",
    "cue_duration",
    "cue_number",
    "cue_spans",
    "lay_out",
    "pair_blocks",
    "weights",
    "wrap",
]

Escape = Callable[[str], str]


def _same(text: str) -> str:
    return text


#: the kind of the isolated code that starts each cue of a block (its markup: the cue's header)
CUE = "cue"
#: the kind of a kept line break (before a speaker's dash)
BR = "br"
#: what a cue holds when a translation has fewer characters than its block has cues (never an empty cue)
FILLER = "…"


@dataclass(frozen=True)
class Limits:
    """What a subtitle's lines may hold (``read.srt``)."""

    max_line_length: int = 42
    max_lines: int = 2
    max_cps: float = 17.0


@dataclass(frozen=True)
class CueLayout:
    """One cue of a laid-out block: its part of the block's text (``start``/``end``), its lines as plain text
    (what the viewer reads) and the same lines with the inline markup written in."""

    start: int
    end: int
    lines: tuple[str, ...]
    markup: tuple[str, ...]

    @property
    def chars(self) -> int:
        """Characters on screen (line breaks not counted)."""
        return sum(len(line) for line in self.lines)


def cue_codes(codes: Sequence[InlineCode]) -> list[InlineCode]:
    """The cue codes among ``codes``, in the order of their ids (the cues' order)."""
    return sorted((c for c in codes if c.kind == CUE), key=lambda c: c.id)


def weights(text: str, codes: Sequence[InlineCode]) -> list[int]:
    """Each cue's share of a source block: the non-space characters from its code to the next cue's."""
    starts = [c.start for c in sorted(cue_codes(codes), key=lambda c: (c.start, c.id))]
    ends = [*starts[1:], len(text)]
    return [max(1, sum(1 for ch in text[a:b] if not ch.isspace())) for a, b in zip(starts, ends, strict=True)]


def cue_number(code: InlineCode) -> str:
    """The cue's number or identifier as its header writes it (the first line of a cue code's markup), or, for
    a cue without one (WebVTT), ``at`` and its start time."""
    lines = code.opening.strip().splitlines()
    if not lines:
        return "?"
    first = lines[0].strip()
    return f"at {first.partition('-->')[0].strip()}" if "-->" in first else first


def _seconds(stamp: str) -> float:
    """``HH:MM:SS,mmm`` (SRT; the ``srt`` library's reading) or ``MM:SS.mmm`` (WebVTT) in seconds."""
    import srt

    if len(re.split(r"[,.:]", stamp)) == 3:  # WebVTT without hours
        stamp = "0:" + stamp
    span: timedelta = srt.srt_timestamp_to_timedelta(stamp)
    return span.total_seconds()


def cue_duration(code: InlineCode) -> float | None:
    """The cue's duration in seconds, from its header's timecode line (None: none found)."""
    for line in code.opening.splitlines():
        if "-->" in line:
            start, _, rest = line.partition("-->")
            end = rest.strip().split()[0] if rest.strip() else ""
            try:
                return _seconds(end) - _seconds(start.strip())
            except (ValueError, IndexError, AttributeError):
                return None
    return None


# --------------------------------------------------------------------------- distribution


def _candidates(text: str, a: int, b: int) -> list[int]:
    """Word starts strictly inside ``text[a:b]``."""
    return [p for p in range(a + 1, b) if not text[p].isspace() and text[p - 1].isspace()]


def _choose(cands: Sequence[int], ideals: Sequence[float]) -> list[int]:
    """``len(ideals)`` increasing positions from ``cands`` nearest (in sum) to ``ideals`` (enough candidates)."""
    k, m = len(ideals), len(cands)
    inf = float("inf")
    cost = [[inf] * m for _ in range(k)]
    back = [[-1] * m for _ in range(k)]
    for i in range(m):
        cost[0][i] = abs(cands[i] - ideals[0])
    for j in range(1, k):
        best, arg = inf, -1
        for i in range(m):
            if i > 0 and cost[j - 1][i - 1] < best:
                best, arg = cost[j - 1][i - 1], i - 1
            if arg >= 0:
                cost[j][i] = best + abs(cands[i] - ideals[j])
                back[j][i] = arg
    i = min(range(m), key=lambda x: (cost[k - 1][x], x))
    out = [i]
    for j in range(k - 1, 0, -1):
        i = back[j][i]
        out.append(i)
    return [cands[x] for x in reversed(out)]


def cue_spans(
    text: str, codes: Sequence[InlineCode], shares: Sequence[int], ids: Sequence[int] | None = None
) -> list[tuple[int, int]]:
    """Where each of ``len(shares)`` cues' parts of a translated block ``text`` begins and ends (spaces around
    a part left out; an empty part only where ``text`` has fewer characters than there are cues).

    ``codes``: the block's codes in ``text``; a cue code the model kept (not ``by_rule``), in order, places its
    cue's start; ``shares``: the cues' shares of the source (:func:`weights`) place the others; ``ids``: the
    source's cue codes' ids, in order (None: the cue codes in ``codes`` are all of them)."""
    a = len(text) - len(text.lstrip())
    b = len(text.rstrip())
    k = len(shares)
    if k <= 1 or b <= a:
        return [(a, b)] + [(b, b)] * (k - 1) if k else []
    total = float(sum(shares))
    ideals = [a + (b - a) * sum(shares[:j]) / total for j in range(1, k)]
    found = {c.id: c for c in codes if c.kind == CUE and not c.by_rule}
    order = list(ids) if ids is not None else [c.id for c in cue_codes(codes)]
    kept = [found[i].start if i in found else None for i in order[1:]] if len(order) == k else []
    every = [x for x in kept if x is not None]
    if kept and len(every) == len(kept) and all(a < x < b for x in every) and all(x < y for x, y in pairwise(every)):
        ideals = [float(x) for x in every]
    else:  # the kept ones, where they are in order after the cut before them
        for j, x in enumerate(kept):
            lo = ideals[j - 1] if j else a
            if x is not None and lo < x < b:
                ideals[j] = float(x)
    cands = _candidates(text, a, b)
    if len(cands) < k - 1:  # too few words: cut between characters
        cands = [p for p in range(a + 1, b) if not text[p].isspace()]
    if len(cands) < k - 1:  # fewer characters than cues
        cuts = cands + [b] * (k - 1 - len(cands))
    else:
        cuts = _choose(cands, ideals)
    bounds = [a, *cuts, b]
    spans = []
    for s, e in pairwise(bounds):
        part = text[s:e]
        spans.append((s + len(part) - len(part.lstrip()), s + len(part.rstrip())))
    return spans


# --------------------------------------------------------------------------- wrapping


def _words(text: str, a: int, b: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    p = a
    while p < b:
        while p < b and text[p].isspace():
            p += 1
        q = p
        while q < b and not text[q].isspace():
            q += 1
        if q > p:
            out.append((p, q))
        p = q
    return out


def _greedy(words: Sequence[tuple[int, int]], width: int) -> int:
    """How many lines of at most ``width`` characters the words take (a longer word on a line of its own)."""
    lines, length = 0, -1
    for s, e in words:
        n = e - s
        if length >= 0 and length + 1 + n <= width:
            length += 1 + n
        else:
            lines, length = lines + 1, n
    return lines


def _balanced(words: Sequence[tuple[int, int]], lines: int) -> list[tuple[int, int]]:
    """The words in ``lines`` lines (fewer if there are fewer words), the longest line as short as it can be
    (ties: the lower line longer, as subtitles are set)."""
    m = len(words)
    r = min(lines, m)
    if r <= 1:
        return [(words[0][0], words[-1][1])] if words else []

    def span(i: int, j: int) -> int:  # words i..j-1 on one line
        return words[j - 1][1] - words[i][0]

    inf = (float("inf"), 0.0)
    best: dict[tuple[int, int], tuple[float, float]] = {}
    cut: dict[tuple[int, int], int] = {}
    for i in range(m):  # one line from word i to the end
        best[(1, i)] = (span(i, m), 0.0)
    for n in range(2, r + 1):
        for i in range(m - n + 1):
            cand = inf
            for j in range(i + 1, m - n + 2):
                rest = best.get((n - 1, j), inf)
                key = (max(span(i, j), rest[0]), span(i, j) + rest[1])  # then the upper lines shorter
                if key < cand:
                    cand, cut[(n, i)] = key, j
            best[(n, i)] = cand
    out: list[tuple[int, int]] = []
    i, n = 0, r
    while n > 1:
        j = cut[(n, i)]
        out.append((words[i][0], words[j - 1][1]))
        i, n = j, n - 1
    out.append((words[i][0], words[-1][1]))
    return out


def wrap(text: str, a: int, b: int, breaks: Sequence[int], limits: Limits) -> list[tuple[int, int]]:
    """Lines of ``text[a:b]`` as spans: as few as fit ``max_line_length`` each, balanced; more than ``max_lines``
    of them are made ``max_lines`` longer ones. ``breaks``: offsets where a line must break (kept line breaks)."""
    pieces = []
    edges = [a, *sorted(x for x in breaks if a < x < b), b]
    for s, e in pairwise(edges):
        words = _words(text, s, e)
        if words:
            pieces.append(words)
    counts = [_greedy(w, limits.max_line_length) for w in pieces]
    if sum(counts) > limits.max_lines:
        counts = [1] * len(pieces)
        while sum(counts) < limits.max_lines:
            longest = max(range(len(pieces)), key=lambda k: max(e - s for s, e in _balanced(pieces[k], counts[k])))
            if counts[longest] >= len(pieces[longest]):
                break
            counts[longest] += 1
    return [line for words, n in zip(pieces, counts, strict=True) for line in _balanced(words, n)]


# --------------------------------------------------------------------------- layout


def _markup(
    text: str, lines: Sequence[tuple[int, int]], codes: Sequence[InlineCode], a: int, b: int, escape: Escape
) -> list[str]:
    """The lines with the markup of ``codes`` written in, paired codes cut to the cue (closed at its end and
    opened again in the next: each cue is shown on its own); a closing mark stays on the line of the words
    before it, an opening one goes with the words after it."""
    marks: list[tuple[int, int, int, str]] = []  # (offset, order: closing 0 / isolated 1 / opening 2, tie, markup)
    for c in codes:
        if c.kind in (CUE, BR):
            continue
        if c.isolated or c.start == c.end:
            if a <= c.start < b or (c.start == b and b == len(text.rstrip())):
                marks.append((c.start, 1, c.id, c.opening + c.closing))
            continue
        s, e = max(c.start, a), min(c.end, b)
        if s < e:
            marks.append((s, 2, -e, c.opening))
            marks.append((e, 0, -s, c.closing))
    per_line: list[list[tuple[int, int, int, str]]] = [[] for _ in lines]
    for off, order, tie, markup in marks:
        if order == 0:
            k = max([i for i, (ls, _) in enumerate(lines) if ls < off] or [0])
            per_line[k].append((min(off, lines[k][1]), order, tie, markup))
        else:
            k = next((i for i, (_, le) in enumerate(lines) if off < le), len(lines) - 1)
            per_line[k].append((min(max(off, lines[k][0]), lines[k][1]), order, tie, markup))
    out = []
    for (ls, le), line_marks in zip(lines, per_line, strict=True):
        parts, pos = [], ls
        for off, _, _, markup in sorted(line_marks):
            parts += [escape(text[pos:off]), markup]
            pos = off
        parts.append(escape(text[pos:le]))
        out.append("".join(parts))
    return out


def lay_out(
    text: str,
    codes: Sequence[InlineCode],
    shares: Sequence[int],
    limits: Limits,
    *,
    ids: Sequence[int] | None = None,
    escape: Escape | None = None,
) -> list[CueLayout]:
    """A translated block's text and codes laid out over its ``len(shares)`` cues (see the module; ``ids``: the
    source's cue codes' ids, :func:`cue_spans`); ``escape``: what the format does to text between its markup
    (``&`` -> ``&amp;`` in WebVTT; SRT: nothing)."""
    escape = escape or _same
    out = []
    breaks = [c.start for c in codes if c.kind == BR]
    for a, b in cue_spans(text, codes, shares, ids):
        if b <= a:
            out.append(CueLayout(a, b, (FILLER,), (FILLER,)))
            continue
        lines = wrap(text, a, b, breaks, limits)
        plain = tuple(text[s:e] for s, e in lines)
        out.append(CueLayout(a, b, plain, tuple(_markup(text, lines, codes, a, b, escape))))
    return out


# --------------------------------------------------------------------------- the checks' view


@dataclass(frozen=True)
class PairBlock:
    """A subtitle block rebuilt from its pairs as the writer is given it: the translated text and codes (a pair
    without a target: its source), the cues' shares and codes, and where each pair's part is in the text."""

    pairs: tuple[int, ...]  # indices into the document's pairs
    text: str
    codes: tuple[InlineCode, ...]
    shares: tuple[int, ...]
    cues: tuple[InlineCode, ...]  # the source's cue codes, in order
    spans: tuple[tuple[int, int], ...]  # each pair's part of ``text``


def pair_blocks(pairs: Sequence[AlignedPair]) -> Iterator[PairBlock]:
    """The subtitle blocks of a document's pairs (those whose sources carry cue codes), in order."""
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(pairs):
        if p.paragraph is not None:
            groups.setdefault(p.paragraph, []).append(i)
    for members in groups.values():
        src, src_codes = _join([(pairs[i].src, pairs[i].src_codes) for i in members])
        cues = cue_codes(src_codes)
        if not cues:
            continue
        parts = []
        for i in members:
            p = pairs[i]
            parts.append((p.tgt, p.tgt_codes) if p.tgt.strip() else (" ".join(p.src.split()), p.src_codes))
        text, codes, spans = _join_spans(parts)
        yield PairBlock(tuple(members), text, codes, tuple(weights(src, src_codes)), tuple(cues), spans)


def _join(parts: Sequence[tuple[str, tuple[InlineCode, ...]]]) -> tuple[str, tuple[InlineCode, ...]]:
    text, codes, _ = _join_spans(parts)
    return text, codes


def _join_spans(
    parts: Sequence[tuple[str, tuple[InlineCode, ...]]],
) -> tuple[str, tuple[InlineCode, ...], tuple[tuple[int, int], ...]]:
    """Texts joined by a space with their codes moved (as :func:`pipeline.read.codes.translated_blocks` does)."""
    text = ""
    codes: list[InlineCode] = []
    spans: list[tuple[int, int]] = []
    for t, cs in parts:
        if text and t:
            text += " "
        codes += [c.moved(c.start + len(text), c.end + len(text), by_rule=c.by_rule) for c in cs]
        spans.append((len(text), len(text) + len(t)))
        text += t
    return text, tuple(codes), tuple(spans)
