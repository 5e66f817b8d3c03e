"""Rule-based sentence segmentation: abbreviation lists plus context heuristics, linear time.

Candidate boundaries are runs of terminal punctuation (plus closing quotes/brackets) followed by
whitespace, or CJK terminators (which need no following space). Each candidate is decided by looking
at the word before it and the word after it; nothing is matched with unbounded backtracking.
"""

from __future__ import annotations

import re
from bisect import bisect_right
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
# A bullet symbol at the start of a line ("· 09:00 개회식", "▲소화기 미비"): always a list item, space or not.
_SYMBOL_BULLET = re.compile(r"^[^\S\n]*[•‣·▪◦●○■□▲△▶▷◆◇※►➤](?=[^\S\n]*\S)", re.MULTILINE)
# A news tag opening a headline: "[속보]", "【서울】", "[UPDATE]".
_HEADLINE_TAG = re.compile(r"[\[【][^\]】\n]{1,12}[\]】]")
# A date written with periods: "2024. 3. 5." (Korean): its periods end nothing.
_DOTTED_DATE = re.compile(r"(?<!\d)\d{4}\.[^\S\n]?\d{1,2}\.[^\S\n]?\d{1,2}\.")
# Inline list markers: "1.", "2)", "3.)", "a." (optionally after a bullet: "• 9.", "⁃10."), and bullets alone.
_BULLETS = "•‣⁃◦▪●"
_INLINE_MARKER = re.compile(f"(?<!\\S)([{_BULLETS}][^\\S\\n]*)?(?:(\\d{{1,3}})|([a-z]))(\\.\\)|[.)])(?=[^\\S\\n]+\\S)")
_BULLET = re.compile(f"(?<!\\S)[{_BULLETS}](?=[^\\S\\n]*\\S)")
_LIST_START = re.compile(f"(?<![^\\s{_BULLETS}])[1a](?:\\.\\)?|\\))(?=\\s)")  # where a list can start: "1.", "1)", "a."
# A spaced ellipsis ". . ." (MLA/Chicago): three or more periods, one space apart.
_SPACED_DOTS = re.compile(r"\.(?:[^\S\n]\.){2,}")
# Korean: a sentence ending run straight into the next sentence ("했다.그러나"); not "끝났다.”라고" (a closer between)
_HANGUL_RUN_ON = re.compile(r"(?<=[\uac00-\ud7a3])[.?!]+(?=[\uac00-\ud7a3])")
_DATELINE = re.compile(
    r"^[^\S\n]*([^\n—–/]{2,60}?)[^\S\n]*([—–]|/[^/\s][^/\n]{0,30}/\.?)(?:[^\S\n]*((?:[^\W\d_][\w-]*[^\S\n]?){1,3}\.))?",
    re.MULTILINE,
)
_OPENER_RUN = re.compile(f"[{_cls(_OPENERS)}]+")
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
    titles: frozenset[str] = frozenset()  # "Mr", "Dr": never end, and start a sentence after a maybe_end ("P.M.")
    prepositions: frozenset[str] = frozenset()  # capitalised: "At 5 a.m." / "В 1854 году" go on after an abbreviation
    pronouns: frozenset[str] = frozenset()  # one-letter words that are not initials after a lowercase word ("and I.")
    maybe_mode: Literal["capital", "starters"] = "capital"  # how maybe_end decides
    single_lower_ends: bool = True  # may a single lowercase letter + "." end a sentence?
    hangul_run_on: bool = False  # does "다.그" (no space) end a sentence?
    latin_never_ends: bool = False  # a period after a Latin letter never ends a sentence (Korean text)
    endings: frozenset[str] = frozenset()  # final syllables of a sentence (Korean: "다", "요"): end before "…"


_EN_MONTHS_DAYS = _words("jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun")
# US states in AP style (datelines: "SPOKANE, Wash. —"); only abbreviations when capitalised ("ill.", "mass.")
_EN_STATES = _words(
    "ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo mont neb nev okla ore "
    "pa tenn tex vt va wash wis wyo"
)
_EN_TITLES = _words("mr mrs ms mssrs messrs dr prof gen sen gov rep rev hon pres supt capt lt col maj sgt cpl pvt adm")

