"""Paragraph layout for the rule-based segmenter: boundaries decided before any sentence end is looked at.

List items at line starts, headlines, datelines, dotted dates, spaced ellipses and quotations with their
attribution give cuts (a sentence starts here) and kept offsets (no sentence ends here) that the engine
(:mod:`pipeline.segment.rules`) takes as fixed. Also the punctuation classes and the bounded look-around
helpers both use. Everything is linear in the paragraph's length.
"""

from __future__ import annotations

import re

TERMS = ".?!…‼⁇⁈⁉。！？｡．։؟۔।॥።"
CLOSERS = "\"'”’»«“‘)]}›‹」』）〕】》〉＂＇"
OPENERS = "\"'“‘«»„‚([{‹›¿¡「『（〔【《〈＂＇"
DASHES = frozenset({"-", "--", "–", "—", "―"})
LIST_INTRO = frozenset(TERMS + CLOSERS + ":;")
MAX_WORD = 80  # longest word looked at around a candidate; longer words are never abbreviations

# A list item or bullet at the start of a line: "1. ", "2) ", "a. ", "- ", "• ".
_MARKER = re.compile(r"^[^\S\n]*(?:(\d{1,3}|[a-z])[.)]|[-*•‣–—])[^\S\n]+(?=\S)", re.MULTILINE)
# A bullet symbol at the start of a line ("· 09:00 개회식", "▲소화기 미비"): always a list item, space or not.
_SYMBOL_BULLET = re.compile(r"^[^\S\n]*[•‣·▪◦●○■□▲△▶▷◆◇※►➤](?=[^\S\n]*\S)", re.MULTILINE)
# A news tag opening a headline: "[속보]", "【서울】", "[UPDATE]".
_HEADLINE_TAG = re.compile(r"[\[【][^\]】\n]{1,12}[\]】]")
# A date written with periods: "2024. 3. 5." (Korean): its periods end nothing.
_DOTTED_DATE = re.compile(r"(?<!\d)\d{4}\.[^\S\n]?\d{1,2}\.[^\S\n]?\d{1,2}\.")
# A spaced ellipsis ". . ." (MLA/Chicago): three or more periods, one space apart.
_SPACED_DOTS = re.compile(r"\.(?:[^\S\n]\.){2,}")
_DATELINE = re.compile(
    r"^[^\S\n]*([^\n—–/]{2,60}?)[^\S\n]*([—–]|/[^/\s][^/\n]{0,30}/\.?)(?:[^\S\n]*((?:[^\W\d_][\w-]*[^\S\n]?){1,3}\.))?",
    re.MULTILINE,
)
_WS = re.compile(r"\s*")
_TOKEN = re.compile(r"\S{1,64}")


def char_before(p: str, i: int) -> str:
    """The last non-space character before ``i`` ("" at the start)."""
    j = i
    while j > 0 and p[j - 1].isspace():
        j -= 1
    return p[j - 1] if j > 0 else ""


def line_markers(p: str) -> tuple[list[int], set[int]]:
    """Cuts before list items at line starts ("1. ", "2) ", "- ", "• "), and the ends of their "N." markers."""
    cuts: list[int] = []
    no_cut: set[int] = set()
    in_list = False
    for m in _MARKER.finditer(p):
        # A list item starts the paragraph, follows a line ending in punctuation ("Steps:"), or
        # continues a list; otherwise "rose to\n15. It fell" is hard-wrapped prose.
        if m.start() > 0:
            if not in_list and char_before(p, m.start()) not in LIST_INTRO:
                continue
            cuts.append(m.start())
        in_list = True
        if m.group(1) is not None and p[m.end(1)] == ".":
            no_cut.add(m.end(1) + 1)
    cuts += [m.start() for m in _SYMBOL_BULLET.finditer(p) if m.start() > 0]
    if ". " in p:
        for m in _DOTTED_DATE.finditer(p):
            no_cut.update(range(m.start() + 1, m.end() + 1))
    return cuts, no_cut


_QUOTE_PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"'}
_MAX_QUOTE = 400  # characters: longer quotations are cut into their sentences
_QUOTE_CHAR = re.compile('[«»“”„"]')


def attributed_quotes(p: str) -> list[tuple[int, int]]:
    """Quotations followed by their attribution: «… . …», — сказав мер. / “… . …”라고 말했다. / “… . …,” he said;
    and quotations introduced by a colon: Він сказав: «Ми готові. Ми чекаємо».

    The quotation and its attribution are one sentence, however many sentences the quotation holds (as in
    the Russian Golden Rules): cut apart, each part would be translated with half a quotation. A quotation
    longer than _MAX_QUOTE characters is left to the other rules (a unit must stay translatable). Returns the
    (opening, closing) offsets of each outermost such quotation.
    """
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for m in _QUOTE_CHAR.finditer(p):
        i, c = m.start(), m.group()
        if stack and c == stack[-1][0]:
            _, opened = stack.pop()
            if (
                not stack
                and i - opened <= _MAX_QUOTE
                and (char_before(p, opened) == ":" or _attribution_follows(p, i + 1))
            ):
                spans.append((opened, i))
        elif c in _QUOTE_PAIRS:
            stack.append((_QUOTE_PAIRS[c], i))
    return spans


