"""Rule-based sentence segmentation: abbreviation lists plus context heuristics, linear time.

Candidate boundaries are runs of terminal punctuation (plus closing quotes/brackets) followed by
whitespace, or CJK terminators (which need no following space). Each candidate is decided by looking
at the word before it and the word after it; nothing is matched with unbounded backtracking.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .lang_rules import LangRules, rules_for
from .layout import (
    CLOSERS,
    DASHES,
    LIST_INTRO,
    MAX_WORD,
    OPENERS,
    TERMS,
    attributed_quotes,
    char_before,
    datelines,
    headline_breaks,
    line_markers,
    next_token,
    spaced_ellipses,
    token_before,
)
from .paragraphs import split_paragraphs, trim

#: ``rules_for`` and ``LangRules`` live in :mod:`pipeline.segment.lang_rules`; imported from here too.
__all__ = ["LangRules", "RuleSegmenter", "rules_for"]

_CJK_TERMS = frozenset("。！？｡．")
_CJK_FULL_STOPS = frozenset("。｡．")
_ELLIPSIS_TERMS = frozenset(".…")
_QUOTE_OPENERS = frozenset("\"'“‘«»„‚‹›「『＂＇")


def _cls(chars: str) -> str:
    return "".join(re.escape(c) for c in chars)


# A word (token start after whitespace) ending in a run of terminators (+ closers) that is followed by
# whitespace or the end, capturing the next word. The lookbehind pins [T]+ to the start of a run, so
# nothing is ever re-scanned more than a bounded number of times: linear in the text length.
_SPACED = re.compile(
    f"(?<!\\S)(\\S*?)(?<![{_cls(TERMS)}])([{_cls(TERMS)}]+)([{_cls(CLOSERS)}]*)(?=\\s+(\\S{{1,64}})|\\s*\\Z)"
)
# Any run of terminators (used for CJK terminators, which need no following space).
_CANDIDATE = re.compile(f"(?<![{_cls(TERMS)}])([{_cls(TERMS)}]+)([{_cls(CLOSERS)}]*)")
_HAS_CJK = re.compile(f"[{_cls(''.join(sorted(_CJK_TERMS)))}]")
# Inline list markers: "1.", "2)", "3.)", "a." (optionally after a bullet: "• 9.", "⁃10."), and bullets alone.
_BULLETS = "•‣⁃◦▪●"
_INLINE_MARKER = re.compile(f"(?<!\\S)([{_BULLETS}][^\\S\\n]*)?(?:(\\d{{1,3}})|([a-z]))(\\.\\)|[.)])(?=[^\\S\\n]+\\S)")
_BULLET = re.compile(f"(?<!\\S)[{_BULLETS}](?=[^\\S\\n]*\\S)")
_LIST_START = re.compile(f"(?<![^\\s{_BULLETS}])[1a](?:\\.\\)?|\\))(?=\\s)")  # where a list can start: "1.", "1)", "a."
# Korean: a sentence ending run straight into the next sentence ("했다.그러나"); not "끝났다.”라고" (a closer between)
_HANGUL_RUN_ON = re.compile(r"(?<=[\uac00-\ud7a3])[.?!]+(?=[\uac00-\ud7a3])")
_OPENER_RUN = re.compile(f"[{_cls(OPENERS)}]+")
_WORD = re.compile(r"[^\W\d_]+")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # U.S, p.m, e.g, т.е
_NUMLIKE = re.compile(r"[(\[]?(?:\d[\d.,/\u2013\u2014-]*|[IVXLC]+(?:[\u2013\u2014-][IVXLC]+)?)[)\]]?")


class RuleSegmenter:
    """Sentence splitter driven by :class:`LangRules`."""

    def __init__(self, lang: str, rules: LangRules) -> None:
        self.lang = lang
        self.rules = rules
        self.name = f"rules-{rules.tag}.v2"

    def __repr__(self) -> str:
        return f"RuleSegmenter(lang={self.lang!r}, name={self.name!r})"

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans in ``text``; blank lines are hard boundaries."""
        out: list[tuple[int, int]] = []
        for ps, pe in split_paragraphs(text):
            out.extend((ps + s, ps + e) for s, e in self._paragraph(text[ps:pe]))
        return out

    # -- one paragraph -------------------------------------------------------------------------

    def _paragraph(self, p: str) -> list[tuple[int, int]]:
        n = len(p)
        cuts, no_cut = line_markers(p)
        # each rule runs only where its characters occur: most paragraphs are plain prose
        if _LIST_START.search(p) or _BULLET.search(p):
            list_cuts, list_keep = self._inline_lists(p)
            cuts += list_cuts
            no_cut |= list_keep
        if ". ." in p:
            dot_cuts, dot_keep = spaced_ellipses(p)
            cuts += dot_cuts
            no_cut |= dot_keep
        if "\n" in p:
            cuts += headline_breaks(p)
        if "—" in p or "–" in p or "/" in p:
            no_cut |= datelines(p)
        for qs, qe in attributed_quotes(p):
            no_cut.update(range(qs + 1, qe + 1))
        fixed = sorted(cuts)  # decided before the candidates: what each candidate's sentence starts after
        last = 0  # the last cut made by a candidate
        guillemets = 0  # « minus » before the candidate (direct speech interrupted by the author's words)
        counted = 0
        has_guillemets = "«" in p
        has_cjk = _HAS_CJK.search(p) is not None
        for m in _SPACED.finditer(p):
            e = m.end()
            if e >= n or e in no_cut:
                continue
            token, term, close, nxt = m.groups()
            if nxt is None or (has_cjk and _HAS_CJK.search(term)):
                continue  # the end of the paragraph; CJK runs are decided below
            if not term.strip(".…") and token.endswith(("[", "(")) and close[:1] in "])":
                continue  # "[...]", "(…)": an omission inside a quotation, not an end
            if has_guillemets:
                guillemets += p.count("«", counted, e) - p.count("»", counted, e)
                counted = e
            dash = nxt in DASHES
            if dash:
                nxt = next_token(p, e)
            prev = max(last, fixed[bisect_right(fixed, m.start()) - 1] if fixed and fixed[0] <= m.start() else 0)
            if dash and guillemets > 0:
                continue  # «Why? – she asked. – Go on.»: the author's words inside direct speech
            if self._boundary(p, prev, m.start(), _core(token), term, nxt):
                cuts.append(e)
                last = e
        if self.rules.hangul_run_on:
            cuts += [m.end() for m in _HANGUL_RUN_ON.finditer(p) if m.end() not in no_cut]
        if has_cjk:
            for m in _CANDIDATE.finditer(p):
                e = m.end()
                term, close = m.groups()
                if e < n and _HAS_CJK.search(term) and self._cjk_boundary(p, term, close, e):
                    cuts.append(e)
        cuts.sort()
        spans: list[tuple[int, int]] = []
        prev = 0
        for c in [*cuts, n]:
            if c <= prev:
                continue
            span = trim(p, prev, c)
            if span is not None:
                spans.append(span)
            prev = c
        return _no_bare_markers(p, spans)

    def _inline_lists(self, p: str) -> tuple[list[int], set[int]]:
        """Items of lists run into a paragraph: "1.) One 2.) Two", "a. One b. Two", "• 9. Nine • 10. Ten".

        A numbered list is a chain of markers of one kind ("1." / "1)" / "1.)", digits or lowercase letters)
        whose values go up by one, starting at 1 (or a) at the start of the paragraph or after a sentence end
        or a colon; a bulleted list is two or more bullets. Each item starts a sentence (a cut before its
        marker) and its marker is never a sentence of its own (no cut after it).
        """
        cuts: list[int] = []
        keep: set[int] = set()
        bullets = [m.start() for m in _BULLET.finditer(p)]
        if len(bullets) >= 2:
            cuts += [b for b in bullets if b > 0]
        chains: dict[tuple[bool, str], list[re.Match[str]]] = {}
        done: list[list[re.Match[str]]] = []
        for m in _INLINE_MARKER.finditer(p):
            bullet, digits, letter, suffix = m.groups()
            if bullet:
                keep.add(m.end())
            if token_before(p, m.start()).lower().rstrip(".") in self.rules.before_number:
                continue  # "No. 1. Then No. 2." are numbers, not markers
            value = int(digits) if digits else ord(letter) - ord("a") + 1
            key = (digits is not None, suffix)
            chain = chains.get(key)
            if chain is not None and _marker_value(chain[-1]) + 1 == value:
                chain.append(m)
            elif value == 1 or bullet:
                before = char_before(p, m.start())
                if not before or bullet or before in LIST_INTRO:
                    if chain is not None:
                        done.append(chain)
                    chains[key] = [m]
        for chain in [*done, *chains.values()]:
            if len(chain) < 2:
                continue
            keep.update(m.end() for m in chain)
            if not any(char_before(p, m.start()) in ",;" for m in chain[1:]):  # "such: 1) one; 2) two." goes on
                cuts += [m.start() for m in chain if m.start() > 0]
        return cuts, keep

    @staticmethod
    def _cjk_boundary(p: str, term: str, close: str, e: int) -> bool:
        nxt = p[e]
        if term[-1] == "．" and nxt.isdigit():
            return False  # fullwidth decimal point
        # “为什么？”他问 / 「なぜ？」と: a quoted question or exclamation running on into its clause.
        return not (close and not nxt.isspace() and not any(c in _CJK_FULL_STOPS for c in term))

    def _boundary(self, p: str, prev: int, start: int, core: str, term: str, nxt: str) -> bool:
        """Decide a candidate: ``core`` is the word (at ``start``) before the run ``term``, ``nxt`` the next word.

        ``prev`` is where the sentence that the candidate would end starts.
        """
        first = nxt.lstrip(OPENERS)[:1]
        if term != "." and any(c not in _ELLIPSIS_TERMS for c in term):  # ? ! and other strong terminators
            return not first.islower()
        if term != ".":  # ellipsis: a boundary only before a capital, or after a sentence ending ("멈췄다… 그리고")
            return first.isupper() or (core[-1:] in self.rules.endings and first.isalpha() and not first.islower())
        if not core or len(core) > MAX_WORD:
            return not first.islower()
        return self._period(p, prev, core, start, nxt, first)

    def _period(self, p: str, prev: int, core: str, start: int, nxt: str, first: str) -> bool:
        r = self.rules
        low = core.lower()
        if low in r.cap_only and not core[0].isupper():
            return not first.islower()
        if len(core) == 1 and core.isupper():
            if core in r.pronouns and token_before(p, start)[:1].islower():  # "you and I. Did you"
                return not first.islower()
            # an initial: J. R. R. Tolkien, George W. Bush, П. И. Чайковский; "Кравцов С. С. Его" ends
            return self._starts_sentence(nxt)
        if r.latin_never_ends and core[-1].isascii() and core[-1].isalpha():
            return False  # "U.S. Steel", "Ph.D. 과정": a sentence of this language ends in its own script
        if low in r.after_number:
            # "в 2010 г. Виктор" / "1898 г. В 1854 году" go on; "у 2024 р. Він сказав" ends
            return _NUMLIKE.fullmatch(token_before(p, start)) is not None and self._starts_clause(nxt)
        if low in r.never_end:
            return False
        if low in r.before_number and first.isdigit():
            return False
        if low in r.maybe_end or _DOTTED.fullmatch(core):
            if low not in r.maybe_end and core.isupper():  # initials run together: Л.Н. Толстой, J.R.R. Tolkien
                return self._starts_sentence(nxt)
            if self._lead_phrase(p, prev, start):  # "At 5 a.m. Mr. Smith went ..."
                return False
            return self._maybe_end(nxt, first)
        if len(core) == 1 and core.isalpha():
            return r.single_lower_ends and self._maybe_end(nxt, first)
        return not first.islower()

    def _lead_phrase(self, p: str, prev: int, start: int) -> bool:
        """Is the text from ``prev`` up to the word at ``start`` a short phrase opening with a preposition?

        "At 5 a.m." or "On Jan." is the start of a sentence, not a sentence: an abbreviation after it does not
        end one.
        """
        if start - prev > MAX_WORD:  # bounded: linear time
            return False
        words = p[prev:start].split()
        return 0 < len(words) <= 3 and words[0].lstrip(OPENERS) in self.rules.prepositions

    def _maybe_end(self, nxt: str, first: str) -> bool:
        if self.rules.maybe_mode == "capital":
            return first.isupper()
        return self._starts_sentence(nxt) or (nxt[:1] in _QUOTE_OPENERS and first.isupper())

    def _starts_sentence(self, nxt: str) -> bool:
        w = nxt.lstrip(OPENERS)
        m = _WORD.match(w)
        if m is None:
            return False
        word = m.group()
        if w[len(word) : len(word) + 1] == ".":
            if len(word) == 1:  # another initial
                return False
            return word.lower() in self.rules.titles  # "... at 6 P.M. Mr. Smith then went"
        return word in self.rules.starters

    def _starts_clause(self, nxt: str) -> bool:
        """A sentence starter that is not a preposition: after "2024 р." a preposition goes on, "Він" does not."""
        word = _WORD.match(nxt.lstrip(OPENERS))
        return self._starts_sentence(nxt) and (word is None or word.group() not in self.rules.prepositions)