EN = LangRules(
    tag="en",
    never_end=_EN_TITLES | _words("cmdr cdr brig fr mt vs v e.g i.e cf viz approx ca esp incl univ assn"),
    maybe_end=_words(
        "etc inc ltd co corp llc plc jr sr bros a.m p.m u.s u.k u.n e.u u.s.a d.c ph.d m.d b.a m.a b.sc al st ave "
        "blvd rd dept est ft oz lb lbs hr hrs mins yrs govt intl natl ibid"
    )
    | _EN_MONTHS_DAYS
    | _EN_STATES,
    before_number=_words("no nos nr n° nº № fig figs p pp vol vols art sec ch chap para eq op tel ext pt ref"),
    cap_only=_EN_MONTHS_DAYS | _EN_STATES,
    titles=_EN_TITLES,
    prepositions=_words("At On In By From Until Till Since Before After Around About Near Shortly Early Late"),
    pronouns=frozenset({"I"}),
    starters=_words(
        "A An The This That These Those It Its He She They We I You His Her Their Our My Your There Here But And Or "
        "So Yet However Meanwhile Then Now In On At For After Before When While If As Although Though Since Because "
        "Some Many Most All Other Others One Two What Who Why How Where Which Still Also Later Earlier Today "
        "Yesterday Tomorrow Last Next Such No Not Both Each Every Despite According By From With Without Under Over "
        "During Once Instead Finally First Officials Police Did Do Does Is Are Was Were Has Have Had Can Could Will "
        "Would Should May Might Must"
    ),
    maybe_mode="starters",
)

RU = LangRules(
    tag="ru",
    never_end=_words(
        "т е к н им ул просп пер пл наб гр с ст напр см ср рис табл гл илл о оз р пос дер акад проф доц ген полк "
        "тов св ок мл зам нач кв корп стр вып ч т.е т.к т.н пгт бульв бул"
    ),
    maybe_end=_words("д п др пр т.д т.п млн млрд трлн тыс руб коп долл обл км кг чел экз шт"),
    after_number=_words("г гг р в вв см м с"),
    before_number=_words("янв фев февр мар апр июн июл авг сен сент окт нояб дек"),
    prepositions=_words("В Во На По С Со Кроме После До При К Ко У Из От За Под Над Для О Об Через Между Перед"),
    starters=_words(
        "Он Она Оно Они Это Этот Эта Эти Я Мы Вы Ты Но И А Однако В Во На По С Со Так Также Кроме После До При "
        "Когда Если Как Что Там Тогда Затем Потом Его Ее Её Их Не Ни Да Нет Все Всё Ему Ей Им Ним Ней Ими Него Нее "
        "Неё Них Этого Этой Этих Этому Этим Тому Впрочем Теперь Сейчас Позже Ранее Кто Где Почему Зачем"
    ),
)

UK = LangRules(
    tag="uk",
    never_end=_words(
        "т ч е ім вул просп пров пл бул наб с смт напр див рис табл гл о оз акад проф доц ген св зам заст кв "
        "корп стор вип розд т.ч бульв бул"
    ),
    maybe_end=_words("д п ін інш т.д т.п тис млн млрд трлн грн коп дол крб обл км кг чол шт"),
    after_number=_words("р рр м с ст"),
    before_number=_words("січ лют бер квіт трав черв лип серп вер верес жовт лист груд"),
    prepositions=_words("В У На По З Із Зі Крім Після До При Від Для Через Між Перед За Під Над Біля"),
    starters=_words(
        "Він Вона Воно Вони Це Цей Ця Ці Я Ми Ви Ти Але І Й А Та Однак Проте В У На По З Із Так Також Крім Після "
        "До При Коли Якщо Як Що Там Тоді Потім Його Її Їх Не Ні Всі Усі Йому Їй Їм Ним Нею Ними Нього Неї Них Цього "
        "Цієї Цих Цьому Цим Цією Тому Утім Водночас Згодом Раніше Наразі Хто Де Чому Навіщо"
    ),
)

