"""Rule-based sentence segmentation: abbreviation lists plus context heuristics, linear time.

Candidate boundaries are runs of terminal punctuation (plus closing quotes/brackets) followed by
whitespace, or CJK terminators (which need no following space). Each candidate is decided by looking
at the word before it and the word after it; nothing is matched with unbounded backtracking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .paragraphs import split_paragraphs, trim

_TERMS = ".?!…‼⁇⁈⁉。！？｡．։؟۔।॥።"
_CJK_TERMS = frozenset("。！？｡．")
_CJK_FULL_STOPS = frozenset("。｡．")
_ELLIPSIS_TERMS = frozenset(".…")
_CLOSERS = "\"'”’»«“‘)]}›‹」』）〕】》〉＂＇"
_OPENERS = "\"'“‘«»„‚([{‹›¿¡「『（〔【《〈＂＇"
_QUOTE_OPENERS = frozenset("\"'“‘«»„‚‹›「『＂＇")
_DASHES = frozenset({"-", "--", "–", "—", "―"})
_LIST_INTRO = frozenset(_TERMS + _CLOSERS + ":;")
_MAX_WORD = 80  # longest word looked at around a candidate; longer words are never abbreviations


def _cls(chars: str) -> str:
    return "".join(re.escape(c) for c in chars)


# A word (token start after whitespace) ending in a run of terminators (+ closers) that is followed by
# whitespace or the end, capturing the next word. The lookbehind pins [T]+ to the start of a run, so
# nothing is ever re-scanned more than a bounded number of times: linear in the text length.
_SPACED = re.compile(
    f"(?<!\\S)(\\S*?)(?<![{_cls(_TERMS)}])([{_cls(_TERMS)}]+)([{_cls(_CLOSERS)}]*)(?=\\s+(\\S{{1,64}})|\\s*\\Z)"
)
# Any run of terminators (used for CJK terminators, which need no following space).
_CANDIDATE = re.compile(f"(?<![{_cls(_TERMS)}])([{_cls(_TERMS)}]+)([{_cls(_CLOSERS)}]*)")
_HAS_CJK = re.compile(f"[{_cls(''.join(sorted(_CJK_TERMS)))}]")
# A list item or bullet at the start of a line: "1. ", "2) ", "a. ", "- ", "• ".
_MARKER = re.compile(r"^[^\S\n]*(?:(\d{1,3}|[a-z])[.)]|[-*•‣–—])[^\S\n]+(?=\S)", re.MULTILINE)
_WS = re.compile(r"\s*")
_TOKEN = re.compile(r"\S{1,64}")
_WORD = re.compile(r"[^\W\d_]+")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # U.S, p.m, e.g, т.е
_NUMLIKE = re.compile(r"[(\[]?(?:\d[\d.,/\u2013\u2014-]*|[IVXLC]+(?:[\u2013\u2014-][IVXLC]+)?)[)\]]?")


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


@dataclass(frozen=True)
class LangRules:
    """Abbreviation lists (lowercase, without the final period) and heuristics for one language."""

    tag: str
    never_end: frozenset[str] = frozenset()  # titles etc.: never end a sentence
    maybe_end: frozenset[str] = frozenset()  # may end a sentence (etc., Inc., p.m.)
    before_number: frozenset[str] = frozenset()  # abbreviations only when a number follows (No. 5)
    after_number: frozenset[str] = frozenset()  # may end after a number (2020 г.), else never end (г. Москва)
    cap_only: frozenset[str] = frozenset()  # only abbreviations when capitalised (Jan., Sat.)
    starters: frozenset[str] = frozenset()  # capitalised words that typically start a sentence
    maybe_mode: Literal["capital", "starters"] = "capital"  # how maybe_end/after_number decide
    single_lower_ends: bool = True  # may a single lowercase letter + "." end a sentence?


_EN_MONTHS_DAYS = _words("jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun")

EN = LangRules(
    tag="en",
    never_end=_words(
        "mr mrs ms mssrs messrs dr prof gen sen gov rep rev hon pres supt capt lt col maj sgt cpl pvt adm cmdr cdr "
        "brig fr mt vs v e.g i.e cf viz approx ca esp incl univ assn"
    ),
    maybe_end=_words(
        "etc inc ltd co corp llc plc jr sr bros a.m p.m u.s u.k u.n e.u u.s.a d.c ph.d m.d b.a m.a b.sc al st ave "
        "blvd rd dept est ft oz lb lbs hr hrs mins yrs govt intl natl ibid"
    )
    | _EN_MONTHS_DAYS,
    before_number=_words("no nos nr fig figs p pp vol vols art sec ch chap para eq op tel ext pt ref"),
    cap_only=_EN_MONTHS_DAYS,
    starters=_words(
        "A An The This That These Those It Its He She They We I You His Her Their Our My Your There Here But And Or "
        "So Yet However Meanwhile Then Now In On At For After Before When While If As Although Though Since Because "
        "Some Many Most All Other Others One Two What Who Why How Where Which Still Also Later Earlier Today "
        "Yesterday Tomorrow Last Next Such No Not Both Each Every Despite According By From With Without Under Over "
        "During Once Instead Finally First Officials Police"
    ),
    maybe_mode="starters",
)

RU = LangRules(
    tag="ru",
    never_end=_words(
        "т е к н им ул просп пер пл наб гр с ст напр см ср рис табл гл илл о оз р пос дер акад проф доц ген полк "
        "тов св ок мл зам нач кв корп стр вып ч т.е т.к т.н"
    ),
    maybe_end=_words("д п др пр т.д т.п млн млрд трлн тыс руб коп долл гг вв обл км кг чел экз шт"),
    after_number=_words("г р в вв см м с"),
    starters=_words(
        "Он Она Оно Они Это Этот Эта Эти Я Мы Вы Ты Но И А Однако В Во На По С Со Так Также Кроме После До При "
        "Когда Если Как Что Там Тогда Затем Потом Его Ее Её Их Не Ни Да Нет Все Всё"
    ),
)

UK = LangRules(
    tag="uk",
    never_end=_words(
        "т ч е ім вул просп пров пл бул наб с смт напр див рис табл гл о оз акад проф доц ген св зам заст кв "
        "корп стор вип розд т.ч"
    ),
    maybe_end=_words("д п ін інш т.д т.п тис млн млрд трлн грн коп дол крб рр обл км кг чол шт"),
    after_number=_words("р м с ст"),
    starters=_words(
        "Він Вона Воно Вони Це Цей Ця Ці Я Ми Ви Ти Але І Й А Та Однак Проте В У На По З Із Так Також Крім Після "
        "До При Коли Якщо Як Що Там Тоді Потім Його Її Їх Не Ні Всі Усі"
    ),
)

GENERIC = LangRules(
    tag="generic",
    never_end=_words("mr mrs ms dr prof vs e.g i.e z.b bzw vgl ca st hr fr sr sra mme mlle usw"),
    maybe_end=_words("etc inc ltd jr a.m p.m u.s u.k u.a"),
    before_number=_words("no nr fig abb p pp vol art"),
    single_lower_ends=False,
)

KO = LangRules(
    tag="ko",
    never_end=GENERIC.never_end,
    maybe_end=GENERIC.maybe_end,
    before_number=GENERIC.before_number,
    single_lower_ends=False,
)

LANG_RULES: dict[str, LangRules] = {"en": EN, "ru": RU, "uk": UK, "ko": KO}


class RuleSegmenter:
    """Sentence splitter driven by :class:`LangRules`."""

    def __init__(self, lang: str, rules: LangRules) -> None:
        self.lang = lang
        self.rules = rules
        self.name = f"rules-{rules.tag}.v1"

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
        cuts: list[int] = []
        no_cut: set[int] = set()
        in_list = False
        for m in _MARKER.finditer(p):
            # A list item starts the paragraph, follows a line ending in punctuation ("Steps:"), or
            # continues a list; otherwise "rose to\n15. It fell" is hard-wrapped prose.
            if m.start() > 0:
                j = m.start()
                while j > 0 and p[j - 1].isspace():
                    j -= 1
                if not in_list and p[j - 1] not in _LIST_INTRO:
                    continue
                cuts.append(m.start())
            in_list = True
            if m.group(1) is not None and p[m.end(1)] == ".":
                no_cut.add(m.end(1) + 1)
        has_cjk = _HAS_CJK.search(p) is not None
        for m in _SPACED.finditer(p):
            e = m.end()
            if e >= n or e in no_cut:
                continue
            token, term, _close, nxt = m.groups()
            if nxt is None or (has_cjk and _HAS_CJK.search(term)):
                continue  # the end of the paragraph; CJK runs are decided below
            if nxt in _DASHES:
                nxt = _next_token(p, e)
            if self._boundary(p, m.start(), token.lstrip(_OPENERS), term, nxt):
                cuts.append(e)
        if has_cjk:
            for m in _CANDIDATE.finditer(p):
                e = m.end()
                term, close = m.groups()
                if e < n and _HAS_CJK.search(term) and self._cjk_boundary(p, term, close, e):
                    cuts.append(e)
        cuts += _headline_breaks(p)
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
        return spans

    @staticmethod
    def _cjk_boundary(p: str, term: str, close: str, e: int) -> bool:
        nxt = p[e]
        if term[-1] == "．" and nxt.isdigit():
            return False  # fullwidth decimal point
        # “为什么？”他问 / 「なぜ？」と: a quoted question or exclamation running on into its clause.
        return not (close and not nxt.isspace() and not any(c in _CJK_FULL_STOPS for c in term))

    def _boundary(self, p: str, start: int, core: str, term: str, nxt: str) -> bool:
        """Decide a candidate: ``core`` is the word (at ``start``) before the run ``term``, ``nxt`` the next word."""
        first = nxt.lstrip(_OPENERS)[:1]
        if term != "." and any(c not in _ELLIPSIS_TERMS for c in term):  # ? ! and other strong terminators
            return not first.islower()
        if term != ".":  # ellipsis: a boundary only before a capital
            return first.isupper()
        if not core or len(core) > _MAX_WORD:
            return not first.islower()
        return self._period(p, core, start, nxt, first)

    def _period(self, p: str, core: str, start: int, nxt: str, first: str) -> bool:
        r = self.rules
        low = core.lower()
        if low in r.cap_only and not core[0].isupper():
            return not first.islower()
        if low in r.after_number:
            if _NUMLIKE.fullmatch(_token_before(p, start)):
                return self._maybe_end(nxt, first)
            return False
        if low in r.never_end:
            return False
        if low in r.before_number and first.isdigit():
            return False
        if low in r.maybe_end or _DOTTED.fullmatch(core):
            return self._maybe_end(nxt, first)
        if len(core) == 1 and core.isalpha():
            if core.isupper():  # an initial: J. R. R. Tolkien, George W. Bush
                return self._starts_sentence(nxt)
            if not r.single_lower_ends:
                return False
            return self._maybe_end(nxt, first)
        return not first.islower()

    def _maybe_end(self, nxt: str, first: str) -> bool:
        if self.rules.maybe_mode == "capital":
            return first.isupper()
        return self._starts_sentence(nxt) or (nxt[:1] in _QUOTE_OPENERS and first.isupper())

    def _starts_sentence(self, nxt: str) -> bool:
        w = nxt.lstrip(_OPENERS)
        m = _WORD.match(w)
        if m is None:
            return False
        word = m.group()
        if len(word) == 1 and w[1:2] == ".":  # another initial
            return False
        return word in self.rules.starters


def _headline_breaks(p: str) -> list[int]:
    """Cuts after a line that is a headline: no end punctuation, then a line break and a capitalised line.

    A line counts as a headline when it is Title Case or ALL CAPS (2+ words of 4+ letters, 80% of them
    capitalised), or short (10 words at most) beside a following line at least twice as long: hard-wrapped
    prose has lines of similar length, so its line breaks are not cut.
    """
    cuts: list[int] = []
    start = 0
    while (nl := p.find("\n", start)) >= 0:
        text = p[start:nl].strip()
        pos = start = nl + 1
        j = _skip_ws(p, pos)
        end = p.find("\n", j)
        following = p[j : end if end >= 0 else len(p)].strip()
        if not text or not following or text[-1] in _LIST_INTRO or text[-1] in ",-–—(":
            continue
        first = following.lstrip(_OPENERS)[:1]
        if not (first.isupper() or first.isdigit()):
            continue
        words = text.split()
        long_words = [w for w in (w.strip(_OPENERS + _CLOSERS) for w in words) if len(w) >= 4 and w[:1].isalpha()]
        titled = len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) >= 0.8 * len(long_words)
        short = len(words) <= 10 and len(following) >= 2 * len(text)
        if titled or short:
            cuts.append(pos)
    return cuts


def _skip_ws(p: str, i: int) -> int:
    m = _WS.match(p, i)
    return i if m is None else m.end()


def _next_token(p: str, e: int) -> str:
    """The word after position ``e`` (a lone dash is skipped: «Why?» — he asked)."""
    m = _TOKEN.match(p, _skip_ws(p, e))
    if m is None:
        return ""
    if m.group() in _DASHES:
        m2 = _TOKEN.match(p, _skip_ws(p, m.end()))
        if m2 is not None:
            return m2.group()
    return m.group()


def _token_before(p: str, i: int) -> str:
    """The whitespace-delimited token before position ``i`` (bounded look-back)."""
    j = i
    lo = max(0, i - _MAX_WORD)
    while j > lo and p[j - 1].isspace():
        j -= 1
    k = j
    lo = max(0, j - _MAX_WORD)
    while k > lo and not p[k - 1].isspace():
        k -= 1
    return p[k:j]


def rules_for(lang: str) -> LangRules:
    """The rules for ``lang``; the generic rules for any language without its own."""
    return LANG_RULES.get(lang, GENERIC)