def _attribution_follows(p: str, i: int) -> bool:
    """After the quotation closing at ``i - 1``: ``», — сказав`` / ``?» — спитав``, ``,” he said`` or ``”라고``."""
    if i < len(p) and "\uac00" <= p[i] <= "\ud7a3":
        return True  # a Korean particle right after the quotation
    inside = p[i - 2 : i - 1]  # the quotation's last character
    comma = p[i : i + 1] == ","
    j = _skip_ws(p, i + comma)
    if j >= len(p) or j == i:
        return False
    if p[j] in "—–":
        return comma or inside in ("?", "!", "…")
    return inside in (",", "?", "!") and p[j].islower()


def spaced_ellipses(p: str) -> tuple[list[int], set[int]]:
    """Spaced ellipses ". . ." are one mark, never a run of sentences.

    Following the MLA/Chicago convention, four periods after a word ("compounds. . . . The") are the
    sentence's period plus an ellipsis that opens the next sentence; four spaced periods ("a period . . . .
    Next") end the sentence; three (". . . I didn't") are an omission inside it, unless a quotation closes
    after them.
    """
    cuts: list[int] = []
    keep: set[int] = set()
    for m in _SPACED_DOTS.finditer(p):
        end = m.end()
        while end < len(p) and p[end] in CLOSERS:
            end += 1
        keep.update(range(m.start() + 1, end + 1))
        if not char_before(p, m.start()) or not next_token(p, end).lstrip(OPENERS)[:1].isupper():
            continue  # nothing before it to end ("... . . . . The" opening a paragraph), or no capital after it
        if end > m.end():  # a quotation trailing off: "the book . . .' Something"
            cuts.append(end)
        elif m.group().count(".") >= 4:
            attached = not p[m.start() - 1].isspace()
            cuts.append(m.start() + 1 if attached else end)
    return cuts, keep


def datelines(p: str) -> set[int]:
    """Offsets inside a dateline that opens a paragraph or a line: never a sentence end.

    "SPOKANE, Wash. —", "МОСКВА, 5 марта. /ТАСС/.", "Київ. 5 березня. ІНТЕРФАКС-УКРАЇНА –",
    "МОСКВА, 5 мар — РИА Новости.": a place (one word in capitals at least) and a date, up to a dash or an
    agency tag, then optionally the agency's name.
    """
    keep: set[int] = set()
    for m in _DATELINE.finditer(p):
        head, agency = m.group(1), m.group(3)
        words = head.split()
        if len(words) > 7:
            continue
        cased = [w for w in words if any(c.isupper() or c.islower() for c in w)]
        if cased:
            caps = any(sum(c.isalpha() for c in w) >= 2 and w.strip(",.()").isupper() for w in cased)
            lower_ok = all(not w[:1].islower() or words[i - 1][:1].isdigit() for i, w in enumerate(words) if i)
            if not (caps and lower_ok and not words[0][:1].islower()):
                continue
        elif "," not in head:
            continue
        end = m.end() if agency and all(w[:1].isupper() for w in agency.split()) else m.end(2)
        keep.update(range(m.start(1) + 1, end + 1))
    return keep


def headline_breaks(p: str) -> list[int]:
    """Cuts after a line that is a headline: no end punctuation, then a line break and a capitalised line.

    A line counts as a headline when it is Title Case or ALL CAPS (2+ words of 4+ letters, 80% of them
    capitalised), opens with a news tag ("[속보]"), or is short (10 words at most) beside a following line at
    least twice as long: hard-wrapped prose has lines of similar length, so its line breaks are not cut.
    """
    cuts: list[int] = []
    start = 0
    while (nl := p.find("\n", start)) >= 0:
        text = p[start:nl].strip()
        pos = start = nl + 1
        j = _skip_ws(p, pos)
        end = p.find("\n", j)
        following = p[j : end if end >= 0 else len(p)].strip()
        if not text or not following or text[-1] in LIST_INTRO or text[-1] in ",-–—(":
            continue
        first = following.lstrip(OPENERS)[:1]
        if not (first.isupper() or first.isdigit() or (first.isalpha() and not first.islower())):
            continue  # a capital, a digit or a letter of a script without case (Korean)
        words = text.split()
        long_words = [w for w in (w.strip(OPENERS + CLOSERS) for w in words) if len(w) >= 4 and w[:1].isalpha()]
        titled = len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) >= 0.8 * len(long_words)
        titled = titled or _HEADLINE_TAG.match(text) is not None
        short = len(words) <= 10 and len(following) >= 2 * len(text)
        if titled or short:
            cuts.append(pos)
    return cuts


def _skip_ws(p: str, i: int) -> int:
    m = _WS.match(p, i)
    return i if m is None else m.end()


def next_token(p: str, e: int) -> str:
    """The word after position ``e`` (a lone dash is skipped: «Why?» — he asked)."""
    m = _TOKEN.match(p, _skip_ws(p, e))
    if m is None:
        return ""
    if m.group() in DASHES:
        m2 = _TOKEN.match(p, _skip_ws(p, m.end()))
        if m2 is not None:
            return m2.group()
    return m.group()


def token_before(p: str, i: int) -> str:
    """The whitespace-delimited token before position ``i`` (bounded look-back)."""
    j = i
    lo = max(0, i - MAX_WORD)
    while j > lo and p[j - 1].isspace():
        j -= 1
    k = j
    lo = max(0, j - MAX_WORD)
    while k > lo and not p[k - 1].isspace():
        k -= 1
    return p[k:j]