GENERIC = LangRules(
    tag="generic",
    never_end=_words("mr mrs ms dr prof vs e.g i.e z.b bzw vgl ca st hr fr sr sra mme mlle usw"),
    maybe_end=_words("etc inc ltd jr a.m p.m u.s u.k u.a"),
    before_number=_words("no nr n° nº № fig abb p pp vol art"),
    single_lower_ends=False,
)

KO = LangRules(
    tag="ko",
    never_end=GENERIC.never_end,
    maybe_end=GENERIC.maybe_end,
    before_number=GENERIC.before_number,
    single_lower_ends=False,
    hangul_run_on=True,
    latin_never_ends=True,
    endings=frozenset("다요죠까"),
)

LANG_RULES: dict[str, LangRules] = {"en": EN, "ru": RU, "uk": UK, "ko": KO}


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
        cuts, no_cut = _line_markers(p)
        # each rule runs only where its characters occur: most paragraphs are plain prose
        if _LIST_START.search(p) or _BULLET.search(p):
            list_cuts, list_keep = self._inline_lists(p)
            cuts += list_cuts
            no_cut |= list_keep
        if ". ." in p:
            dot_cuts, dot_keep = _spaced_ellipses(p)
            cuts += dot_cuts
            no_cut |= dot_keep
        if "\n" in p:
            cuts += _headline_breaks(p)
        if "—" in p or "–" in p or "/" in p:
            no_cut |= _datelines(p)
        for qs, qe in _attributed_quotes(p):
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
            dash = nxt in _DASHES
            if dash:
                nxt = _next_token(p, e)
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
        return spans

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
            if _token_before(p, m.start()).lower().rstrip(".") in self.rules.before_number:
                continue  # "No. 1. Then No. 2." are numbers, not markers
            value = int(digits) if digits else ord(letter) - ord("a") + 1
            key = (digits is not None, suffix)
            chain = chains.get(key)
            if chain is not None and _marker_value(chain[-1]) + 1 == value:
                chain.append(m)
            elif value == 1 or bullet:
                before = _char_before(p, m.start())
                if not before or bullet or before in _LIST_INTRO:
                    if chain is not None:
                        done.append(chain)
                    chains[key] = [m]
        for chain in [*done, *chains.values()]:
            if len(chain) < 2:
                continue
            keep.update(m.end() for m in chain)
            if not any(_char_before(p, m.start()) in ",;" for m in chain[1:]):  # "such: 1) one; 2) two." goes on
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
        first = nxt.lstrip(_OPENERS)[:1]
        if term != "." and any(c not in _ELLIPSIS_TERMS for c in term):  # ? ! and other strong terminators
            return not first.islower()
        if term != ".":  # ellipsis: a boundary only before a capital, or after a sentence ending ("멈췄다… 그리고")
            return first.isupper() or (core[-1:] in self.rules.endings and first.isalpha() and not first.islower())
        if not core or len(core) > _MAX_WORD:
            return not first.islower()
        return self._period(p, prev, core, start, nxt, first)

    def _period(self, p: str, prev: int, core: str, start: int, nxt: str, first: str) -> bool:
        r = self.rules
        low = core.lower()
        if low in r.cap_only and not core[0].isupper():
            return not first.islower()
        if len(core) == 1 and core.isupper():
            if core in r.pronouns and _token_before(p, start)[:1].islower():  # "you and I. Did you"
                return not first.islower()
            # an initial: J. R. R. Tolkien, George W. Bush, П. И. Чайковский; "Кравцов С. С. Его" ends
            return self._starts_sentence(nxt)
        if r.latin_never_ends and core[-1].isascii() and core[-1].isalpha():
            return False  # "U.S. Steel", "Ph.D. 과정": a sentence of this language ends in its own script
        if low in r.after_number:
            # "в 2010 г. Виктор" / "1898 г. В 1854 году" go on; "у 2024 р. Він сказав" ends
            return _NUMLIKE.fullmatch(_token_before(p, start)) is not None and self._starts_clause(nxt)
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
        if start - prev > _MAX_WORD:  # bounded: linear time
            return False
        words = p[prev:start].split()
        return 0 < len(words) <= 3 and words[0].lstrip(_OPENERS) in self.rules.prepositions

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
        if w[len(word) : len(word) + 1] == ".":
            if len(word) == 1:  # another initial
                return False
            return word.lower() in self.rules.titles  # "... at 6 P.M. Mr. Smith then went"
        return word in self.rules.starters

    def _starts_clause(self, nxt: str) -> bool:
        """A sentence starter that is not a preposition: after "2024 р." a preposition goes on, "Він" does not."""
        word = _WORD.match(nxt.lstrip(_OPENERS))
        return self._starts_sentence(nxt) and (word is None or word.group() not in self.rules.prepositions)