#: a "sentence" that is only a list marker ("1.", "b)", "•") or a run of punctuation ("...", "?!", "—")
_BARE = re.compile(f"(?:[{_BULLETS}]?\\s*(?:\\d{{1,3}}|[a-z])(?:\\.\\)|[.)])|[^\\w\\s]+)")


def _no_bare_markers(p: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` with each span that is only a marker or punctuation joined to a neighbour (a translator cannot
    translate it alone): punctuation to the sentence before it (it ends it), a marker to the one after (it opens
    it); a paragraph of one such span keeps it."""
    if len(spans) < 2 or all(e - s > 5 for s, e in spans):  # the common case: nothing that short
        return spans
    out: list[tuple[int, int]] = []
    carry: int | None = None  # the start of a marker (or of leading punctuation) waiting for its sentence
    last = len(spans) - 1
    for k, (s, e) in enumerate(spans):
        if e - s <= 5 and _BARE.fullmatch(p, s, e) is not None:
            marker = p[s].isalnum() or p[s] in _BULLETS
            if out and carry is None and not (marker and k < last):
                out[-1] = (out[-1][0], e)  # punctuation ends the sentence before it (so does a marker at the end)
                continue
            if k < last:
                carry = s if carry is None else carry  # a marker opens the next sentence
                continue
        if carry is not None:
            s, carry = carry, None
        out.append((s, e))
    return out


def _core(token: str) -> str:
    """The word that a terminator follows, without the brackets or quotes before it: "미국(U.S" -> "U.S"."""
    if len(token) > MAX_WORD:
        return token
    return _OPENER_RUN.split(token)[-1]


def _marker_value(m: re.Match[str]) -> int:
    digits, letter = m.group(2), m.group(3)
    return int(digits) if digits else ord(letter) - ord("a") + 1