def _core(token: str) -> str:
    """The word that a terminator follows, without the brackets or quotes before it: "미국(U.S" -> "U.S"."""
    if len(token) > _MAX_WORD:
        return token
    return _OPENER_RUN.split(token)[-1]


def _char_before(p: str, i: int) -> str:
    """The last non-space character before ``i`` ("" at the start)."""
    j = i
    while j > 0 and p[j - 1].isspace():
        j -= 1
    return p[j - 1] if j > 0 else ""


def _marker_value(m: re.Match[str]) -> int:
    digits, letter = m.group(2), m.group(3)
    return int(digits) if digits else ord(letter) - ord("a") + 1


def _line_markers(p: str) -> tuple[list[int], set[int]]:
    """Cuts before list items at line starts ("1. ", "2) ", "- ", "• "), and the ends of their "N." markers."""
    cuts: list[int] = []
    no_cut: set[int] = set()
    in_list = False
    for m in _MARKER.finditer(p):
        # A list item starts the paragraph, follows a line ending in punctuation ("Steps:"), or
        # continues a list; otherwise "rose to\n15. It fell" is hard-wrapped prose.
        if m.start() > 0:
            if not in_list and _char_before(p, m.start()) not in _LIST_INTRO:
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


def _attributed_quotes(p: str) -> list[tuple[int, int]]:
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
                and (_char_before(p, opened) == ":" or _attribution_follows(p, i + 1))
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


def _spaced_ellipses(p: str) -> tuple[list[int], set[int]]:
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
        while end < len(p) and p[end] in _CLOSERS:
            end += 1
        keep.update(range(m.start() + 1, end + 1))
        if not _char_before(p, m.start()) or not _next_token(p, end).lstrip(_OPENERS)[:1].isupper():
            continue  # nothing before it to end ("... . . . . The" opening a paragraph), or no capital after it
        if end > m.end():  # a quotation trailing off: "the book . . .' Something"
            cuts.append(end)
        elif m.group().count(".") >= 4:
            attached = not p[m.start() - 1].isspace()
            cuts.append(m.start() + 1 if attached else end)
    return cuts, keep


def _datelines(p: str) -> set[int]:
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


def _headline_breaks(p: str) -> list[int]:
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
        if not text or not following or text[-1] in _LIST_INTRO or text[-1] in ",-–—(":
            continue
        first = following.lstrip(_OPENERS)[:1]
        if not (first.isupper() or first.isdigit() or (first.isalpha() and not first.islower())):
            continue  # a capital, a digit or a letter of a script without case (Korean)
        words = text.split()
        long_words = [w for w in (w.strip(_OPENERS + _CLOSERS) for w in words) if len(w) >= 4 and w[:1].isalpha()]
        titled = len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) >= 0.8 * len(long_words)
        titled = titled or _HEADLINE_TAG.match(text) is not None
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
